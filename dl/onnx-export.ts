/** Exports a model's eval-mode inference graph as an ONNX model with its current weights as initializers. */
import { emitModel } from '../ops/onnx/emit.ts';
import { BATCH, type ConstData, type Tensor } from '../ops/ir.ts';
import { BuildContext, buildModel, resolveInputShape, type Module } from './nn/module.ts';

/** ONNX bytes with input 'input' [N, ...inputShape] and output 'output'; loads in any ONNX runtime (opset 17, standard ops). */
export function exportOnnx(model: Module): Uint8Array {
  const inputShape = resolveInputShape(model);
  const ctx = new BuildContext(model, { training: false });
  const x = ctx.graph.input('input', 'float32', [BATCH, ...inputShape]);
  const out = buildModel(model, x, ctx);
  const inits = new Map<Tensor, ConstData>();
  for (const [p, t] of ctx.params) inits.set(t, p.data);
  for (const [b, t] of ctx.buffers) inits.set(t, b.data);
  return emitModel(ctx.graph, { outputs: [{ name: 'output', tensor: out }], initializers: inits, graphName: 'flint_model' });
}
