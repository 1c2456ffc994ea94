/** Gather: slices of x along `axis` at int64 indices (Embedding's lookup); gradient scatter-adds g into zeros (axis 0). */
import { registerOp } from '../registry.ts';
import { normAxis } from '../shape.ts';
import { shapeError, OpsNotImplementedError, OpsErrorCode } from '../errors.ts';
import * as F from '../api.ts';

registerOp({
  name: 'Gather',
  shape: ([x, idx], attrs) => {
    if (idx.dtype !== 'int64') throw shapeError('Gather', `indices must be int64, got ${idx}`);
    const axis = normAxis(attrs.axis as number, x.rank, 'Gather');
    return [{ dtype: x.dtype, shape: [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)] }];
  },
  lower: (n, ins, outs, L) => L.emit('Gather', ins, outs, { axis: { i: n.attrs.axis as number } }),
  grad: (n, [g]) => {
    if (!g) return [null, null];
    const [x, idx] = n.inputs;
    if (normAxis(n.attrs.axis as number, x.rank, 'Gather') !== 0) {
      throw new OpsNotImplementedError(OpsErrorCode.NOT_IMPLEMENTED, 'Gather: gradient is implemented for axis 0 only');
    }
    return [F.scatterNDAdd(F.zerosLike(x), F.unsqueeze(idx, [idx.rank]), g), null];
  },
});
