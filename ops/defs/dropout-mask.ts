/**
 * DropoutMask: a counter-based pseudo-random keep mask shaped like x, a pure function of the element
 * index, a run-time counter (the training step) and a seed — no hidden generator state, so a resumed
 * run draws the same masks as an uninterrupted one. Not differentiable (a mask).
 */
import { registerOp } from '../registry.ts';
import { shapeError } from '../errors.ts';
import type { Lowering } from '../registry.ts';

/** 2^31 - 1: products of two residues fit in int64. */
const P = 2147483647;

registerOp({
  name: 'DropoutMask',
  shape: ([x, counter], attrs) => {
    if (counter.rank !== 0) throw shapeError('DropoutMask', `counter must be a scalar, got ${counter}`);
    const ratio = attrs.ratio as number;
    if (!(ratio >= 0 && ratio < 1)) throw shapeError('DropoutMask', `ratio must be in [0, 1), got ${ratio}`);
    return [{ dtype: 'bool', shape: [...x.shape] }];
  },
  lower: (n, [x, counter], [y], L) => {
    const seed = n.attrs.seed as number;
    const ratio = n.attrs.ratio as number;
    const rest = n.inputs[0].shape.slice(1);
    if (n.inputs[0].rank >= 2 && rest.every(d => typeof d === 'number')) {
      lowerRowColumn(L, x, counter, y, seed, ratio, rest as number[]);
      return;
    }
    const t = () => L.tmp();
    const size = t(), shape = t(), range = t(), idx = t(), c = t(), cs = t(), h0 = t(), h1 = t();
    L.emit('Size', [x], [size]);
    L.emit('Shape', [x], [shape]);
    L.emit('Range', [L.scalar(0, 'int64'), size, L.scalar(1, 'int64')], [range]);
    L.emit('Reshape', [range, shape], [idx]);
    L.emit('Cast', [counter], [c], { to: { i: L.onnxType('int64') } });
    // Start from index + counter·K + seed·K' (mod P), then mix with rounds of h ← h² + k (mod P):
    // squaring is what breaks the linearity in the index that a plain LCG step would keep.
    L.emit('Mul', [c, L.scalar(1000003, 'int64')], [cs]);
    L.emit('Add', [idx, cs], [h0]);
    L.emit('Add', [h0, L.scalar((seed * 7919 + 12345) % P, 'int64')], [h1]);
    let h = t();
    L.emit('Mod', [h1, L.scalar(P, 'int64')], [h]);
    for (const k of [1013904223, 1664525, 22695477, 134775813]) {
      const sq = t(), ad = t(), md = t();
      L.emit('Mul', [h, h], [sq]);
      L.emit('Add', [sq, L.scalar(k, 'int64')], [ad]);
      L.emit('Mod', [ad, L.scalar(P, 'int64')], [md]);
      h = md;
    }
    L.emit('GreaterOrEqual', [h, L.scalar(Math.floor(ratio * P), 'int64')], [y]);
  },
  grad: 'nondifferentiable',
});

/** JS side of the same mixing: one squaring round h <- h² + k (mod P), exact with BigInt. */
function mixJs(h: number, k: number): number {
  return Number((BigInt(h) * BigInt(h) + BigInt(k)) % BigInt(P));
}

/**
 * The cheap form for [N, ...static] inputs: a per-row value R (from the row index, the counter and
 * the seed, mixed in the graph over N elements) times a per-position constant C (mixed in JS, baked
 * in as an initializer), then one squaring round over the whole tensor: six elementwise passes
 * instead of about seventeen. R and C are never 0 mod P, so R·C covers the residues.
 */
function lowerRowColumn(L: Lowering, x: string, counter: string, y: string, seed: number, ratio: number, rest: number[]): void {
  const t = () => L.tmp();
  const size = rest.reduce((a, b) => a * b, 1);
  const table = new BigInt64Array(size);
  for (let i = 0; i < size; i++) {
    let h = (i * 2654435761 + seed * 97 + 7) % P;
    h = mixJs(mixJs(h, 1013904223), 1664525);
    table[i] = BigInt(1 + (h % (P - 1)));
  }
  const colName = L.constant(table, 'int64', [1, ...rest]);
  const shape = t(), n = t(), rows = t(), c = t(), cs = t(), r0 = t(), r1 = t();
  L.emit('Shape', [x], [shape]);
  L.emit('Gather', [shape, L.int64s([0])], [n], { axis: { i: 0 } });
  const nScalar = t();
  L.emit('Squeeze', [n, L.int64s([0])], [nScalar]);
  L.emit('Range', [L.scalar(0, 'int64'), nScalar, L.scalar(1, 'int64')], [rows]);
  L.emit('Cast', [counter], [c], { to: { i: L.onnxType('int64') } });
  L.emit('Mul', [c, L.scalar(1000003, 'int64')], [cs]);
  L.emit('Add', [rows, cs], [r0]);
  L.emit('Add', [r0, L.scalar((seed * 7919 + 12345) % P, 'int64')], [r1]);
  let h = t();
  L.emit('Mod', [r1, L.scalar(P, 'int64')], [h]);
  for (const k of [22695477, 134775813, 1103515245]) {
    const sq = t(), ad = t(), md = t();
    L.emit('Mul', [h, h], [sq]);
    L.emit('Add', [sq, L.scalar(k, 'int64')], [ad]);
    L.emit('Mod', [ad, L.scalar(P, 'int64')], [md]);
    h = md;
  }
  const nonzero = t(), plus = t(), rowCol = t();
  L.emit('Mod', [h, L.scalar(P - 1, 'int64')], [nonzero]);
  L.emit('Add', [nonzero, L.scalar(1, 'int64')], [plus]);
  L.emit('Reshape', [plus, L.int64s([-1, ...rest.map(() => 1)])], [rowCol]);
  const prod = t(), pm = t(), sq = t(), ad = t(), md = t();
  L.emit('Mul', [rowCol, colName], [prod]);
  L.emit('Mod', [prod, L.scalar(P, 'int64')], [pm]);
  L.emit('Mul', [pm, pm], [sq]);
  L.emit('Add', [sq, L.scalar(2147483587, 'int64')], [ad]);
  L.emit('Mod', [ad, L.scalar(P, 'int64')], [md]);
  L.emit('GreaterOrEqual', [md, L.scalar(Math.floor(ratio * P), 'int64')], [y]);
}
