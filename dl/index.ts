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
// Training half: samples, triggers, metrics, schedules, the Optimizer, Model.
export type { Sample } from './sample.ts';
export { sample } from './sample.ts';
export { Trigger, type TrainingState } from './trigger.ts';
export { Top1Accuracy, Top5Accuracy, Loss, MAE, ValidationResult, type ValidationMethod, type EvalBatch } from './metrics.ts';
export {
  StepLR, MultiStepLR, ExponentialLR, PolynomialLR, LinearLR, SequentialLR, ReduceLROnPlateau,
  type LearningRateSchedule, type ReduceLROnPlateauOptions,
} from './optim/schedules.ts';
export {
  Optimizer, type OptimizerOptions, type ValidationConfig, type CheckpointConfig, type TrainingSummary, type ValidationRecord, type SampleData,
} from './optimizer.ts';
export { Model, type LocalInput, type PredictOptions } from './model.ts';
export { OrtPredictor, type OrtPredictorOptions } from './ort-predictor.ts';
export type { DlBackend, Criterion } from './backend.ts';
export { DlUserError, DlNotImplementedError, DlInternalError, type DlErrorCode } from './errors.ts';
export { loadCheckpoint, type CheckpointState } from './checkpoint.ts';
