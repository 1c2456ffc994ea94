/** ReduceMean over static axes; gradient broadcasts g back scaled by 1/count (count resolved at run time for symbolic dims). */
import { registerOp } from '../registry.ts';
import { staticSize } from '../shape.ts';
import { reduceShape, expandBack, normAxes } from './reduce-common.ts';
import * as F from '../api.ts';

registerOp({
  name: 'ReduceMean',
  shape: reduceShape('ReduceMean'),
  lower: (n, ins, outs, L) =>
    L.emit('ReduceMean', ins, outs, { axes: { ints: normAxes(n) }, keepdims: { i: n.attrs.keepdims ? 1 : 0 } }),
  grad: (n, [g]) => {
    if (!g) return [null];
    const x = n.inputs[0];
    const count = staticSize(normAxes(n).map(a => x.shape[a]));
    const scale = count !== null ? 1 / count : F.div(F.sizeOf(n.outputs[0], x.dtype), F.sizeOf(x, x.dtype));
    return [F.mul(expandBack(n, g), scale)];
  },
});
