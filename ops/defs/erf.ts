/** Erf: elementwise error function; gradient g·2/√π·exp(-x²). */
import { registerOp } from '../registry.ts';
import { floatUnaryShape } from './common.ts';
import * as F from '../api.ts';
import type { Lowering } from '../registry.ts';

/** Emits Erf; onnxruntime has no double Erf kernel, so float64 is evaluated in float32 (about 1e-7 relative error). */
export function emitErf(L: Lowering, x: string, y: string, dtype: string): void {
  if (dtype !== 'float64') {
    L.emit('Erf', [x], [y]);
    return;
  }
  const f = L.tmp(), e = L.tmp();
  L.emit('Cast', [x], [f], { to: { i: L.onnxType('float32') } });
  L.emit('Erf', [f], [e]);
  L.emit('Cast', [e], [y], { to: { i: L.onnxType('float64') } });
}

registerOp({
  name: 'Erf',
  shape: floatUnaryShape('Erf'),
  lower: (n, [x], [y], L) => emitErf(L, x, y, n.inputs[0].dtype),
  grad: (n, [g]) => {
    if (!g) return [null];
    const x = n.inputs[0];
    return [F.mul(g, F.mul(F.exp(F.neg(F.mul(x, x))), 2 / Math.sqrt(Math.PI)))];
  },
});
