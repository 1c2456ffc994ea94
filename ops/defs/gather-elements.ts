/** GatherElements: picks x's elements along `axis` at int64 indices of x's rank; gradient scatter-adds g back. */
import { registerOp } from '../registry.ts';
import { normAxis } from '../shape.ts';
import { shapeError } from '../errors.ts';
import * as F from '../api.ts';

registerOp({
  name: 'GatherElements',
  shape: ([x, idx], attrs) => {
    if (idx.dtype !== 'int64' || idx.rank !== x.rank) throw shapeError('GatherElements', `indices must be int64 of rank ${x.rank}, got ${idx}`);
    normAxis(attrs.axis as number, x.rank, 'GatherElements');
    return [{ dtype: x.dtype, shape: [...idx.shape] }];
  },
  lower: (n, ins, outs, L) => L.emit('GatherElements', ins, outs, { axis: { i: n.attrs.axis as number } }),
  grad: (n, [g]) => {
    if (!g) return [null, null];
    const [x, idx] = n.inputs;
    return [F.scatterElementsAdd(F.zerosLike(x), idx, g, n.attrs.axis as number), null];
  },
});
