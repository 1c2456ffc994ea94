/** Greater: elementwise comparison with broadcasting, giving bool; not differentiable. */
import { registerOp } from '../registry.ts';
import { binaryShape } from './common.ts';

registerOp({
  name: 'Greater',
  shape: binaryShape('Greater', 'bool'),
  lower: (_n, ins, outs, L) => L.emit('Greater', ins, outs),
  grad: 'nondifferentiable',
});
