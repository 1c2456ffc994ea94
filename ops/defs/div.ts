/** Div: elementwise quotient with broadcasting; gradient (g/b, -g·a/b²) summed over broadcast axes. */
import { registerOp } from '../registry.ts';
import { binaryShape, unbroadcast } from './common.ts';
import * as F from '../api.ts';

registerOp({
  name: 'Div',
  shape: binaryShape('Div'),
  lower: (_n, ins, outs, L) => L.emit('Div', ins, outs),
  grad: (node, [g]) => {
    const [a, b] = node.inputs;
    if (!g) return [null, null];
    const ga = F.div(g, b);
    return [unbroadcast(ga, a.shape), unbroadcast(F.neg(F.mul(ga, node.outputs[0])), b.shape)];
  },
});
