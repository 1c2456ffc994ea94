/** Cast: converts element type; float-to-float casts pass the gradient back (cast to the input dtype), others have none. */
import { registerOp } from '../registry.ts';
import { isFloat } from '../shape.ts';
import type { DType } from '../ir.ts';
import * as F from '../api.ts';

registerOp({
  name: 'Cast',
  shape: ([x], attrs) => [{ dtype: attrs.to as DType, shape: [...x.shape] }],
  lower: (n, ins, outs, L) => L.emit('Cast', ins, outs, { to: { i: L.onnxType(n.attrs.to as string) } }),
  grad: (n, [g]) => {
    const x = n.inputs[0];
    return [g && isFloat(x.dtype) && isFloat(g.dtype) ? F.cast(g, x.dtype) : null];
  },
});
