/** Sign: elementwise sign (-1, 0, 1); piecewise constant, so its gradient is zero (no entry). */
import { registerOp } from '../registry.ts';
import { floatUnaryShape } from './common.ts';

registerOp({
  name: 'Sign',
  shape: floatUnaryShape('Sign'),
  lower: (_n, ins, outs, L) => L.emit('Sign', ins, outs),
  grad: () => [null],
});
