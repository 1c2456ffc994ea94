/** Reshape with ONNX semantics (0 copies the input dim, -1 is inferred); symbolic dims carry through; gradient reshapes back. */
import { registerOp } from '../registry.ts';
import { shapeError } from '../errors.ts';
import { shapeStr } from '../shape.ts';
import type { Dim, Shape } from '../ir.ts';
import * as F from '../api.ts';

/** Output shape of reshaping `input` to `target` (ONNX 0/-1 rules), keeping symbolic dims symbolic. */
export function reshapeShape(input: Shape, target: number[], op: string): Shape {
  const out: Dim[] = [];
  let inferAt = -1;
  let known = 1;
  const syms: string[] = [];
  const copied = new Set<number>();
  target.forEach((d, i) => {
    if (d === 0) {
      if (i >= input.length) throw shapeError(op, `target ${shapeStr(target)} copies dim ${i} that ${shapeStr(input)} lacks`);
      out.push(input[i]);
      copied.add(i);
    } else if (d === -1) {
      if (inferAt >= 0) throw shapeError(op, `target ${shapeStr(target)} has more than one -1`);
      inferAt = i;
      out.push(-1);
    } else {
      out.push(d);
      known *= d;
    }
  });
  let inStatic = 1;
  input.forEach((d, i) => {
    if (copied.has(i)) return;
    if (typeof d === 'number') inStatic *= d;
    else syms.push(d);
  });
  if (inferAt >= 0) {
    if (inStatic % known !== 0) throw shapeError(op, `cannot reshape ${shapeStr(input)} to ${shapeStr(target)}`);
    const ratio = inStatic / known;
    if (syms.length === 0) out[inferAt] = ratio;
    else out[inferAt] = ratio === 1 && syms.length === 1 ? syms[0] : `${[...syms, ratio].join('*')}`;
  } else if (syms.length > 0 || inStatic !== known) {
    throw shapeError(op, `cannot reshape ${shapeStr(input)} to ${shapeStr(target)}: element counts differ`);
  }
  return out;
}

registerOp({
  name: 'Reshape',
  shape: ([x], attrs) => [{ dtype: x.dtype, shape: reshapeShape(x.shape, attrs.shape as number[], 'Reshape') }],
  lower: (n, [x], outs, L) => L.emit('Reshape', [x, L.int64s(n.attrs.shape as number[])], outs),
  grad: (n, [g]) => [g ? g.graph.apply('ReshapeAs', [g, n.inputs[0]])[0] : null],
});
