/** Size: the element count of x (symbolic dims resolved at run time) as a scalar of dtype `to`; not differentiable. */
import { registerOp } from '../registry.ts';
import type { DType } from '../ir.ts';

registerOp({
  name: 'Size',
  shape: (_inputs, attrs) => [{ dtype: attrs.to as DType, shape: [] }],
  lower: (n, ins, [y], L) => {
    const s = L.tmp();
    L.emit('Size', ins, [s]);
    L.emit('Cast', [s], [y], { to: { i: L.onnxType(n.attrs.to as string) } });
  },
  grad: 'nondifferentiable',
});
