/**
 * DropoutMask: a counter-based pseudo-random keep mask shaped like x, a pure function of the element
 * index, a run-time counter (the training step) and a seed — no hidden generator state, so a resumed
 * run draws the same masks as an uninterrupted one. Not differentiable (a mask).
 */
import { registerOp } from '../registry.ts';
import { shapeError } from '../errors.ts';

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
