/** Public surface of dl/: re-exported by index.ts. */
// Compute half: nn modules, optimizers, compilation to onnxruntime, ONNX export.
export * as nn from './nn/index.ts';
export * as optim from './optim/index.ts';
export {
  compileTrainStep,
  compilePredictor,
  compileGradStep,
  compileSliceUpdate,
  getModelWeights,
  setModelWeights,
  type TrainStep,
  type Predictor,
  type GradStep,
  type SliceUpdate,
  type CompileOptions,
} from './compile.ts';
export { exportOnnx } from './onnx-export.ts';
