/** Public surface of dl/: re-exported by index.ts. */
// Compute half: nn modules, optimizers, compilation to onnxruntime, ONNX export.
export * as nn from './nn/index.ts';
export * as optim from './optim/index.ts';
export {
  compileTrainStep,
  compilePredictor,
  compileGradStep,
  compileSliceUpdate,
  planTrainStep,
  planGradStep,
  planPredictor,
  planSliceUpdate,
  loadTrainStep,
  loadGradStep,
  loadPredictor,
  loadSliceUpdate,
  getModelWeights,
  setModelWeights,
  type TrainStep,
  type Predictor,
  type GradStep,
  type SliceUpdate,
  type CompileOptions,
  type StepPlan,
  type TensorSpec,
} from './compile.ts';
export { exportOnnx } from './onnx-export.ts';
