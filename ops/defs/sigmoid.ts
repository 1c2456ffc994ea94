/** Sigmoid: elementwise logistic function; gradient g·y·(1 - y). Nondecreasing, so it commutes with max pooling. */
import { registerOp } from '../registry.ts';
import { unaryOp } from './common.ts';
import * as F from '../api.ts';

registerOp({
  ...unaryOp('Sigmoid', (n, g) => {
    const y = n.outputs[0];
    return F.mul(g, F.mul(y, F.sub(1, y)));
  }),
  nondecreasing: () => true,
});
