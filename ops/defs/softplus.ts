/** Softplus: log(1 + e^x); gradient g·sigmoid(x). */
import { registerOp } from '../registry.ts';
import { unaryOp } from './common.ts';
import * as F from '../api.ts';

registerOp(unaryOp('Softplus', (n, g) => F.mul(g, F.sigmoid(n.inputs[0]))));
