/** Softmax along one axis; gradient y·(g - Σ g·y). */
import { registerOp } from '../registry.ts';
import { normAxis } from '../shape.ts';
import { floatUnaryShape } from './common.ts';
import * as F from '../api.ts';

registerOp({
  name: 'Softmax',
  shape: (inputs, attrs) => {
    normAxis(attrs.axis as number, inputs[0].rank, 'Softmax');
    return floatUnaryShape('Softmax')(inputs);
  },
  lower: (n, ins, outs, L) => L.emit('Softmax', ins, outs, { axis: { i: n.attrs.axis as number } }),
  grad: (n, [g]) => {
    if (!g) return [null];
    const y = n.outputs[0];
    const axis = normAxis(n.attrs.axis as number, y.rank, 'Softmax');
    return [F.mul(y, F.sub(g, F.reduceSum(F.mul(g, y), [axis], true)))];
  },
});
