/** Log: elementwise natural logarithm; gradient g/x. */
import { registerOp } from '../registry.ts';
import { unaryOp } from './common.ts';
import * as F from '../api.ts';

registerOp(unaryOp('Log', (n, g) => F.div(g, n.inputs[0])));
