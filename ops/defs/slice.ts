/** Slice (ONNX semantics, static starts/ends/steps per axis); gradient pads the slice back with zeros (steps of 1). */
import { registerOp } from '../registry.ts';
import { normAxis } from '../shape.ts';
import type { Dim } from '../ir.ts';
import { shapeError } from '../errors.ts';
import { OpsNotImplementedError, OpsErrorCode } from '../errors.ts';

interface SliceAttrs { starts: number[]; ends: number[]; axes: number[]; steps: number[] }

/** Resolved [start, length] of a slice along a static dim. */
function resolve(dim: number, start: number, end: number, step: number): [number, number] {
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  if (step > 0) {
    const s = clamp(start < 0 ? start + dim : start, 0, dim);
    const e = clamp(end < 0 ? end + dim : end, 0, dim);
    return [s, Math.max(0, Math.ceil((e - s) / step))];
  }
  const s = clamp(start < 0 ? start + dim : start, -1, dim - 1);
  const e = clamp(end < 0 ? end + dim : end, -1, dim - 1);
  return [s, Math.max(0, Math.ceil((s - e) / -step))];
}

registerOp({
  name: 'Slice',
  shape: ([x], attrs) => {
    const a = attrs as unknown as SliceAttrs;
    const shape: Dim[] = [...x.shape];
    a.axes.forEach((ax, i) => {
      const axis = normAxis(ax, x.rank, 'Slice');
      const d = x.shape[axis];
      if (typeof d !== 'number') {
        if (a.starts[i] === 0 && a.ends[i] >= 2 ** 31 - 1 && a.steps[i] === 1) return;
        throw shapeError('Slice', `symbolic dim ${d} of ${x} can only be sliced whole`);
      }
      shape[axis] = resolve(d, a.starts[i], a.ends[i], a.steps[i])[1];
    });
    return [{ dtype: x.dtype, shape }];
  },
  lower: (n, [x], outs, L) => {
    const a = n.attrs as unknown as SliceAttrs;
    L.emit('Slice', [x, L.int64s(a.starts), L.int64s(a.ends), L.int64s(a.axes), L.int64s(a.steps)], outs);
  },
  grad: (n, [g]) => {
    if (!g) return [null];
    const x = n.inputs[0];
    const a = n.attrs as unknown as SliceAttrs;
    const before = new Array(x.rank).fill(0);
    const after = new Array(x.rank).fill(0);
    a.axes.forEach((ax, i) => {
      const axis = normAxis(ax, x.rank, 'Slice');
      const d = x.shape[axis];
      if (typeof d !== 'number') return;
      if (a.steps[i] !== 1) {
        throw new OpsNotImplementedError(OpsErrorCode.NOT_IMPLEMENTED, 'Slice: gradient of a slice with step != 1 is not implemented');
      }
      const [s, len] = resolve(d, a.starts[i], a.ends[i], 1);
      before[axis] = s;
      after[axis] = d - s - len;
    });
    return [g.graph.apply('Pad', [g], { pads: [...before, ...after] })[0]];
  },
});
