/** Equal: elementwise comparison with broadcasting, giving bool; not differentiable. */
import { registerOp } from '../registry.ts';
import { binaryShape } from './common.ts';

registerOp({
  name: 'Equal',
  shape: binaryShape('Equal', 'bool'),
  lower: (_n, ins, outs, L) => L.emit('Equal', ins, outs),
  grad: 'nondifferentiable',
});
