/** Public surface of ops/: the graph IR, operator registry, autodiff, ONNX emitter, onnxruntime wrapper and gradient checks. */
// Registers the built-in operators: every graph is built after this entry point is loaded.
import './defs/index.ts';

export { Graph, Tensor, Node, BATCH, broadcastShapes, type DType, type Dim, type Shape, type TensorType, type Attrs, type ConstData } from './ir.ts';
export { registerOp, getOp, listOps, type OpDef, type GradRule, type Lowering, type OnnxAttr } from './registry.ts';
export { gradients, type GradOptions } from './autodiff.ts';
export { runPasses, forwardPasses, poolBeforeActivation, type GraphPass } from './passes.ts';
export { emitModel, OPSET, type EmitOptions } from './onnx/emit.ts';
export { decodeModel, type OnnxModel, type OnnxNode, type OnnxTensor, type OnnxValueInfo, type OnnxAttrValue } from './onnx/decode.ts';
export { loadModel, CompiledModel, cachedSessionCount, type RuntimeOptions } from './runtime.ts';
export { evalGraph, type FeedData } from './eval.ts';
export { checkGrads, type GradCheckInput, type GradCheckOptions, type GradCheckResult } from './check-grads.ts';
export { OpsUserError, OpsNotImplementedError, OpsInternalError, OpsErrorCode } from './errors.ts';
export * as ops from './api.ts';
