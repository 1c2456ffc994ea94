/** The functional builder API over the IR: one function per operator, used by layers, losses, optimizers and gradient rules. */
import type { DType, Tensor } from './ir.ts';
import { OpsUserError, OpsErrorCode } from './errors.ts';

/** A tensor, or a number lifted to a scalar constant of the other operand's dtype. */
export type TensorLike = Tensor | number;

function pair(a: TensorLike, b: TensorLike, op: string): [Tensor, Tensor] {
  if (typeof a === 'number' && typeof b === 'number') {
    throw new OpsUserError(OpsErrorCode.BAD_ARGUMENT, `${op}: at least one operand must be a tensor`);
  }
  const ref = (typeof a === 'number' ? b : a) as Tensor;
  const lift = (v: TensorLike): Tensor => (typeof v === 'number' ? ref.graph.scalar(v, ref.dtype) : v);
  return [lift(a), lift(b)];
}
const one = (op: string, x: Tensor, attrs: Record<string, unknown> = {}): Tensor => x.graph.apply(op, [x], attrs)[0];

export const add = (a: TensorLike, b: TensorLike): Tensor => { const [x, y] = pair(a, b, 'Add'); return x.graph.apply('Add', [x, y])[0]; };
export const sub = (a: TensorLike, b: TensorLike): Tensor => { const [x, y] = pair(a, b, 'Sub'); return x.graph.apply('Sub', [x, y])[0]; };
export const mul = (a: TensorLike, b: TensorLike): Tensor => { const [x, y] = pair(a, b, 'Mul'); return x.graph.apply('Mul', [x, y])[0]; };
export const div = (a: TensorLike, b: TensorLike): Tensor => { const [x, y] = pair(a, b, 'Div'); return x.graph.apply('Div', [x, y])[0]; };
export const pow = (a: TensorLike, b: TensorLike): Tensor => { const [x, y] = pair(a, b, 'Pow'); return x.graph.apply('Pow', [x, y])[0]; };
export const max = (a: TensorLike, b: TensorLike): Tensor => { const [x, y] = pair(a, b, 'Max'); return x.graph.apply('Max', [x, y])[0]; };
export const equal = (a: TensorLike, b: TensorLike): Tensor => { const [x, y] = pair(a, b, 'Equal'); return x.graph.apply('Equal', [x, y])[0]; };
export const greater = (a: TensorLike, b: TensorLike): Tensor => { const [x, y] = pair(a, b, 'Greater'); return x.graph.apply('Greater', [x, y])[0]; };
export const less = (a: TensorLike, b: TensorLike): Tensor => { const [x, y] = pair(a, b, 'Less'); return x.graph.apply('Less', [x, y])[0]; };

export const neg = (x: Tensor): Tensor => one('Neg', x);
export const exp = (x: Tensor): Tensor => one('Exp', x);
export const log = (x: Tensor): Tensor => one('Log', x);
export const sqrt = (x: Tensor): Tensor => one('Sqrt', x);
export const abs = (x: Tensor): Tensor => one('Abs', x);
export const sign = (x: Tensor): Tensor => one('Sign', x);
export const tanh = (x: Tensor): Tensor => one('Tanh', x);
export const sigmoid = (x: Tensor): Tensor => one('Sigmoid', x);
export const relu = (x: Tensor): Tensor => one('Relu', x);
export const leakyRelu = (x: Tensor, alpha = 0.01): Tensor => one('LeakyRelu', x, { alpha });
export const erf = (x: Tensor): Tensor => one('Erf', x);
export const gelu = (x: Tensor): Tensor => one('Gelu', x);
export const softplus = (x: Tensor): Tensor => one('Softplus', x);
export const softmax = (x: Tensor, axis = -1): Tensor => one('Softmax', x, { axis });
export const logSoftmax = (x: Tensor, axis = -1): Tensor => one('LogSoftmax', x, { axis });
export const cast = (x: Tensor, to: DType): Tensor => (x.dtype === to ? x : one('Cast', x, { to }));

/** Batched matrix product (rank >= 2, batch dims broadcast). */
export const matmul = (a: Tensor, b: Tensor): Tensor => a.graph.apply('MatMul', [a, b])[0];
/** alpha·op(A)·op(B) + C as ONNX Gemm (2-D; C broadcasts to the result). */
export const gemm = (a: Tensor, b: Tensor, c: Tensor | null, opts: { transA?: boolean; transB?: boolean } = {}): Tensor =>
  a.graph.apply('Gemm', c ? [a, b, c] : [a, b], { transA: opts.transA ? 1 : 0, transB: opts.transB ? 1 : 0 })[0];

export const transpose = (x: Tensor, perm: number[]): Tensor => one('Transpose', x, { perm });
/** Reshape with ONNX semantics: 0 copies the input dim, -1 is inferred. */
export const reshape = (x: Tensor, shape: number[]): Tensor => one('Reshape', x, { shape });
export const flatten = (x: Tensor, axis = 1): Tensor => one('Flatten', x, { axis });
export const squeeze = (x: Tensor, axes: number[]): Tensor => one('Squeeze', x, { axes });
export const unsqueeze = (x: Tensor, axes: number[]): Tensor => one('Unsqueeze', x, { axes });
export const concat = (xs: Tensor[], axis: number): Tensor => xs[0].graph.apply('Concat', xs, { axis })[0];
export const slice = (x: Tensor, starts: number[], ends: number[], axes: number[], steps?: number[]): Tensor =>
  one('Slice', x, { starts, ends, axes, steps: steps ?? axes.map(() => 1) });
/** Broadcasts x to the shape of `like` (ONNX Expand on Shape(like)). */
export const expandAs = (x: Tensor, like: Tensor): Tensor => x.graph.apply('ExpandAs', [x, like])[0];
/** Zeros with the shape and dtype of x. */
export const zerosLike = (x: Tensor): Tensor => one('ZerosLike', x);
/** Number of elements of x as a scalar of the given float dtype (symbolic dims resolved at run time). */
export const sizeOf = (x: Tensor, dtype: DType): Tensor => one('Size', x, { to: dtype });

export const reduceSum = (x: Tensor, axes: number[], keepdims = false): Tensor => one('ReduceSum', x, { axes, keepdims });
export const reduceMean = (x: Tensor, axes: number[], keepdims = false): Tensor => one('ReduceMean', x, { axes, keepdims });
export const reduceMax = (x: Tensor, axes: number[], keepdims = false): Tensor => one('ReduceMax', x, { axes, keepdims });
/** Sum of all elements as a scalar. */
export const sumAll = (x: Tensor): Tensor => reduceSum(x, x.shape.map((_, i) => i), false);
/** Mean of all elements as a scalar. */
export const meanAll = (x: Tensor): Tensor => reduceMean(x, x.shape.map((_, i) => i), false);

export interface ConvOpts {
  strides?: number[];
  pads?: number[];
  dilations?: number[];
  group?: number;
}
const convAttrs = (o: ConvOpts) => ({
  strides: o.strides ?? [1, 1],
  pads: o.pads ?? [0, 0, 0, 0],
  dilations: o.dilations ?? [1, 1],
  group: o.group ?? 1,
});
/** 2-D convolution, NCHW, weight [O, C/group, kh, kw]; pads [top, left, bottom, right]. */
export const conv2d = (x: Tensor, w: Tensor, b: Tensor | null, o: ConvOpts = {}): Tensor =>
  x.graph.apply('Conv', b ? [x, w, b] : [x, w], convAttrs(o))[0];
/** 2-D transposed convolution producing spatial size `outputSize` (the adjoint of conv2d). */
export const convTranspose2d = (g: Tensor, w: Tensor, outputSize: number[], o: ConvOpts = {}): Tensor =>
  g.graph.apply('ConvTranspose', [g, w], { ...convAttrs(o), outputSize })[0];

export interface PoolOpts {
  kernel: number[];
  strides?: number[];
  pads?: number[];
  dilations?: number[];
}
const poolAttrs = (o: PoolOpts) => ({
  kernel: o.kernel,
  strides: o.strides ?? o.kernel,
  pads: o.pads ?? [0, 0, 0, 0],
  dilations: o.dilations ?? [1, 1],
});
/** Max pooling; returns the pooled tensor (indices are a hidden second output used by the gradient). */
export const maxPool2d = (x: Tensor, o: PoolOpts): Tensor => x.graph.apply('MaxPool', [x], poolAttrs(o))[0];
/** Average pooling counting padding (PyTorch's default count_include_pad=True). */
export const avgPool2d = (x: Tensor, o: PoolOpts): Tensor => {
  const a = poolAttrs(o);
  return x.graph.apply('AveragePool', [x], { kernel: a.kernel, strides: a.strides, pads: a.pads })[0];
};

/** Gathers slices of x along `axis` at int64 `indices`. */
export const gather = (x: Tensor, indices: Tensor, axis = 0): Tensor => x.graph.apply('Gather', [x, indices], { axis })[0];
/** Gathers elements of x along `axis` (indices has x's rank). */
export const gatherElements = (x: Tensor, indices: Tensor, axis: number): Tensor =>
  x.graph.apply('GatherElements', [x, indices], { axis })[0];
/** data with `updates` added at `indices` along `axis` (ScatterElements, reduction add). */
export const scatterElementsAdd = (data: Tensor, indices: Tensor, updates: Tensor, axis: number): Tensor =>
  data.graph.apply('ScatterElementsAdd', [data, indices, updates], { axis })[0];
/** data with `updates` rows added at the int64 rows `indices` (ScatterND, reduction add). */
export const scatterNDAdd = (data: Tensor, indices: Tensor, updates: Tensor): Tensor =>
  data.graph.apply('ScatterNDAdd', [data, indices, updates])[0];

export const where = (cond: Tensor, a: TensorLike, b: TensorLike): Tensor => {
  const [x, y] = pair(a, b, 'Where');
  return cond.graph.apply('Where', [cond, x, y])[0];
};

/** Dropout: in training zeroes each element with probability `ratio` and scales the rest by 1/(1-ratio); identity otherwise. */
export const dropout = (x: Tensor, ratio: number, training: boolean, seed = 0): Tensor =>
  training && ratio > 0 ? x.graph.apply('Dropout', [x], { ratio, seed })[0] : x;

/**
 * Dropout with a counter-based mask: the mask is a pure function of the element index, the scalar
 * `counter` (e.g. the training step, fed at run time) and `seed`, so runs are reproducible and
 * resumable. Kept elements are scaled by 1/(1-ratio); the gradient flows through the same mask.
 */
export const dropoutCounter = (x: Tensor, ratio: number, counter: Tensor, seed = 0): Tensor => {
  if (ratio === 0) return x;
  const keep = x.graph.apply('DropoutMask', [x, counter], { ratio, seed })[0];
  return where(keep, mul(x, 1 / (1 - ratio)), x.graph.scalar(0, x.dtype));
};

/** Stops gradients: the value of x, treated as a constant by autodiff. */
export const stopGradient = (x: Tensor): Tensor => one('StopGradient', x);
