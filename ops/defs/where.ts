/** Where: elementwise select cond ? a : b with broadcasting; gradient routes g to the chosen side. */
import { registerOp } from '../registry.ts';
import { broadcastShapes } from '../shape.ts';
import { shapeError } from '../errors.ts';
import { unbroadcast } from './common.ts';
import * as F from '../api.ts';

registerOp({
  name: 'Where',
  shape: ([c, a, b]) => {
    if (c.dtype !== 'bool') throw shapeError('Where', `condition must be bool, got ${c}`);
    if (a.dtype !== b.dtype) throw shapeError('Where', `branch dtypes differ: ${a} vs ${b}`);
    return [{ dtype: a.dtype, shape: broadcastShapes(c.shape, broadcastShapes(a.shape, b.shape, 'Where'), 'Where') }];
  },
  lower: (_n, ins, outs, L) => L.emit('Where', ins, outs),
  grad: (n, [g]) => {
    if (!g) return [null, null, null];
    const [c, a, b] = n.inputs;
    return [null, unbroadcast(F.where(c, g, 0), a.shape), unbroadcast(F.where(c, 0, g), b.shape)];
  },
});
