/** MaxUnpool: places pooled values at their MaxPool indices in a zero tensor shaped like the pool's input (MaxPool's gradient for non-overlapping windows); gradient gathers back. */
import { registerOp } from '../registry.ts';
import { shapeError } from '../errors.ts';
import * as F from '../api.ts';

registerOp({
  name: 'MaxUnpool',
  shape: ([g, idx, like]) => {
    if (idx.dtype !== 'int64' || g.rank !== 4 || like.rank !== 4) throw shapeError('MaxUnpool', `expects NCHW values ${g}, int64 indices ${idx} and an NCHW shape source ${like}`);
    return [{ dtype: g.dtype, shape: [...like.shape] }];
  },
  lower: (n, [g, idx, like], [y], L) => {
    const s = L.tmp();
    L.emit('Shape', [like], [s]);
    if (n.inputs[0].dtype === 'float32') {
      const a = n.attrs as { kernel: number[]; strides: number[]; pads: number[] };
      L.emit('MaxUnpool', [g, idx, s], [y], { kernel_shape: { ints: a.kernel }, strides: { ints: a.strides }, pads: { ints: a.pads } });
      return;
    }
    // No double MaxUnpool kernel: scatter the values into a flat zero tensor.
    const flatShape = L.int64s([-1]);
    const z = L.tmp(), zf = L.tmp(), gf = L.tmp(), jf = L.tmp(), r = L.tmp();
    L.emit('Expand', [L.scalar(0, 'float64'), s], [z]);
    L.emit('Reshape', [z, flatShape], [zf]);
    L.emit('Reshape', [g, flatShape], [gf]);
    L.emit('Reshape', [idx, flatShape], [jf]);
    L.emit('ScatterElements', [zf, jf, gf], [r], { axis: { i: 0 }, reduction: { s: 'add' } });
    L.emit('Reshape', [r, s], [y]);
  },
  grad: (n, [dy]) => {
    if (!dy) return [null, null, null];
    const [g, idx] = n.inputs;
    const picked = F.gather(F.reshape(dy, [-1]), F.reshape(idx, [-1]), 0);
    return [g.graph.apply('ReshapeAs', [picked, g])[0], null, null];
  },
});
