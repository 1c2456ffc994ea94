/** Sub: elementwise difference with broadcasting; gradient (g, -g) summed over broadcast axes. */
import { registerOp } from '../registry.ts';
import { binaryShape, unbroadcast } from './common.ts';
import * as F from '../api.ts';

registerOp({
  name: 'Sub',
  shape: binaryShape('Sub'),
  lower: (_n, ins, outs, L) => L.emit('Sub', ins, outs),
  grad: (node, [g]) => {
    const [a, b] = node.inputs;
    return g ? [unbroadcast(g, a.shape), unbroadcast(F.neg(g), b.shape)] : [null, null];
  },
});
