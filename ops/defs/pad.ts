/** Pad with zeros by static amounts ([begin..., end...] per axis, ONNX order); gradient slices the padding off. */
import { registerOp } from '../registry.ts';
import type { Dim } from '../ir.ts';
import * as F from '../api.ts';

registerOp({
  name: 'Pad',
  shape: ([x], attrs) => {
    const pads = attrs.pads as number[];
    const shape: Dim[] = x.shape.map((d, i) => {
      const extra = pads[i] + pads[i + x.rank];
      return extra === 0 ? d : (d as number) + extra;
    });
    return [{ dtype: x.dtype, shape }];
  },
  lower: (n, [x], outs, L) => L.emit('Pad', [x, L.int64s(n.attrs.pads as number[])], outs, { mode: { s: 'constant' } }),
  grad: (n, [g]) => {
    if (!g) return [null];
    const x = n.inputs[0];
    const pads = n.attrs.pads as number[];
    const axes: number[] = [], starts: number[] = [], ends: number[] = [];
    x.shape.forEach((d, i) => {
      if (pads[i] === 0 && pads[i + x.rank] === 0) return;
      axes.push(i);
      starts.push(pads[i]);
      ends.push(pads[i] + (d as number));
    });
    return [axes.length ? F.slice(g, starts, ends, axes) : g];
  },
});
