/** Tanh: elementwise hyperbolic tangent; gradient g·(1 - y²). Nondecreasing, so it commutes with max pooling. */
import { registerOp } from '../registry.ts';
import { unaryOp } from './common.ts';
import * as F from '../api.ts';

registerOp({
  ...unaryOp('Tanh', (n, g) => {
    const y = n.outputs[0];
    return F.mul(g, F.sub(1, F.mul(y, y)));
  }),
  nondecreasing: () => true,
});
