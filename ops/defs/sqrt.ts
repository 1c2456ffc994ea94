/** Sqrt: elementwise square root; gradient g/(2y). */
import { registerOp } from '../registry.ts';
import { unaryOp } from './common.ts';
import * as F from '../api.ts';

registerOp(unaryOp('Sqrt', (n, g) => F.div(F.mul(g, 0.5), n.outputs[0])));
