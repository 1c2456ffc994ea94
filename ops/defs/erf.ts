/** Erf: elementwise error function; gradient g·2/√π·exp(-x²). */
import { registerOp } from '../registry.ts';
import { floatUnaryShape } from './common.ts';
import * as F from '../api.ts';
import type { Lowering } from '../registry.ts';

/**
 * Emits Erf. onnxruntime has no double Erf kernel, so float64 evaluates erf itself to about 1e-15:
 * the Taylor series in x² (Horner form) for |x| <= 2.5, and erfc's continued fraction beyond.
 */
export function emitErf(L: Lowering, x: string, y: string, dtype: string): void {
  if (dtype !== 'float64') {
    L.emit('Erf', [x], [y]);
    return;
  }
  const c = (v: number) => L.scalar(v, 'float64');
  const op = (type: string, ins: string[]) => {
    const o = L.tmp();
    L.emit(type, ins, [o]);
    return o;
  };
  const cut = 2.5;
  // Series: erf(x) = 2/√π · x · Σ (-1)^n x^(2n) / (n!(2n+1)), on x clamped to the series range.
  const xs = op('Min', [op('Max', [x, c(-cut)]), c(cut)]);
  const x2 = op('Mul', [xs, xs]);
  const terms = 48;
  const coef: number[] = [];
  let fact = 1;
  for (let n = 0; n <= terms; n++) {
    if (n > 0) fact *= n;
    coef.push(((n % 2 ? -1 : 1) / (fact * (2 * n + 1))) * (2 / Math.sqrt(Math.PI)));
  }
  let p = c(coef[terms]);
  for (let n = terms - 1; n >= 0; n--) p = op('Add', [op('Mul', [p, x2]), c(coef[n])]);
  const series = op('Mul', [p, xs]);
  // Tail: erfc(a) = e^(-a²)/√π · 1/(a + (1/2)/(a + 1/(a + (3/2)/(a + ...)))), a = max(|x|, cut).
  const a = op('Max', [op('Abs', [x]), c(cut)]);
  let t = a;
  for (let k = 80; k >= 1; k--) t = op('Add', [a, op('Div', [c(k / 2), t])]);
  const erfc = op('Div', [op('Mul', [op('Exp', [op('Neg', [op('Mul', [a, a])])]), c(1 / Math.sqrt(Math.PI))]), t]);
  const tail = op('Mul', [op('Sign', [x]), op('Sub', [c(1), erfc])]);
  const inSeries = op('LessOrEqual', [op('Abs', [x]), c(cut)]);
  L.emit('Where', [inSeries, series, tail], [y]);
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
