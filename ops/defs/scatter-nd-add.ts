/** ScatterNDAdd: data with updates added at the index tuples in the last dim of indices (ONNX ScatterND, reduction add). */
import { registerOp } from '../registry.ts';
import { shapeError, OpsNotImplementedError, OpsErrorCode } from '../errors.ts';
import * as F from '../api.ts';

registerOp({
  name: 'ScatterNDAdd',
  shape: ([data, idx]) => {
    if (idx.dtype !== 'int64') throw shapeError('ScatterNDAdd', `indices must be int64, got ${idx}`);
    return [{ dtype: data.dtype, shape: [...data.shape] }];
  },
  lower: (_n, ins, outs, L) => L.emit('ScatterND', ins, outs, { reduction: { s: 'add' } }),
  grad: (n, [g]) => {
    if (!g) return [null, null, null];
    const idx = n.inputs[1];
    if (idx.shape[idx.rank - 1] !== 1) {
      throw new OpsNotImplementedError(OpsErrorCode.NOT_IMPLEMENTED, 'ScatterNDAdd: gradient needs index tuples of length 1');
    }
    return [g, null, F.gather(g, F.squeeze(idx, [idx.rank - 1]), 0)];
  },
});
