/** Less: elementwise comparison with broadcasting, giving bool; not differentiable. */
import { registerOp } from '../registry.ts';
import { binaryShape } from './common.ts';

registerOp({
  name: 'Less',
  shape: binaryShape('Less', 'bool'),
  lower: (_n, ins, outs, L) => L.emit('Less', ins, outs),
  grad: 'nondifferentiable',
});
