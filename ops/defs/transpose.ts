/** Transpose: permutes axes; gradient is the inverse permutation. */
import { registerOp } from '../registry.ts';
import { argError } from '../errors.ts';
import * as F from '../api.ts';

registerOp({
  name: 'Transpose',
  shape: ([x], attrs) => {
    const perm = attrs.perm as number[];
    const sorted = [...perm].sort((a, b) => a - b);
    if (perm.length !== x.rank || sorted.some((v, i) => v !== i)) {
      throw argError('Transpose', `perm [${perm}] is not a permutation of the ${x.rank} axes of ${x}`);
    }
    return [{ dtype: x.dtype, shape: perm.map(p => x.shape[p]) }];
  },
  lower: (n, ins, outs, L) => L.emit('Transpose', ins, outs, { perm: { ints: n.attrs.perm as number[] } }),
  grad: (n, [g]) => {
    if (!g) return [null];
    const perm = n.attrs.perm as number[];
    const inv: number[] = [];
    perm.forEach((p, i) => (inv[p] = i));
    return [F.transpose(g, inv)];
  },
});
