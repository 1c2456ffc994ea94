/** ExpandAs: broadcasts x to the run-time shape of `like`; gradient sums over the broadcast axes. */
import { registerOp } from '../registry.ts';
import { broadcastShapes } from '../shape.ts';
import { unbroadcast } from './common.ts';

registerOp({
  name: 'ExpandAs',
  shape: ([x, like]) => [{ dtype: x.dtype, shape: broadcastShapes(x.shape, like.shape, 'ExpandAs') }],
  lower: (_n, [x, like], outs, L) => {
    const s = L.tmp();
    L.emit('Shape', [like], [s]);
    L.emit('Expand', [x, s], outs);
  },
  grad: (n, [g]) => [g ? unbroadcast(g, n.inputs[0].shape) : null, null],
});
