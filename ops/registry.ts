/** The operator registry: one table of operator definitions (shape rule, ONNX lowering, gradient rule); `registerOp` adds users' own. */
import { OpsUserError, OpsErrorCode } from './errors.ts';
import type { Node, Tensor, TensorType, Attrs } from './ir.ts';

/** An ONNX attribute value, tagged with its protobuf type. */
export type OnnxAttr =
  | { f: number }
  | { i: number }
  | { s: string }
  | { ints: number[] }
  | { floats: number[] };

/** What a lowering rule may do: emit ONNX nodes and initializers. */
export interface Lowering {
  /** Emits one ONNX node; `outputs` are names (use `tmp()` for intermediates). */
  emit(opType: string, inputs: string[], outputs: string[], attrs?: Record<string, OnnxAttr>): void;
  /** A fresh intermediate name. */
  tmp(): string;
  /** A 1-D int64 initializer (shapes, axes, starts...). */
  int64s(values: number[]): string;
  /** A scalar initializer of the given ONNX-visible dtype. */
  scalar(value: number, dtype: 'float32' | 'float64' | 'int64' | 'bool'): string;
  /** An initializer holding the given data (tables computed at lowering time). */
  constant(data: Float32Array | Float64Array | BigInt64Array, dtype: 'float32' | 'float64' | 'int64', dims: number[]): string;
  /** ONNX DataType code for a dtype (for Cast 'to'). */
  onnxType(dtype: string): number;
}

/**
 * A gradient rule: given the node and the gradient of each of its outputs (null when an output
 * got no gradient), builds graph nodes for the gradient of each input — one entry per input,
 * null where the input is not differentiable.
 */
export type GradRule = (node: Node, gradOutputs: (Tensor | null)[]) => (Tensor | null)[];

/** One operator: everything about it sits in one definition (and one file). */
export interface OpDef {
  name: string;
  /** Shape rule: output dtypes and shapes from the inputs and attributes; throws on mismatch. */
  shape(inputs: Tensor[], attrs: Attrs): TensorType[];
  /** ONNX lowering: emits standard ONNX nodes computing `outs` from `ins`. */
  lower(node: Node, ins: string[], outs: string[], L: Lowering): void;
  /** Gradient rule, or 'nondifferentiable' for ops whose outputs carry no gradient (comparisons, shapes, indices); a missing rule fails autodiff when a parameter needs it. */
  grad?: GradRule | 'nondifferentiable';
  /**
   * For an elementwise op of one input: whether it is nondecreasing with these attributes, so that
   * f(max(a, b)) = max(f(a), f(b)) and graph passes may apply it after a max pool instead of before
   * (ops/passes.ts). Absent means not known to be.
   */
  nondecreasing?: (attrs: Attrs) => boolean;
}

const registry = new Map<string, OpDef>();

let builtinsLoaded = false;

/** Called once by ops/defs/index.ts after every built-in operator is registered. */
export function markBuiltinOpsLoaded(): void {
  builtinsLoaded = true;
}

/** Whether ops/defs/ has been loaded (by the ops entry point, ops/index.ts). */
export function builtinOpsLoaded(): boolean {
  return builtinsLoaded;
}

/** Registers an operator; registering a name twice throws. */
export function registerOp(def: OpDef): void {
  if (registry.has(def.name)) {
    throw new OpsUserError(OpsErrorCode.DUPLICATE_OP, `operator '${def.name}' is already registered; pick another name`);
  }
  registry.set(def.name, def);
}

/** Looks an operator up; unknown names throw. */
export function getOp(name: string): OpDef {
  const def = registry.get(name);
  if (!def) {
    throw new OpsUserError(OpsErrorCode.UNKNOWN_OP, `unknown operator '${name}'; register it with registerOp first`);
  }
  return def;
}

/** Names of all registered operators. */
export function listOps(): string[] {
  return [...registry.keys()];
}
