/** Concat along one axis; gradient slices the incoming gradient back into the inputs' extents (static along the axis). */
import { registerOp } from '../registry.ts';
import { normAxis } from '../shape.ts';
import { shapeError } from '../errors.ts';
import * as F from '../api.ts';

registerOp({
  name: 'Concat',
  shape: (inputs, attrs) => {
    const x0 = inputs[0];
    const axis = normAxis(attrs.axis as number, x0.rank, 'Concat');
    let total: number | string = 0;
    for (const t of inputs) {
      if (t.rank !== x0.rank || t.dtype !== x0.dtype) throw shapeError('Concat', `inputs ${x0} and ${t} differ in rank or dtype`);
      t.shape.forEach((d, i) => {
        if (i !== axis && d !== x0.shape[i]) throw shapeError('Concat', `inputs ${x0} and ${t} differ in dim ${i}`);
      });
      const d = t.shape[axis];
      total = typeof total === 'number' && typeof d === 'number' ? total + d : `${total}+${d}`;
    }
    const shape = [...x0.shape];
    shape[axis] = total;
    return [{ dtype: x0.dtype, shape }];
  },
  lower: (n, ins, outs, L) => L.emit('Concat', ins, outs, { axis: { i: n.attrs.axis as number } }),
  grad: (n, [g]) => {
    if (!g) return n.inputs.map(() => null);
    const axis = normAxis(n.attrs.axis as number, g.rank, 'Concat');
    let start = 0;
    return n.inputs.map(t => {
      const d = t.shape[axis];
      if (typeof d !== 'number') throw shapeError('Concat', `gradient needs a static size along axis ${axis}, got ${t}`);
      const s = F.slice(g, [start], [start + d], [axis]);
      start += d;
      return s;
    });
  },
});
