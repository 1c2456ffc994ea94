/**
 * Loss functions (criteria): CrossEntropyLoss, NLLLoss/ClassNLLCriterion, MSELoss, BCELoss,
 * BCEWithLogitsLoss, SmoothL1Loss. Each class is the one definition of its loss: it builds the mean
 * loss as IR for training (`forward`) and evaluates the same loss in JS on model outputs for the Loss
 * metric (`batchLoss`).
 */
import * as F from '../../ops/api.ts';
import type { Shape, Tensor } from '../../ops/ir.ts';
import type { Criterion } from '../backend.ts';
import type { EvalBatch } from '../metrics.ts';
import { NnUserError, NnErrorCode, NnNotImplementedError, nnArg } from './errors.ts';

/** A loss as plain data (structured-clonable): its kind and constructor arguments. `lossFromSpec` rebuilds it. */
export interface LossSpec {
  kind: string;
  args: (string | number)[];
}

/**
 * A criterion: builds a scalar loss from the model output and a target. `targetKind` says what
 * the target holds: 'class' — one 0-based class index per sample (as a float, shape [N]);
 * 'dense' — a value per output element (the output's shape).
 *
 * `kind` names what the loss computes; a subclass inherits its parent's kind (and so its JS
 * evaluation and the way it ships to executors), so `class MyLoss extends CrossEntropyLoss {}` is a
 * CrossEntropyLoss everywhere. Dispatch is on `kind` and `targetKind`, never on the class name.
 */
export abstract class Loss implements Criterion {
  /** Stable name of what this loss computes (a built-in's class name); executors rebuild losses by it. */
  abstract readonly kind: string;
  abstract readonly targetKind: 'class' | 'dense';
  /** 'mean' (default) averages over the batch; 'sum' adds. */
  constructor(readonly reduction: 'mean' | 'sum' = 'mean') {
    if (reduction !== 'mean' && reduction !== 'sum') throw nnArg(`${new.target.name}: reduction must be 'mean' or 'sum'`);
  }
  /** Builds the loss of `input` (the model output) against `target`. */
  abstract forward(input: Tensor, target: Tensor): Tensor;

  /**
   * The same loss in JS over one batch of outputs ([batch, outDim]) and targets ([batch, targetDim]):
   * the sum of the per-element losses and the count PyTorch's 'mean' divides by (samples for class
   * losses, elements for elementwise ones), whatever `reduction` is.
   */
  abstract batchLoss(b: EvalBatch): { sum: number; count: number };

  /** This loss as plain data for executors; subclasses with more constructor arguments extend `args`. */
  toSpec(): LossSpec {
    return { kind: this.kind, args: [this.reduction] };
  }

  /** Shape of the target tensor for a model output shape (with batch). */
  targetShape(outputShape: Shape): Shape {
    return this.targetKind === 'class' ? [outputShape[0]] : [...outputShape];
  }

  protected reduce(perElement: Tensor): Tensor {
    return this.reduction === 'mean' ? F.meanAll(perElement) : F.sumAll(perElement);
  }

  protected checkDense(input: Tensor, target: Tensor): void {
    if (input.shape.length !== target.shape.length || input.shape.some((d, i) => d !== target.shape[i])) {
      throw new NnUserError(NnErrorCode.SHAPE_MISMATCH, `${this.constructor.name}: target ${target} does not match the model output ${input}`);
    }
  }
}

/** Sums `f(output, target)` over every output element; a scalar target per sample broadcasts over a one-wide output. */
function elementwise({ output, outDim, targets, targetDim, batch }: EvalBatch, f: (o: number, t: number) => number): { sum: number; count: number } {
  let sum = 0;
  const n = batch * outDim;
  for (let i = 0; i < n; i++) sum += f(output[i], targetDim === outDim ? targets[i] : targets[Math.floor(i / outDim)]);
  return { sum, count: n };
}

/** Negative log-likelihood of log-probabilities [N, C] at class indices [N]. */
export class NLLLoss extends Loss {
  readonly kind: string = 'NLLLoss';
  readonly targetKind = 'class' as const;
  forward(input: Tensor, target: Tensor): Tensor {
    if (input.rank !== 2) throw new NnUserError(NnErrorCode.SHAPE_MISMATCH, `${this.constructor.name} expects [N, C] scores, got ${input}`);
    const idx = F.unsqueeze(F.cast(target, 'int64'), [1]);
    const picked = F.gatherElements(input, idx, 1);
    return F.neg(this.reduce(picked));
  }
  batchLoss({ output, outDim, targets, batch }: EvalBatch): { sum: number; count: number } {
    let sum = 0;
    for (let b = 0; b < batch; b++) sum -= output[b * outDim + targets[b]];
    return { sum, count: batch };
  }
}

/** BigDL's name for NLLLoss. */
export class ClassNLLCriterion extends NLLLoss {}

/** Cross-entropy of raw scores [N, C] against class indices: LogSoftmax then NLL. */
export class CrossEntropyLoss extends NLLLoss {
  readonly kind: string = 'CrossEntropyLoss';
  forward(input: Tensor, target: Tensor): Tensor {
    if (input.rank !== 2) throw new NnUserError(NnErrorCode.SHAPE_MISMATCH, `${this.constructor.name} expects [N, C] scores, got ${input}`);
    return super.forward(F.logSoftmax(input, 1), target);
  }
  batchLoss({ output, outDim, targets, batch }: EvalBatch): { sum: number; count: number } {
    let sum = 0;
    for (let b = 0; b < batch; b++) {
      const off = b * outDim;
      let max = -Infinity;
      for (let j = 0; j < outDim; j++) max = Math.max(max, output[off + j]);
      let se = 0;
      for (let j = 0; j < outDim; j++) se += Math.exp(output[off + j] - max);
      sum += Math.log(se) + max - output[off + targets[b]];
    }
    return { sum, count: batch };
  }
}

/** Mean squared error. */
export class MSELoss extends Loss {
  readonly kind: string = 'MSELoss';
  readonly targetKind = 'dense' as const;
  forward(input: Tensor, target: Tensor): Tensor {
    this.checkDense(input, target);
    const d = F.sub(input, target);
    return this.reduce(F.mul(d, d));
  }
  batchLoss(b: EvalBatch): { sum: number; count: number } {
    return elementwise(b, (o, t) => (o - t) * (o - t));
  }
}

/** PyTorch's BCELoss clamps each log at -100. */
const clampLog = (x: number) => Math.max(Math.log(x), -100);

/** Binary cross-entropy of probabilities; logs are clamped at -100 as PyTorch does. */
export class BCELoss extends Loss {
  readonly kind: string = 'BCELoss';
  readonly targetKind = 'dense' as const;
  forward(input: Tensor, target: Tensor): Tensor {
    this.checkDense(input, target);
    const logP = F.max(F.log(input), -100);
    const log1mP = F.max(F.log(F.sub(1, input)), -100);
    return F.neg(this.reduce(F.add(F.mul(target, logP), F.mul(F.sub(1, target), log1mP))));
  }
  batchLoss(b: EvalBatch): { sum: number; count: number } {
    return elementwise(b, (o, t) => -(t * clampLog(o) + (1 - t) * clampLog(1 - o)));
  }
}

/** Binary cross-entropy on logits, in the stable form max(x,0) - x·y + log(1 + e^-|x|). */
export class BCEWithLogitsLoss extends Loss {
  readonly kind: string = 'BCEWithLogitsLoss';
  readonly targetKind = 'dense' as const;
  forward(input: Tensor, target: Tensor): Tensor {
    this.checkDense(input, target);
    const l = F.add(F.sub(F.relu(input), F.mul(input, target)), F.softplus(F.neg(F.abs(input))));
    return this.reduce(l);
  }
  batchLoss(b: EvalBatch): { sum: number; count: number } {
    return elementwise(b, (x, t) => Math.max(x, 0) - x * t + Math.log1p(Math.exp(-Math.abs(x))));
  }
}

/** Smooth L1 (Huber-like) loss: 0.5·d²/β where |d| < β, else |d| - 0.5·β. */
export class SmoothL1Loss extends Loss {
  readonly kind: string = 'SmoothL1Loss';
  readonly targetKind = 'dense' as const;
  constructor(reduction: 'mean' | 'sum' = 'mean', readonly beta = 1) {
    super(reduction);
    if (!(beta > 0)) throw nnArg(`SmoothL1Loss: beta must be positive, got ${beta}`);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    this.checkDense(input, target);
    const d = F.sub(input, target);
    const a = F.abs(d);
    const l = F.where(F.less(a, this.beta), F.mul(F.mul(d, d), 0.5 / this.beta), F.sub(a, 0.5 * this.beta));
    return this.reduce(l);
  }
  batchLoss(b: EvalBatch): { sum: number; count: number } {
    const beta = this.beta;
    return elementwise(b, (o, t) => {
      const d = Math.abs(o - t);
      return d < beta ? (0.5 * d * d) / beta : d - 0.5 * beta;
    });
  }
  toSpec(): LossSpec {
    return { kind: this.kind, args: [this.reduction, this.beta] };
  }
}

/** A built-in loss class; the arguments it is rebuilt with come from `toSpec()` of the same class. */
type LossClass = new (...args: any[]) => Loss;

/** The built-in loss of each kind: what an executor rebuilds a shipped loss as. */
const LOSS_KINDS: Record<string, LossClass | undefined> = {
  CrossEntropyLoss, NLLLoss, MSELoss, BCELoss, BCEWithLogitsLoss, SmoothL1Loss,
};

/**
 * The spec that ships `loss` to executors. A loss ships as its kind's built-in class, so its JS
 * evaluation must be that class's: a subclass that overrides `batchLoss` cannot ship (it would be
 * evaluated as its parent there).
 */
export function lossSpec(loss: Loss): LossSpec {
  const cls = LOSS_KINDS[loss.kind];
  if (cls === undefined || !(loss instanceof cls)) {
    throw new NnNotImplementedError(NnErrorCode.NOT_IMPLEMENTED,
      `loss ${loss.constructor.name} has kind '${loss.kind}', which executors cannot rebuild (built-in kinds: ${Object.keys(LOSS_KINDS).join(', ')}); evaluate it on an array of samples (collect the RDD)`);
  }
  if (loss.batchLoss !== cls.prototype.batchLoss) {
    throw new NnNotImplementedError(NnErrorCode.NOT_IMPLEMENTED,
      `loss ${loss.constructor.name} overrides batchLoss, so executors cannot evaluate it as its kind '${loss.kind}'; evaluate it on an array of samples (collect the RDD)`);
  }
  return loss.toSpec();
}

/** Rebuilds a loss from its spec (on an executor). */
export function lossFromSpec(spec: LossSpec): Loss {
  const cls = LOSS_KINDS[spec.kind];
  if (cls === undefined) throw nnArg(`unknown loss kind '${spec.kind}' (known: ${Object.keys(LOSS_KINDS).join(', ')})`);
  return new cls(...spec.args);
}
