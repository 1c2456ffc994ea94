/** Flatten: collapses dims before `axis` into one and the rest into another (ONNX Flatten); gradient reshapes back. */
import { registerOp } from '../registry.ts';
import { normAxis } from '../shape.ts';
import type { Dim } from '../ir.ts';

function prod(ds: Dim[]): Dim {
  const syms = ds.filter(d => typeof d !== 'number') as string[];
  const n = ds.reduce<number>((a, d) => (typeof d === 'number' ? a * d : a), 1);
  if (syms.length === 0) return n;
  return n === 1 && syms.length === 1 ? syms[0] : [...syms, n].join('*');
}

registerOp({
  name: 'Flatten',
  shape: ([x], attrs) => {
    const axis = attrs.axis as number;
    const a = axis === x.rank ? axis : normAxis(axis, x.rank, 'Flatten');
    return [{ dtype: x.dtype, shape: [prod(x.shape.slice(0, a)), prod(x.shape.slice(a))] }];
  },
  lower: (n, ins, outs, L) => L.emit('Flatten', ins, outs, { axis: { i: n.attrs.axis as number } }),
  grad: (n, [g]) => [g ? g.graph.apply('ReshapeAs', [g, n.inputs[0]])[0] : null],
});
