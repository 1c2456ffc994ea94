/** A minimal protobuf reader for ONNX models: ModelProto down to nodes, attributes, initializers and value infos. */
import { OpsUserError, OpsErrorCode } from '../errors.ts';

type Field = bigint | Uint8Array;

/** Splits one message into field number -> raw values (varints as bigint, length-delimited and fixed32 as bytes). */
function fields(buf: Uint8Array): Map<number, Field[]> {
  const out = new Map<number, Field[]>();
  let i = 0;
  const varint = (): bigint => {
    let r = 0n, shift = 0n;
    for (;;) {
      if (i >= buf.length) throw new OpsUserError(OpsErrorCode.BAD_ARGUMENT, 'ONNX model is truncated (varint runs past the end)');
      const b = buf[i++];
      r |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return r;
      shift += 7n;
    }
  };
  while (i < buf.length) {
    const key = Number(varint());
    const field = key >> 3, wire = key & 7;
    let v: Field;
    if (wire === 0) v = varint();
    else if (wire === 2) {
      const n = Number(varint());
      if (i + n > buf.length) throw new OpsUserError(OpsErrorCode.BAD_ARGUMENT, 'ONNX model is truncated (a field runs past the end)');
      v = buf.subarray(i, i + n);
      i += n;
    } else if (wire === 5) {
      v = buf.subarray(i, i + 4);
      i += 4;
    } else if (wire === 1) {
      v = buf.subarray(i, i + 8);
      i += 8;
    } else throw new OpsUserError(OpsErrorCode.BAD_ARGUMENT, `not an ONNX model: unexpected protobuf wire type ${wire}`);
    let list = out.get(field);
    if (!list) out.set(field, (list = []));
    list.push(v);
  }
  return out;
}

const str = (f: Field | undefined): string => (f === undefined ? '' : new TextDecoder().decode(f as Uint8Array));
const num = (f: Field | undefined): number => (f === undefined ? 0 : Number(BigInt.asIntN(64, f as bigint)));

/** Repeated int64 values, packed or not. */
function ints(list: Field[] | undefined): number[] {
  const out: number[] = [];
  for (const f of list ?? []) {
    if (typeof f === 'bigint') out.push(Number(BigInt.asIntN(64, f)));
    else {
      let i = 0;
      while (i < f.length) {
        let r = 0n, shift = 0n;
        for (;;) {
          const b = f[i++];
          r |= BigInt(b & 0x7f) << shift;
          if (!(b & 0x80)) break;
          shift += 7n;
        }
        out.push(Number(BigInt.asIntN(64, r)));
      }
    }
  }
  return out;
}

/** Repeated floats, packed or not. */
function floats(list: Field[] | undefined): number[] {
  const out: number[] = [];
  for (const f of list ?? []) {
    const b = f as Uint8Array;
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    for (let i = 0; i + 4 <= b.length; i += 4) out.push(dv.getFloat32(i, true));
  }
  return out;
}

export interface OnnxTensor {
  name: string;
  dims: number[];
  /** ONNX DataType code (1 float, 7 int64, 11 double, ...). */
  dataType: number;
  /** Values as numbers (float and integer types). */
  values: number[];
}

export type OnnxAttrValue = number | string | number[] | OnnxTensor;

export interface OnnxNode {
  opType: string;
  domain: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, OnnxAttrValue>;
}

export interface OnnxValueInfo {
  name: string;
  elemType: number;
  /** Dims: numbers, or names of symbolic dims. */
  shape: (number | string)[];
}

export interface OnnxModel {
  opsetVersion: number;
  producer: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

function tensor(buf: Uint8Array): OnnxTensor {
  const f = fields(buf);
  const dims = ints(f.get(1));
  const dataType = num(f.get(2)?.[0]);
  const name = str(f.get(8)?.[0]);
  const raw = f.get(9)?.[0] as Uint8Array | undefined;
  let values: number[];
  if (raw) {
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    values = [];
    if (dataType === 1) for (let i = 0; i < raw.length; i += 4) values.push(dv.getFloat32(i, true));
    else if (dataType === 11) for (let i = 0; i < raw.length; i += 8) values.push(dv.getFloat64(i, true));
    else if (dataType === 7) for (let i = 0; i < raw.length; i += 8) values.push(Number(dv.getBigInt64(i, true)));
    else if (dataType === 6) for (let i = 0; i < raw.length; i += 4) values.push(dv.getInt32(i, true));
    else if (dataType === 9 || dataType === 2) values = Array.from(raw);
    else throw new OpsUserError(OpsErrorCode.NOT_IMPLEMENTED, `initializer '${name}' has ONNX data type ${dataType}, which Flint does not import`);
  } else if (dataType === 1) values = floats(f.get(4));
  else if (dataType === 7) values = ints(f.get(7));
  else if (dataType === 6 || dataType === 9) values = ints(f.get(5));
  else values = [];
  return { name, dims, dataType, values };
}

function valueInfo(buf: Uint8Array): OnnxValueInfo {
  const f = fields(buf);
  const type = fields((f.get(2)?.[0] as Uint8Array) ?? new Uint8Array());
  const tt = fields((type.get(1)?.[0] as Uint8Array) ?? new Uint8Array());
  const shape = fields((tt.get(2)?.[0] as Uint8Array) ?? new Uint8Array());
  return {
    name: str(f.get(1)?.[0]),
    elemType: num(tt.get(1)?.[0]),
    shape: (shape.get(1) ?? []).map(d => {
      const df = fields(d as Uint8Array);
      return df.has(1) ? num(df.get(1)![0]) : str(df.get(2)?.[0]) || '?';
    }),
  };
}

/** Parses ONNX ModelProto bytes (the parts Flint imports); throws a clear error on malformed input. */
export function decodeModel(bytes: Uint8Array): OnnxModel {
  const m = fields(bytes);
  const g = m.get(7)?.[0];
  if (!(g instanceof Uint8Array)) throw new OpsUserError(OpsErrorCode.BAD_ARGUMENT, 'not an ONNX model: no graph (ModelProto field 7)');
  const graph = fields(g);
  const opsets = (m.get(8) ?? []).map(o => fields(o as Uint8Array));
  const std = opsets.find(o => str(o.get(1)?.[0]) === '' || str(o.get(1)?.[0]) === 'ai.onnx');
  const nodes = (graph.get(1) ?? []).map(nb => {
    const n = fields(nb as Uint8Array);
    const attrs: Record<string, OnnxAttrValue> = {};
    for (const ab of n.get(5) ?? []) {
      const a = fields(ab as Uint8Array);
      const name = str(a.get(1)?.[0]);
      const type = num(a.get(20)?.[0]);
      if (type === 1) attrs[name] = floats(a.get(2))[0];
      else if (type === 2) attrs[name] = num(a.get(3)?.[0]);
      else if (type === 3) attrs[name] = str(a.get(4)?.[0]);
      else if (type === 4) attrs[name] = tensor(a.get(5)![0] as Uint8Array);
      else if (type === 6) attrs[name] = floats(a.get(7));
      else if (type === 7) attrs[name] = ints(a.get(8));
    }
    return {
      opType: str(n.get(4)?.[0]),
      domain: str(n.get(7)?.[0]),
      name: str(n.get(3)?.[0]),
      inputs: (n.get(1) ?? []).map(str),
      outputs: (n.get(2) ?? []).map(str),
      attrs,
    };
  });
  const initializers = (graph.get(5) ?? []).map(t => tensor(t as Uint8Array));
  const initNames = new Set(initializers.map(t => t.name));
  return {
    opsetVersion: num(std?.get(2)?.[0]),
    producer: str(m.get(2)?.[0]),
    nodes,
    initializers,
    inputs: (graph.get(11) ?? []).map(v => valueInfo(v as Uint8Array)).filter(v => !initNames.has(v.name)),
    outputs: (graph.get(12) ?? []).map(v => valueInfo(v as Uint8Array)),
  };
}
