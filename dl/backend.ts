/** The compute backend the training loop drives: compiled train steps and predictors (dl/compile.ts by default, a test double in tests). */

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
  run(x: Float32Array, batch: number): Promise<Float32Array>;
  dispose(): Promise<void>;
}

/**
 * What the Optimizer and Model need from the compute side. The default is dl/compile.ts on
 * onnxruntime-node; tests substitute a small JS implementation with the same contract.
 */
export interface DlBackend {
  compileTrainStep(model: unknown, criterion: unknown, optimMethod: unknown, opts?: { threads?: number }): Promise<TrainStep>;
  compilePredictor(model: unknown, opts?: { threads?: number }): Promise<Predictor>;
  /** The model's inference graph as ONNX bytes (absent in backends that cannot export). */
  exportOnnx?(model: unknown): Uint8Array;
  /** Writes a flat weight vector (TrainStep order) into the model's parameters. */
  setModelWeights(model: unknown, weights: Float32Array): void;
  /** The flat weight vector of the model's parameters. */
  getModelWeights(model: unknown): Float32Array;
  /** The optimizer's configured learning rate (what schedules scale). */
  baseLearningRate(optimMethod: unknown): number;
  /**
   * Makes sure the model knows its per-sample input shape, inferring it from the samples' feature
   * length when the model leaves it open; fails when the length cannot be the model's input.
   */
  ensureInputShape?(model: unknown, featureLength: number): void;
  /** Non-trainable state (BatchNorm running statistics), saved in checkpoints; absent when the backend has none. */
  getModelBuffers?(model: unknown): Float32Array[];
  setModelBuffers?(model: unknown, buffers: Float32Array[]): void;
}
