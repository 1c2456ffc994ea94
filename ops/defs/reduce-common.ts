/** Shared pieces of the reduction operators: output shape and the broadcast of a reduced gradient back to the input. */
import { normAxis } from '../shape.ts';
import type { Node, Tensor, TensorType } from '../ir.ts';
import * as F from '../api.ts';

export function reduceShape(op: string): (inputs: Tensor[], attrs: Record<string, unknown>) => TensorType[] {
  return ([x], attrs) => {
    const axes = (attrs.axes as number[]).map(a => normAxis(a, x.rank, op));
    const keep = attrs.keepdims as boolean;
    const shape = keep ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
    return [{ dtype: x.dtype, shape }];
  };
}

/** The reduced gradient g (or output y) broadcast back to the input's shape. */
export function expandBack(n: Node, g: Tensor): Tensor {
  const x = n.inputs[0];
  const axes = (n.attrs.axes as number[]).map(a => normAxis(a, x.rank, n.op)).sort((a, b) => a - b);
  const kept = n.attrs.keepdims ? g : F.unsqueeze(g, axes);
  return F.expandAs(kept, x);
}

export function normAxes(n: Node): number[] {
  return (n.attrs.axes as number[]).map(a => normAxis(a, n.inputs[0].rank, n.op));
}
