/** Abs: elementwise absolute value; gradient g·sign(x) (0 at 0). */
import { registerOp } from '../registry.ts';
import { unaryOp } from './common.ts';
import * as F from '../api.ts';

registerOp(unaryOp('Abs', (n, g) => F.mul(g, F.sign(n.inputs[0]))));
