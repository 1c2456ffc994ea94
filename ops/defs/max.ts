/** Max: elementwise maximum with broadcasting; the gradient goes to the larger operand (to `a` on ties). */
import { registerOp } from '../registry.ts';
import { binaryShape, unbroadcast } from './common.ts';
import * as F from '../api.ts';

registerOp({
  name: 'Max',
  shape: binaryShape('Max'),
  lower: (_n, ins, outs, L) => L.emit('Max', ins, outs),
  grad: (node, [g]) => {
    const [a, b] = node.inputs;
    if (!g) return [null, null];
    const takeB = F.greater(b, a);
    return [unbroadcast(F.where(takeB, 0, g), a.shape), unbroadcast(F.where(takeB, g, 0), b.shape)];
  },
});
