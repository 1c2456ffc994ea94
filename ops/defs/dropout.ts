/** Dropout in training mode (ONNX Dropout with training_mode=true); the mask is a hidden second output and the gradient is g·mask/(1-ratio). */
import { registerOp } from '../registry.ts';
import { floatUnaryShape } from './common.ts';
import * as F from '../api.ts';

registerOp({
  name: 'Dropout',
  shape: inputs => {
    const [t] = floatUnaryShape('Dropout')(inputs);
    return [t, { dtype: 'bool', shape: [...t.shape] }];
  },
  lower: (n, [x], outs, L) => {
    const dt = n.inputs[0].dtype as 'float32' | 'float64';
    L.emit('Dropout', [x, L.scalar(n.attrs.ratio as number, dt), L.scalar(1, 'bool')], outs, { seed: { i: n.attrs.seed as number } });
  },
  grad: (n, [g]) => {
    if (!g) return [null];
    const mask = F.cast(n.outputs[1], g.dtype);
    return [F.mul(g, F.mul(mask, 1 / (1 - (n.attrs.ratio as number))))];
  },
});
