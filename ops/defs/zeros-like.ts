/** ZerosLike: zeros with the input's shape and dtype (x·0 would propagate NaN); its value does not depend on x. */
import { registerOp } from '../registry.ts';

registerOp({
  name: 'ZerosLike',
  shape: ([x]) => [{ dtype: x.dtype, shape: [...x.shape] }],
  lower: (n, [x], [y], L) => {
    const s = L.tmp();
    L.emit('Shape', [x], [s]);
    L.emit('Expand', [L.scalar(0, n.inputs[0].dtype as 'float32'), s], [y]);
  },
  grad: () => [null],
});
