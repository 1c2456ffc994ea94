/** MatMul: batched matrix product (rank >= 2, batch dims broadcast); gradient (g·bᵀ, aᵀ·g) summed over broadcast batch dims. */
import { registerOp } from '../registry.ts';
import { broadcastShapes, shapeStr } from '../shape.ts';
import { shapeError } from '../errors.ts';
import { unbroadcast } from './common.ts';
import * as F from '../api.ts';

const swapLast = (t: import('../ir.ts').Tensor) => {
  const perm = t.shape.map((_, i) => i);
  [perm[t.rank - 2], perm[t.rank - 1]] = [perm[t.rank - 1], perm[t.rank - 2]];
  return F.transpose(t, perm);
};

registerOp({
  name: 'MatMul',
  shape: ([a, b]) => {
    if (a.dtype !== b.dtype) throw shapeError('MatMul', `operand dtypes differ: ${a} vs ${b}`);
    if (a.rank < 2 || b.rank < 2) throw shapeError('MatMul', `operands need rank >= 2, got ${a} and ${b}`);
    const k1 = a.shape[a.rank - 1], k2 = b.shape[b.rank - 2];
    if (k1 !== k2) throw shapeError('MatMul', `inner dims differ: ${shapeStr(a.shape)} x ${shapeStr(b.shape)}`);
    const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), 'MatMul');
    return [{ dtype: a.dtype, shape: [...batch, a.shape[a.rank - 2], b.shape[b.rank - 1]] }];
  },
  lower: (_n, ins, outs, L) => L.emit('MatMul', ins, outs),
  grad: (n, [g]) => {
    if (!g) return [null, null];
    const [a, b] = n.inputs;
    return [unbroadcast(F.matmul(g, swapLast(b)), a.shape), unbroadcast(F.matmul(swapLast(a), g), b.shape)];
  },
});
