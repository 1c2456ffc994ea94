/** Neg: elementwise negation; gradient -g. */
import { registerOp } from '../registry.ts';
import { unaryOp } from './common.ts';
import * as F from '../api.ts';

registerOp(unaryOp('Neg', (_n, g) => F.neg(g)));
