/** LogSoftmax along one axis; gradient g - softmax(x)·Σ g. */
import { registerOp } from '../registry.ts';
import { normAxis } from '../shape.ts';
import { floatUnaryShape } from './common.ts';
import * as F from '../api.ts';

registerOp({
  name: 'LogSoftmax',
  shape: (inputs, attrs) => {
    normAxis(attrs.axis as number, inputs[0].rank, 'LogSoftmax');
    return floatUnaryShape('LogSoftmax')(inputs);
  },
  lower: (n, ins, outs, L) => L.emit('LogSoftmax', ins, outs, { axis: { i: n.attrs.axis as number } }),
  grad: (n, [g]) => {
    if (!g) return [null];
    const y = n.outputs[0];
    const axis = normAxis(n.attrs.axis as number, y.rank, 'LogSoftmax');
    return [F.sub(g, F.mul(F.exp(y), F.reduceSum(g, [axis], true)))];
  },
});
