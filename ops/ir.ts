/** The graph IR: symbolic tensors (dtype + shape with symbolic dims such as the batch 'N'), nodes and graphs. */
import { OpsUserError, OpsErrorCode, OpsInternalError } from './errors.ts';
import { builtinOpsLoaded, getOp } from './registry.ts';

export { isFloat, staticSize, normAxis, broadcastShapes, shapeStr } from './shape.ts';

/** Element types the IR knows; float32 for training, float64 for gradient checks. */
export type DType = 'float32' | 'float64' | 'int64' | 'bool';
/** A dimension: a known size, or a symbol (e.g. 'N' for the batch) fixed only at run time. */
export type Dim = number | string;
export type Shape = Dim[];
/** The symbol used for the batch dimension. */
export const BATCH: Dim = 'N';

export interface TensorType {
  dtype: DType;
  shape: Shape;
}

/** Constant payloads stored in the graph. */
export type ConstData = Float32Array | Float64Array | BigInt64Array | Uint8Array;

/** Operator attributes: plain JS values (numbers, arrays, strings, constant arrays). */
export type Attrs = Record<string, unknown>;

/** A symbolic tensor: an output of a node, a graph input, or a constant. Immutable once built. */
export class Tensor {
  constructor(
    readonly graph: Graph,
    readonly id: number,
    readonly dtype: DType,
    readonly shape: Shape,
    /** The node that produces it (Constant and Input are nodes too). */
    readonly node: Node,
    /** Which output of `node` this is. */
    readonly index: number,
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  /** Short description for error messages: `float32[N,1,28,28]`. */
  toString(): string {
    return `${this.dtype}[${this.shape.join(',')}]`;
  }
}

/** One operator application. */
export class Node {
  outputs: Tensor[] = [];
  constructor(
    readonly id: number,
    readonly op: string,
    readonly inputs: Tensor[],
    readonly attrs: Attrs,
  ) {}
}

/** A graph under construction: nodes are appended in topological order as they are built. */
export class Graph {
  readonly nodes: Node[] = [];
  /** Declared inputs (op 'Input'), in feed order. */
  readonly inputs: Tensor[] = [];
  private nextId = 0;
  /** Name of the scope that builds nodes, used in error messages (a layer name). */
  scope: string | null = null;

  constructor() {
    // The built-in operators are loaded by the ops entry point (ops/index.ts), not by this module
    // (their definitions import the IR's types): a graph built without it would fail at its first op.
    if (!builtinOpsLoaded()) {
      throw new OpsInternalError(OpsErrorCode.INTERNAL,
        "a Graph was created before the built-in operators were registered; import ops/index.ts (or 'flint'), which loads ops/defs/, instead of ops/ir.ts alone");
    }
  }

  /** Declares a graph input. `name` must be unique; it becomes the ONNX input name. */
  input(name: string, dtype: DType, shape: Shape): Tensor {
    if (this.inputs.some(t => t.node.attrs.name === name)) {
      throw new OpsUserError(OpsErrorCode.BAD_ARGUMENT, `graph input '${name}' is declared twice`);
    }
    const node = new Node(this.nextId++, 'Input', [], { name });
    const t = new Tensor(this, this.nextId++, dtype, [...shape], node, 0);
    node.outputs = [t];
    this.nodes.push(node);
    this.inputs.push(t);
    return t;
  }

  /** A constant tensor with the given data. */
  constant(data: ConstData | number[], dtype: DType, shape: Shape): Tensor {
    const arr = toConstData(data, dtype);
    const size = shape.reduce<number>((a, d) => a * (d as number), 1);
    if (shape.some(d => typeof d !== 'number') || size !== arr.length) {
      throw new OpsInternalError(OpsErrorCode.INTERNAL, `constant of shape [${shape}] given ${arr.length} values`);
    }
    return this.apply('Constant', [], { value: arr, dtype, shape: [...shape] })[0];
  }

  /** A scalar constant of the given dtype. */
  scalar(v: number, dtype: DType): Tensor {
    return this.constant([v], dtype, []);
  }

  /** Applies a registered operator: runs its shape rule and appends the node; returns its outputs. */
  apply(op: string, inputs: Tensor[], attrs: Attrs = {}): Tensor[] {
    const def = getOp(op);
    for (const t of inputs) {
      if (t.graph !== this) {
        throw new OpsUserError(OpsErrorCode.GRAPH_MISMATCH, `${op}: an input tensor belongs to another graph`);
      }
    }
    const types = def.shape(inputs, attrs);
    const node = new Node(this.nextId++, op, inputs, attrs);
    node.outputs = types.map((ty, i) => new Tensor(this, this.nextId++, ty.dtype, ty.shape, node, i));
    this.nodes.push(node);
    return node.outputs;
  }
}

function toConstData(data: ConstData | number[], dtype: DType): ConstData {
  switch (dtype) {
    case 'float32':
      return data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>);
    case 'float64':
      return data instanceof Float64Array ? data : Float64Array.from(data as ArrayLike<number>);
    case 'int64':
      if (data instanceof BigInt64Array) return data;
      return BigInt64Array.from(Array.from(data as ArrayLike<number>, v => BigInt(Math.trunc(Number(v)))));
    case 'bool':
      return data instanceof Uint8Array ? data : Uint8Array.from(data as ArrayLike<number>, v => (v ? 1 : 0));
  }
}
