/** Unsqueeze: inserts size-1 axes at the given output positions; gradient reshapes back. */
import { registerOp } from '../registry.ts';
import { normAxis } from '../shape.ts';
import type { Dim } from '../ir.ts';

registerOp({
  name: 'Unsqueeze',
  shape: ([x], attrs) => {
    const rank = x.rank + (attrs.axes as number[]).length;
    const axes = (attrs.axes as number[]).map(a => normAxis(a, rank, 'Unsqueeze'));
    const out: Dim[] = [];
    let j = 0;
    for (let i = 0; i < rank; i++) out.push(axes.includes(i) ? 1 : x.shape[j++]);
    return [{ dtype: x.dtype, shape: out }];
  },
  lower: (n, [x], outs, L) => L.emit('Unsqueeze', [x, L.int64s(n.attrs.axes as number[])], outs),
  grad: (n, [g]) => [g ? g.graph.apply('ReshapeAs', [g, n.inputs[0]])[0] : null],
});
