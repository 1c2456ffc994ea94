/** Softplus: log(1 + e^x); gradient g·sigmoid(x). float64 lowers to the stable max(x,0) + log(1 + e^-|x|) (no double kernel in onnxruntime). */
import { registerOp } from '../registry.ts';
import { floatUnaryShape } from './common.ts';
import * as F from '../api.ts';

registerOp({
  name: 'Softplus',
  shape: floatUnaryShape('Softplus'),
  lower: (n, [x], [y], L) => {
    if (n.inputs[0].dtype !== 'float64') {
      L.emit('Softplus', [x], [y]);
      return;
    }
    const r = L.tmp(), a = L.tmp(), na = L.tmp(), e = L.tmp(), l = L.tmp();
    L.emit('Relu', [x], [r]);
    L.emit('Abs', [x], [a]);
    L.emit('Neg', [a], [na]);
    L.emit('Exp', [na], [e]);
    L.emit('Add', [e, L.scalar(1, 'float64')], [l]);
    const lg = L.tmp();
    L.emit('Log', [l], [lg]);
    L.emit('Add', [r, lg], [y]);
  },
  grad: (n, [g]) => [g ? F.mul(g, F.sigmoid(n.inputs[0])) : null],
});
