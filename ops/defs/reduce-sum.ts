/** ReduceSum over static axes; gradient broadcasts g back over the reduced axes. */
import { registerOp } from '../registry.ts';
import { reduceShape, expandBack, normAxes } from './reduce-common.ts';

registerOp({
  name: 'ReduceSum',
  shape: reduceShape('ReduceSum'),
  lower: (n, [x], outs, L) =>
    L.emit('ReduceSum', [x, L.int64s(normAxes(n))], outs, { keepdims: { i: n.attrs.keepdims ? 1 : 0 } }),
  grad: (n, [g]) => [g ? expandBack(n, g) : null],
});
