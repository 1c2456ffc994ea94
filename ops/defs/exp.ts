/** Exp: elementwise e^x; gradient g·y. */
import { registerOp } from '../registry.ts';
import { unaryOp } from './common.ts';
import * as F from '../api.ts';

registerOp(unaryOp('Exp', (n, g) => F.mul(g, n.outputs[0])));
