/** The compute backend the training loop drives: compiled train steps and predictors (dl/compile.ts by default, a test double in tests). */
import type { EvalBatch } from './metrics.ts';

/**
 * What the training loop and the Loss metric need of a criterion, whatever the backend: the kind of
 * target it takes ('class': a 0-based class index per sample, range-checked against the model's
 * outputs; 'dense': a target per output element) and its loss evaluated in JS on model outputs
 * (`batchLoss`: the sum of per-element losses and the count the mean divides by). nn losses
 * (dl/nn/loss.ts) are the default backend's criteria.
 */
export interface Criterion {
  readonly targetKind: 'class' | 'dense';
  batchLoss(b: EvalBatch): { sum: number; count: number };
}

/** Whether the criterion takes class indices (so labels are checked against the model's output width). */
export function isClassCriterion(criterion: Criterion): boolean {
  return criterion.targetKind === 'class';
}

/**
 * One compiled training step (forward, loss, backward, optimizer update) of a model.
 * `x` is row-major [batch, ...inputShape]; `y` holds 0-based class indices as floats (classification)
 * or targets; `step` returns the batch's mean loss. Weights are one flat vector in parameter order.
 */
export interface TrainStep {
  step(x: Float32Array, y: Float32Array, batch: number, lr: number): Promise<number>;
  getWeights(): Float32Array;
  setWeights(w: Float32Array): void;
  getOptimState(): Float32Array[];
  setOptimState(s: Float32Array[]): void;
  dispose(): Promise<void>;
}

/**
 * A compiled inference function: `run` maps [batch, ...inputShape] to [batch, ...outputShape].
 * A predictor compiled from a module reads the module's current weights on every run. `run` returns a
 * buffer the caller may keep (Model.predict hands out views into it).
 */
export interface Predictor {
  readonly outputShape: number[];
  /**
   * Values one sample's input holds (the product of the per-sample input shape), when the
   * predictor knows it: inference checks every record's feature length against it (a record of the
   * wrong size would otherwise be read as part of its neighbours' inputs).
   */
  readonly inputLength?: number;
  run(x: Float32Array, batch: number): Promise<Float32Array>;
  dispose(): Promise<void>;
}

/**
 * What the Optimizer and Model need from the compute side, for models of type `M`, criteria of
 * type `C` and optimizer methods of type `O`. The default backend (dl/default-backend.ts:
 * dl/compile.ts on onnxruntime-node) is a `DlBackend<nn.Module, nn.Loss, OptimMethod>`; tests
 * substitute a small JS implementation with its own model, criterion and optimizer types. Code that
 * drives any backend (the training loop) uses the defaults.
 */
export interface DlBackend<M = unknown, C extends Criterion = Criterion, O = unknown> {
  compileTrainStep(model: M, criterion: C, optimMethod: O, opts?: { threads?: number }): Promise<TrainStep>;
  compilePredictor(model: M, opts?: { threads?: number }): Promise<Predictor>;
  /** The model's inference graph as ONNX bytes (absent in backends that cannot export). */
  exportOnnx?(model: M): Uint8Array;
  /** Writes a flat weight vector (TrainStep order) into the model's parameters. */
  setModelWeights(model: M, weights: Float32Array): void;
  /** The flat weight vector of the model's parameters. */
  getModelWeights(model: M): Float32Array;
  /** The optimizer's configured learning rate (what schedules scale). */
  baseLearningRate(optimMethod: O): number;
  /**
   * Makes sure the model knows its per-sample input shape, inferring it from the samples' feature
   * length when the model leaves it open; fails when the length cannot be the model's input.
   */
  ensureInputShape?(model: M, featureLength: number): void;
  /** Non-trainable state (BatchNorm running statistics), saved in checkpoints; absent when the backend has none. */
  getModelBuffers?(model: M): Float32Array[];
  setModelBuffers?(model: M, buffers: Float32Array[]): void;
}
