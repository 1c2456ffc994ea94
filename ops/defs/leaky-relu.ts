/** LeakyRelu: x for x > 0, alpha·x otherwise; gradient g or alpha·g. */
import { registerOp } from '../registry.ts';
import { floatUnaryShape } from './common.ts';
import * as F from '../api.ts';

registerOp({
  name: 'LeakyRelu',
  shape: floatUnaryShape('LeakyRelu'),
  lower: (n, ins, outs, L) => L.emit('LeakyRelu', ins, outs, { alpha: { f: n.attrs.alpha as number } }),
  grad: (n, [g]) => [g ? F.where(F.greater(n.inputs[0], 0), g, F.mul(g, n.attrs.alpha as number)) : null],
  nondecreasing: (attrs) => (attrs.alpha as number) >= 0,
});
