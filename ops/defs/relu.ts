/** Relu: elementwise max(x, 0); gradient g where x > 0, else 0. Nondecreasing, so it commutes with max pooling. */
import { registerOp } from '../registry.ts';
import { unaryOp } from './common.ts';
import * as F from '../api.ts';

registerOp({ ...unaryOp('Relu', (n, g) => F.where(F.greater(n.inputs[0], 0), g, 0)), nondecreasing: () => true });
