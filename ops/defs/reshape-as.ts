/** ReshapeAs: reshapes x to the run-time shape of `like` (used by gradients of shape ops); gradient reshapes back. */
import { registerOp } from '../registry.ts';

registerOp({
  name: 'ReshapeAs',
  shape: ([x, like]) => [{ dtype: x.dtype, shape: [...like.shape] }],
  lower: (_n, [x, like], outs, L) => {
    const s = L.tmp();
    L.emit('Shape', [like], [s]);
    L.emit('Reshape', [x, s], outs);
  },
  grad: (n, [g]) => [g ? g.graph.apply('ReshapeAs', [g, n.inputs[0]])[0] : null, null],
});
