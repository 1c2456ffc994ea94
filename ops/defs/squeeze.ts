/** Squeeze: removes the given size-1 axes; gradient reshapes back. */
import { registerOp } from '../registry.ts';
import { normAxis } from '../shape.ts';
import { shapeError } from '../errors.ts';

registerOp({
  name: 'Squeeze',
  shape: ([x], attrs) => {
    const axes = (attrs.axes as number[]).map(a => normAxis(a, x.rank, 'Squeeze'));
    for (const a of axes) if (x.shape[a] !== 1) throw shapeError('Squeeze', `axis ${a} of ${x} is not 1`);
    return [{ dtype: x.dtype, shape: x.shape.filter((_, i) => !axes.includes(i)) }];
  },
  lower: (n, [x], outs, L) => L.emit('Squeeze', [x, L.int64s(n.attrs.axes as number[])], outs),
  grad: (n, [g]) => [g ? g.graph.apply('ReshapeAs', [g, n.inputs[0]])[0] : null],
});
