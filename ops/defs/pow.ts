/** Pow: elementwise a^b with broadcasting; gradient (g·b·a^(b-1), g·a^b·log a). */
import { registerOp } from '../registry.ts';
import { binaryShape, unbroadcast } from './common.ts';
import * as F from '../api.ts';

registerOp({
  name: 'Pow',
  shape: binaryShape('Pow'),
  lower: (_n, ins, outs, L) => L.emit('Pow', ins, outs),
  grad: (node, [g]) => {
    const [a, b] = node.inputs;
    if (!g) return [null, null];
    const y = node.outputs[0];
    const ga = F.mul(g, F.mul(b, F.pow(a, F.sub(b, 1))));
    const isConst = b.node.op === 'Constant';
    return [unbroadcast(ga, a.shape), isConst ? null : unbroadcast(F.mul(g, F.mul(y, F.log(a))), b.shape)];
  },
});
