/** ScatterElementsAdd: data with updates added at indices along `axis` (ONNX ScatterElements, reduction add); gradient (g, -, gather(g)). */
import { registerOp } from '../registry.ts';
import { normAxis } from '../shape.ts';
import { shapeError } from '../errors.ts';
import * as F from '../api.ts';

registerOp({
  name: 'ScatterElementsAdd',
  shape: ([data, idx, upd], attrs) => {
    if (idx.dtype !== 'int64' || idx.rank !== data.rank || upd.rank !== data.rank) {
      throw shapeError('ScatterElementsAdd', `indices (int64) and updates need rank ${data.rank}, got ${idx} and ${upd}`);
    }
    normAxis(attrs.axis as number, data.rank, 'ScatterElementsAdd');
    return [{ dtype: data.dtype, shape: [...data.shape] }];
  },
  lower: (n, ins, outs, L) =>
    L.emit('ScatterElements', ins, outs, { axis: { i: n.attrs.axis as number }, reduction: { s: 'add' } }),
  grad: (n, [g]) => (g ? [g, null, F.gatherElements(g, n.inputs[1], n.attrs.axis as number)] : [null, null, null]),
});
