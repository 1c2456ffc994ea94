/** Loss functions (criteria): CrossEntropyLoss, NLLLoss/ClassNLLCriterion, MSELoss, BCELoss, BCEWithLogitsLoss, SmoothL1Loss; each builds its mean loss as IR. */
import * as F from '../../ops/api.ts';
import type { Shape, Tensor } from '../../ops/ir.ts';
import { NnUserError, NnErrorCode, nnArg } from './errors.ts';

/**
 * A criterion: builds a scalar loss from the model output and a target. `targetKind` says what
 * the target holds: 'class' — one 0-based class index per sample (as a float, shape [N]);
 * 'dense' — a value per output element (the output's shape).
 */
export abstract class Loss {
  abstract readonly targetKind: 'class' | 'dense';
  /** 'mean' (default) averages over the batch; 'sum' adds. */
  constructor(readonly reduction: 'mean' | 'sum' = 'mean') {
    if (reduction !== 'mean' && reduction !== 'sum') throw nnArg(`${new.target.name}: reduction must be 'mean' or 'sum'`);
  }
  /** Builds the loss of `input` (the model output) against `target`. */
  abstract forward(input: Tensor, target: Tensor): Tensor;

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

/** Negative log-likelihood of log-probabilities [N, C] at class indices [N]. */
export class NLLLoss extends Loss {
  readonly targetKind = 'class' as const;
  forward(input: Tensor, target: Tensor): Tensor {
    if (input.rank !== 2) throw new NnUserError(NnErrorCode.SHAPE_MISMATCH, `${this.constructor.name} expects [N, C] scores, got ${input}`);
    const idx = F.unsqueeze(F.cast(target, 'int64'), [1]);
    const picked = F.gatherElements(input, idx, 1);
    return F.neg(this.reduce(picked));
  }
}

/** BigDL's name for NLLLoss. */
export class ClassNLLCriterion extends NLLLoss {}

/** Cross-entropy of raw scores [N, C] against class indices: LogSoftmax then NLL. */
export class CrossEntropyLoss extends NLLLoss {
  forward(input: Tensor, target: Tensor): Tensor {
    if (input.rank !== 2) throw new NnUserError(NnErrorCode.SHAPE_MISMATCH, `CrossEntropyLoss expects [N, C] scores, got ${input}`);
    return super.forward(F.logSoftmax(input, 1), target);
  }
}

/** Mean squared error. */
export class MSELoss extends Loss {
  readonly targetKind = 'dense' as const;
  forward(input: Tensor, target: Tensor): Tensor {
    this.checkDense(input, target);
    const d = F.sub(input, target);
    return this.reduce(F.mul(d, d));
  }
}

/** Binary cross-entropy of probabilities; logs are clamped at -100 as PyTorch does. */
export class BCELoss extends Loss {
  readonly targetKind = 'dense' as const;
  forward(input: Tensor, target: Tensor): Tensor {
    this.checkDense(input, target);
    const logP = F.max(F.log(input), -100);
    const log1mP = F.max(F.log(F.sub(1, input)), -100);
    return F.neg(this.reduce(F.add(F.mul(target, logP), F.mul(F.sub(1, target), log1mP))));
  }
}

/** Binary cross-entropy on logits, in the stable form max(x,0) - x·y + log(1 + e^-|x|). */
export class BCEWithLogitsLoss extends Loss {
  readonly targetKind = 'dense' as const;
  forward(input: Tensor, target: Tensor): Tensor {
    this.checkDense(input, target);
    const l = F.add(F.sub(F.relu(input), F.mul(input, target)), F.softplus(F.neg(F.abs(input))));
    return this.reduce(l);
  }
}

/** Smooth L1 (Huber-like) loss: 0.5·d²/β where |d| < β, else |d| - 0.5·β. */
export class SmoothL1Loss extends Loss {
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
}
