/** Gemm: op(A)·op(B) + C for 2-D A, B (op = optional transpose), C broadcast; gradients are Gemms again. */
import { registerOp } from '../registry.ts';
import { broadcastShapes, shapeStr } from '../shape.ts';
import { shapeError } from '../errors.ts';
import { unbroadcast } from './common.ts';
import * as F from '../api.ts';

registerOp({
  name: 'Gemm',
  shape: (inputs, attrs) => {
    const [a, b, c] = inputs;
    if (a.rank !== 2 || b.rank !== 2) throw shapeError('Gemm', `A and B must be 2-D, got ${a} and ${b}`);
    const [m, k1] = attrs.transA ? [a.shape[1], a.shape[0]] : a.shape;
    const [k2, nn] = attrs.transB ? [b.shape[1], b.shape[0]] : b.shape;
    if (k1 !== k2) throw shapeError('Gemm', `inner dims differ: ${shapeStr(a.shape)} and ${shapeStr(b.shape)} (transA=${attrs.transA}, transB=${attrs.transB})`);
    const out = [m, nn];
    if (c) broadcastShapes(out, c.shape, 'Gemm');
    return [{ dtype: a.dtype, shape: out }];
  },
  lower: (n, ins, outs, L) =>
    L.emit('Gemm', ins, outs, { transA: { i: n.attrs.transA as number }, transB: { i: n.attrs.transB as number } }),
  grad: (n, [g]) => {
    const [a, b, c] = n.inputs;
    if (!g) return n.inputs.map(() => null);
    const tA = !!n.attrs.transA, tB = !!n.attrs.transB;
    let ga, gb;
    if (!tA && !tB) {
      ga = F.gemm(g, b, null, { transB: true });
      gb = F.gemm(a, g, null, { transA: true });
    } else if (!tA && tB) {
      ga = F.gemm(g, b, null);
      gb = F.gemm(g, a, null, { transA: true });
    } else if (tA && !tB) {
      ga = F.gemm(b, g, null, { transB: true });
      gb = F.gemm(a, g, null);
    } else {
      ga = F.gemm(b, g, null, { transA: true, transB: true });
      gb = F.gemm(g, a, null, { transA: true, transB: true });
    }
    return c ? [ga, gb, unbroadcast(g, c.shape)] : [ga, gb];
  },
});
