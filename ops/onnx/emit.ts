/** The ONNX emitter: lowers an IR graph to a ModelProto (opset 17, standard domain only) as protobuf bytes. */
import { ProtoWriter } from './proto.ts';
import { getOp, type Lowering, type OnnxAttr } from '../registry.ts';
import type { ConstData, DType, Graph, Shape, Tensor } from '../ir.ts';
import { OpsUserError, OpsErrorCode } from '../errors.ts';

/** The opset every emitted model imports. */
export const OPSET = 17;
/** ONNX IR version matching opset 17. */
const IR_VERSION = 8;

const ONNX_TYPE: Record<string, number> = { float32: 1, uint8: 2, int32: 6, int64: 7, bool: 9, float64: 11 };

export interface EmitOptions {
  /** Graph outputs, in order, with their ONNX names. */
  outputs: { name: string; tensor: Tensor }[];
  /** Graph inputs whose values are baked in as initializers (exported weights). */
  initializers?: Map<Tensor, ConstData>;
  graphName?: string;
}

interface NodeRec {
  opType: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, OnnxAttr>;
  name: string;
}
interface InitRec {
  name: string;
  dtype: DType;
  dims: number[];
  data: ConstData;
}

/** Lowers `graph` to ONNX ModelProto bytes. Only nodes the outputs depend on are emitted; every declared input stays an input. */
export function emitModel(graph: Graph, opts: EmitOptions): Uint8Array {
  const needed = new Set<number>();
  const stack = opts.outputs.map(o => o.tensor.node);
  while (stack.length) {
    const n = stack.pop()!;
    if (needed.has(n.id)) continue;
    needed.add(n.id);
    for (const t of n.inputs) stack.push(t.node);
  }
  const used = new Set<number>(opts.outputs.map(o => o.tensor.id));
  for (const n of graph.nodes) if (needed.has(n.id)) for (const t of n.inputs) used.add(t.id);
  const nameOf = (t: Tensor): string =>
    t.node.op === 'Input' ? (t.node.attrs.name as string) : `t${t.id}`;

  const nodes: NodeRec[] = [];
  const inits: InitRec[] = [];
  const int64Cache = new Map<string, string>();
  let tmpCounter = 0;
  const L: Lowering = {
    emit(opType, inputs, outputs, attrs = {}) {
      nodes.push({ opType, inputs, outputs, attrs, name: `n${nodes.length}_${opType}` });
    },
    tmp() {
      return `_tmp${tmpCounter++}`;
    },
    int64s(values) {
      const key = values.join(',');
      let name = int64Cache.get(key);
      if (!name) {
        name = `_i64_${int64Cache.size}`;
        int64Cache.set(key, name);
        inits.push({ name, dtype: 'int64', dims: [values.length], data: BigInt64Array.from(values, v => BigInt(v)) });
      }
      return name;
    },
    scalar(value, dtype) {
      const name = `_c${tmpCounter++}`;
      const data =
        dtype === 'float32' ? Float32Array.of(value)
        : dtype === 'float64' ? Float64Array.of(value)
        : dtype === 'bool' ? Uint8Array.of(value ? 1 : 0)
        : BigInt64Array.of(BigInt(value));
      inits.push({ name, dtype, dims: [], data });
      return name;
    },
    constant(data, dtype, dims) {
      const name = `_k${tmpCounter++}`;
      inits.push({ name, dtype, dims, data });
      return name;
    },
    onnxType(dtype) {
      return ONNX_TYPE[dtype];
    },
  };

  for (const node of graph.nodes) {
    if (!needed.has(node.id)) continue;
    if (node.op === 'Input') continue;
    if (node.op === 'Constant') {
      inits.push({
        name: nameOf(node.outputs[0]),
        dtype: node.attrs.dtype as DType,
        dims: node.attrs.shape as number[],
        data: node.attrs.value as ConstData,
      });
      continue;
    }
    getOp(node.op).lower(
      node,
      node.inputs.map(nameOf),
      // Unused optional outputs (MaxPool indices, Dropout mask) get empty names so ORT can skip them.
      node.outputs.map((t, i) => (i === 0 || used.has(t.id) ? nameOf(t) : '')),
      L,
    );
  }
  const outNames = new Set<string>();
  for (const o of opts.outputs) {
    if (outNames.has(o.name)) throw new OpsUserError(OpsErrorCode.BAD_ARGUMENT, `output name '${o.name}' is used twice`);
    outNames.add(o.name);
    L.emit('Identity', [nameOf(o.tensor)], [o.name]);
  }
  const initSet = opts.initializers ?? new Map();
  for (const [t, data] of initSet) {
    inits.push({ name: nameOf(t), dtype: t.dtype, dims: t.shape as number[], data });
  }

  const w = new ProtoWriter();
  w.int(1, IR_VERSION);
  w.string(2, 'flint');
  w.message(7, g => {
    for (const n of nodes) g.message(1, m => writeNode(m, n));
    g.string(2, opts.graphName ?? 'flint_graph');
    for (const i of inits) g.message(5, m => writeTensor(m, i));
    for (const t of graph.inputs) {
      if (initSet.has(t)) continue;
      g.message(11, m => writeValueInfo(m, nameOf(t), t.dtype, t.shape));
    }
    for (const o of opts.outputs) g.message(12, m => writeValueInfo(m, o.name, o.tensor.dtype, o.tensor.shape));
  });
  w.message(8, m => {
    m.string(1, '');
    m.int(2, OPSET);
  });
  return w.finish();
}

function writeNode(w: ProtoWriter, n: NodeRec): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name);
  w.string(4, n.opType);
  for (const [name, a] of Object.entries(n.attrs)) {
    w.message(5, m => {
      m.string(1, name);
      if ('f' in a) {
        m.float(2, a.f);
        m.int(20, 1);
      } else if ('i' in a) {
        m.int(3, a.i);
        m.int(20, 2);
      } else if ('s' in a) {
        m.string(4, a.s);
        m.int(20, 3);
      } else if ('floats' in a) {
        for (const f of a.floats) m.float(7, f);
        m.int(20, 6);
      } else {
        for (const i of a.ints) m.int(8, i);
        m.int(20, 7);
      }
    });
  }
}

function writeTensor(w: ProtoWriter, t: InitRec): void {
  for (const d of t.dims) w.int(1, d);
  w.int(2, ONNX_TYPE[t.dtype]);
  w.string(8, t.name);
  w.blob(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

function writeValueInfo(w: ProtoWriter, name: string, dtype: DType, shape: Shape): void {
  w.string(1, name);
  w.message(2, ty =>
    ty.message(1, tt => {
      tt.int(1, ONNX_TYPE[dtype]);
      tt.message(2, sh => {
        for (const d of shape) sh.message(1, dim => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
      });
    }),
  );
}
