/** StopGradient: identity in value, a constant to autodiff (lowered to Identity). */
import { registerOp } from '../registry.ts';

registerOp({
  name: 'StopGradient',
  shape: ([x]) => [{ dtype: x.dtype, shape: [...x.shape] }],
  lower: (_n, ins, outs, L) => L.emit('Identity', ins, outs),
  grad: () => [null],
});
