/** Helpers shared by operator definitions: elementwise shape rules, unbroadcasting of gradients, and the unary-op template. */
import { broadcastShapes, isFloat } from '../shape.ts';
import type { Tensor, TensorType, Shape, Node } from '../ir.ts';
import type { GradRule, OpDef } from '../registry.ts';
import { shapeError } from '../errors.ts';
import * as F from '../api.ts';

/** Shape rule for a binary elementwise op: equal dtypes, broadcast shapes. */
export function binaryShape(op: string, out?: 'bool'): (inputs: Tensor[]) => TensorType[] {
  return inputs => {
    const [a, b] = inputs;
    if (a.dtype !== b.dtype) throw shapeError(op, `operand dtypes differ: ${a} vs ${b}`);
    return [{ dtype: out ?? a.dtype, shape: broadcastShapes(a.shape, b.shape, op) }];
  };
}

/** Shape rule for a unary float op. */
export function floatUnaryShape(op: string): (inputs: Tensor[]) => TensorType[] {
  return ([x]) => {
    if (!isFloat(x.dtype)) throw shapeError(op, `expects a float tensor, got ${x}`);
    return [{ dtype: x.dtype, shape: [...x.shape] }];
  };
}

/** Sums a gradient of the broadcast result shape back to an operand's shape. */
export function unbroadcast(g: Tensor, shape: Shape): Tensor {
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead) axes.push(i);
    else if (shape[i - lead] === 1 && g.shape[i] !== 1) axes.push(i);
  }
  if (axes.length === 0) return g;
  let r = F.reduceSum(g, axes, true);
  if (lead > 0) r = F.squeeze(r, Array.from({ length: lead }, (_, i) => i));
  return r;
}

/** A unary elementwise op lowering to one ONNX node of the same name (or `onnxName`). */
export function unaryOp(name: string, grad: (node: Node, g: Tensor) => Tensor, onnxName = name): OpDef {
  const rule: GradRule = (node, [g]) => [g ? grad(node, g) : null];
  return {
    name,
    shape: floatUnaryShape(name),
    lower: (_n, ins, outs, L) => L.emit(onnxName, ins, outs),
    grad: rule,
  };
}
