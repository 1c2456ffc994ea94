/** Erf: elementwise error function; gradient g·2/√π·exp(-x²). */
import { registerOp } from '../registry.ts';
import { unaryOp } from './common.ts';
import * as F from '../api.ts';

registerOp(unaryOp('Erf', (n, g) => {
  const x = n.inputs[0];
  return F.mul(g, F.mul(F.exp(F.neg(F.mul(x, x))), 2 / Math.sqrt(Math.PI)));
}));
