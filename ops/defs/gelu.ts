/** Gelu: x·Φ(x) with the exact (erf) form, lowered to Erf/Mul/Add (ONNX Gelu needs opset 20); gradient g·(Φ(x) + x·φ(x)). */
import { registerOp } from '../registry.ts';
import { floatUnaryShape } from './common.ts';
import * as F from '../api.ts';
import { emitErf } from './erf.ts';

registerOp({
  name: 'Gelu',
  shape: floatUnaryShape('Gelu'),
  lower: (n, [x], [y], L) => {
    const dt = n.inputs[0].dtype as 'float32' | 'float64';
    const s = L.tmp(), e = L.tmp(), p = L.tmp(), h = L.tmp();
    L.emit('Mul', [x, L.scalar(Math.SQRT1_2, dt)], [s]);
    emitErf(L, s, e, dt);
    L.emit('Add', [e, L.scalar(1, dt)], [p]);
    L.emit('Mul', [x, L.scalar(0.5, dt)], [h]);
    L.emit('Mul', [h, p], [y]);
  },
  grad: (n, [g]) => {
    if (!g) return [null];
    const x = n.inputs[0];
    const cdf = F.mul(F.add(F.erf(F.mul(x, Math.SQRT1_2)), 1), 0.5);
    const pdf = F.mul(F.exp(F.mul(F.mul(x, x), -0.5)), 1 / Math.sqrt(2 * Math.PI));
    return [F.mul(g, F.add(cdf, F.mul(x, pdf)))];
  },
});
