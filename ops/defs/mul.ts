/** Mul: elementwise product with broadcasting; gradient (g·b, g·a) summed over broadcast axes. */
import { registerOp } from '../registry.ts';
import { binaryShape, unbroadcast } from './common.ts';
import * as F from '../api.ts';

registerOp({
  name: 'Mul',
  shape: binaryShape('Mul'),
  lower: (_n, ins, outs, L) => L.emit('Mul', ins, outs),
  grad: (node, [g]) => {
    const [a, b] = node.inputs;
    return g ? [unbroadcast(F.mul(g, b), a.shape), unbroadcast(F.mul(g, a), b.shape)] : [null, null];
  },
});
