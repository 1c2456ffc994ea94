/** ReduceMax over static axes; the gradient goes to every element equal to the maximum. */
import { registerOp } from '../registry.ts';
import { reduceShape, expandBack, normAxes } from './reduce-common.ts';
import * as F from '../api.ts';

registerOp({
  name: 'ReduceMax',
  shape: reduceShape('ReduceMax'),
  lower: (n, ins, outs, L) =>
    L.emit('ReduceMax', ins, outs, { axes: { ints: normAxes(n) }, keepdims: { i: n.attrs.keepdims ? 1 : 0 } }),
  grad: (n, [g]) => {
    if (!g) return [null];
    const x = n.inputs[0];
    const isMax = F.equal(x, expandBack(n, n.outputs[0]));
    return [F.where(isMax, expandBack(n, g), 0)];
  },
});
