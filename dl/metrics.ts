/** Validation metrics (Top1Accuracy, Top5Accuracy, Loss, MAE) whose per-batch results merge as sum + count, so partitions can score separately. */
import { DlUserError, labelOutOfRange } from './errors.ts';
import { CrossEntropyLoss } from './nn/loss.ts';
import type { Criterion } from './backend.ts';

/**
 * The mergeable result of one metric over some samples: `value` is `sum / count`.
 * Results from different batches or partitions of the same metric combine with `merge`.
 */
export class ValidationResult {
  constructor(readonly name: string, readonly sum: number, readonly count: number) {}

  get value(): number {
    return this.count === 0 ? NaN : this.sum / this.count;
  }

  merge(other: ValidationResult): ValidationResult {
    if (other.name !== this.name) {
      throw new DlUserError('DL_BAD_ARGUMENT', `cannot merge a '${other.name}' result into a '${this.name}' result`);
    }
    return new ValidationResult(this.name, this.sum + other.sum, this.count + other.count);
  }

  /** Plain data, structured-clonable, for results that travel between executors and the driver. */
  toJSON(): { name: string; sum: number; count: number } {
    return { name: this.name, sum: this.sum, count: this.count };
  }

  static fromJSON(o: { name: string; sum: number; count: number }): ValidationResult {
    return new ValidationResult(o.name, o.sum, o.count);
  }

  toString(): string {
    return `${this.name}: ${this.value.toFixed(4)} (${this.count})`;
  }
}

/**
 * One batch handed to a metric. `output` is [batch, outDim] row-major model output; `targets` is
 * [batch, targetDim] (targetDim 1 holds a class index or scalar target per sample).
 */
export interface EvalBatch {
  output: Float32Array;
  outDim: number;
  targets: Float32Array;
  targetDim: number;
  batch: number;
}

/** A validation metric: scores a batch into a mergeable result. `higherIsBetter` orders scores (maxScore, plateau). */
export interface ValidationMethod {
  readonly name: string;
  readonly higherIsBetter: boolean;
  evaluate(b: EvalBatch): ValidationResult;
}

/** Fraction of samples whose highest-scoring output is the label (one output: score > 0.5 means class 1, as BigDL). */
export class Top1Accuracy implements ValidationMethod {
  readonly name = 'Top1Accuracy';
  readonly higherIsBetter = true;

  evaluate({ output, outDim, targets, batch }: EvalBatch): ValidationResult {
    let correct = 0;
    for (let b = 0; b < batch; b++) {
      if (predictedClass(output, b * outDim, outDim) === targets[b]) correct++;
    }
    return new ValidationResult(this.name, correct, batch);
  }
}

/** Fraction of samples whose label is among the five highest-scoring outputs. */
export class Top5Accuracy implements ValidationMethod {
  readonly name = 'Top5Accuracy';
  readonly higherIsBetter = true;

  evaluate({ output, outDim, targets, batch }: EvalBatch): ValidationResult {
    let correct = 0;
    for (let b = 0; b < batch; b++) {
      const off = b * outDim;
      const label = targets[b];
      // a label that indexes no output is never among the best five
      if (!(Number.isInteger(label) && label >= 0 && label < outDim)) continue;
      const v = output[off + label];
      // the label is in the top 5 when fewer than 5 outputs beat it (ties go to the lower index, as argmax)
      let better = 0;
      for (let j = 0; j < outDim && better < 5; j++) {
        const o = output[off + j];
        if (o > v || (o === v && j < label)) better++;
      }
      if (better < 5) correct++;
    }
    return new ValidationResult(this.name, correct, batch);
  }
}

/**
 * Mean of a criterion's loss over the validation data, computed in JS by the criterion's own
 * `batchLoss` (for nn losses, the same class that builds the training graph). Without a criterion
 * it uses the one the Optimizer trains with (in `model.evaluate`, CrossEntropyLoss).
 */
export class Loss implements ValidationMethod {
  readonly name = 'Loss';
  readonly higherIsBetter = false;

  constructor(readonly criterion?: Criterion) {
    if (criterion !== undefined && typeof (criterion as Partial<Criterion> | null)?.batchLoss !== 'function') {
      const what = criterion === null || typeof criterion !== 'object' ? String(criterion) : `a ${criterion.constructor.name}`;
      throw new DlUserError('DL_BAD_ARGUMENT',
        `new Loss(criterion): ${what} has no batchLoss(batch) method, so the metric cannot evaluate it; give an nn loss (e.g. new nn.MSELoss()) or a criterion with batchLoss`);
    }
  }

  /** A Loss bound to `criterion` when this one has none (the Optimizer calls it with its criterion). */
  withDefaultCriterion(criterion: Criterion): Loss {
    return this.criterion === undefined ? new Loss(criterion) : this;
  }

  evaluate(b: EvalBatch): ValidationResult {
    const { sum, count } = (this.criterion ?? defaultCriterion).batchLoss(b);
    return new ValidationResult(this.name, sum, count);
  }
}

const defaultCriterion = new CrossEntropyLoss();

/** Mean absolute error between outputs and targets, over all output elements. */
export class MAE implements ValidationMethod {
  readonly name = 'MAE';
  readonly higherIsBetter = false;

  evaluate({ output, outDim, targets, targetDim, batch }: EvalBatch): ValidationResult {
    let sum = 0;
    const n = batch * outDim;
    for (let i = 0; i < n; i++) {
      const t = targetDim === outDim ? targets[i] : targets[Math.floor(i / outDim)];
      sum += Math.abs(output[i] - t);
    }
    return new ValidationResult(this.name, sum, n);
  }
}

/** Whether metric `m` reads labels as class indices (Top1/Top5 accuracy, and Loss with a class criterion or the default cross-entropy). */
export function takesClassLabels(m: ValidationMethod): boolean {
  if (m instanceof Top1Accuracy || m instanceof Top5Accuracy) return true;
  if (m instanceof Loss) return (m.criterion ?? defaultCriterion).targetKind === 'class';
  return false;
}

/**
 * Checks the class labels of one evaluation batch against the model's output width (`outDim`
 * outputs are `outDim` classes; one output is a binary classifier, classes 0 and 1): a label out of
 * range fails with DL_LABEL_OUT_OF_RANGE naming it (`where(k)` names the batch's k-th sample)
 * instead of scoring as a wrong answer (accuracy) or NaN (loss).
 */
export function checkClassLabels(b: EvalBatch, where: (k: number) => string): void {
  if (b.targetDim !== 1) {
    throw new DlUserError('DL_BAD_SAMPLE', `${where(0)} has a label of ${b.targetDim} values, but a class metric (accuracy, cross-entropy loss) takes one class index per sample`);
  }
  const classes = b.outDim === 1 ? 2 : b.outDim;
  for (let k = 0; k < b.batch; k++) {
    const l = b.targets[k];
    if (!(Number.isInteger(l) && l >= 0 && l < classes)) throw labelOutOfRange(where(k), l, classes, b.outDim);
  }
}

/** The class a row of `n` outputs from `off` predicts: its argmax, or with one output 1 when it is above 0.5 (as BigDL). */
export function predictedClass(a: Float32Array, off: number, n: number): number {
  return n === 1 ? (a[off] > 0.5 ? 1 : 0) : argmax(a, off, n);
}

/** Index of the largest of `n` values from `off` (the first one on ties). */
export function argmax(a: Float32Array, off: number, n: number): number {
  let best = 0;
  let bv = a[off];
  for (let j = 1; j < n; j++) {
    if (a[off + j] > bv) {
      bv = a[off + j];
      best = j;
    }
  }
  return best;
}
