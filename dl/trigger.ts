/** Triggers: predicates over the training state that decide when training ends, validates or checkpoints (as BigDL's Trigger). */
import { DlUserError } from './errors.ts';

/**
 * What a trigger sees, checked after every iteration (and once before the first).
 * `iteration`: iterations finished so far (over all epochs). `epoch`: epochs finished so far.
 * `epochEnded`: true exactly when the iteration just finished completed an epoch.
 * `loss`: mean loss of the last iteration (NaN before the first). `score`: value of the first
 * validation metric at the last validation (undefined before any).
 */
export interface TrainingState {
  readonly iteration: number;
  readonly epoch: number;
  readonly epochEnded: boolean;
  readonly loss: number;
  readonly score: number | undefined;
}

/** A predicate over the training state; build one with the static factories. */
export class Trigger {
  private constructor(readonly description: string, private readonly test: (s: TrainingState) => boolean) {}

  /** Whether the trigger fires in this state. */
  fires(state: TrainingState): boolean {
    return this.test(state);
  }

  toString(): string {
    return this.description;
  }

  /** Fires at the end of every epoch. */
  static everyEpoch(): Trigger {
    return new Trigger('everyEpoch()', (s) => s.epochEnded);
  }

  /** Fires every `n` iterations (when the finished iteration count is a multiple of n). */
  static severalIteration(n: number): Trigger {
    positiveInt('severalIteration', n);
    return new Trigger(`severalIteration(${n})`, (s) => s.iteration > 0 && s.iteration % n === 0);
  }

  /** Fires once `n` epochs have finished (an end trigger: train for n epochs). */
  static maxEpoch(n: number): Trigger {
    nonNegativeInt('maxEpoch', n);
    return new Trigger(`maxEpoch(${n})`, (s) => s.epoch >= n);
  }

  /** Fires once `n` iterations have finished. */
  static maxIteration(n: number): Trigger {
    nonNegativeInt('maxIteration', n);
    return new Trigger(`maxIteration(${n})`, (s) => s.iteration >= n);
  }

  /** Fires when the last iteration's loss is below `min`. */
  static minLoss(min: number): Trigger {
    finite('minLoss', min);
    return new Trigger(`minLoss(${min})`, (s) => s.iteration > 0 && s.loss < min);
  }

  /** Fires when the last validation score is above `max`. */
  static maxScore(max: number): Trigger {
    finite('maxScore', max);
    return new Trigger(`maxScore(${max})`, (s) => s.score !== undefined && s.score > max);
  }

  /** Fires when every given trigger fires. */
  static and(first: Trigger, ...rest: Trigger[]): Trigger {
    const all = [first, ...rest];
    checkTriggers('and', all);
    return new Trigger(`and(${all.join(', ')})`, (s) => all.every((t) => t.fires(s)));
  }

  /** Fires when any given trigger fires. */
  static or(first: Trigger, ...rest: Trigger[]): Trigger {
    const all = [first, ...rest];
    checkTriggers('or', all);
    return new Trigger(`or(${all.join(', ')})`, (s) => all.some((t) => t.fires(s)));
  }
}

function positiveInt(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 1) {
    throw new DlUserError('DL_BAD_ARGUMENT', `Trigger.${name}(n): n must be a positive integer, got ${n}`);
  }
}

function nonNegativeInt(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) {
    throw new DlUserError('DL_BAD_ARGUMENT', `Trigger.${name}(n): n must be a non-negative integer, got ${n}`);
  }
}

function finite(name: string, x: number): void {
  if (typeof x !== 'number' || !Number.isFinite(x)) {
    throw new DlUserError('DL_BAD_ARGUMENT', `Trigger.${name}(x): x must be a finite number, got ${x}`);
  }
}

function checkTriggers(name: string, ts: unknown[]): void {
  ts.forEach((t, i) => {
    if (!(t instanceof Trigger)) {
      throw new DlUserError('DL_BAD_ARGUMENT', `Trigger.${name}: argument ${i} is not a Trigger; build one with Trigger.maxEpoch(...) etc.`);
    }
  });
}
