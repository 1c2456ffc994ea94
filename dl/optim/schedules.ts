/** Learning-rate schedules with PyTorch's semantics (StepLR, MultiStepLR, ExponentialLR, PolynomialLR, LinearLR warm-up, SequentialLR, ReduceLROnPlateau). */
import { DlUserError } from '../errors.ts';

/**
 * A schedule maps the optimizer's base learning rate to the rate of the next step.
 * The Optimizer calls `step()` after every epoch (or every iteration when `stepOn` is 'iteration'),
 * as a PyTorch loop calls `scheduler.step()`; ReduceLROnPlateau is instead stepped after each
 * validation with the first metric's value. `getState`/`setState` let checkpoints resume it exactly.
 */
export interface LearningRateSchedule {
  readonly stepOn: 'epoch' | 'iteration' | 'validation';
  /** The learning rate for the next step, given the optimizer's base rate. */
  getLr(baseLr: number): number;
  /** Advances the schedule (`metric` is the validation value, used by ReduceLROnPlateau only). */
  step(metric?: number): void;
  getState(): Record<string, unknown>;
  setState(state: Record<string, unknown>): void;
}

/** Options common to the counting schedules: what one step is. */
export interface StepUnit {
  /** 'epoch' (default, as PyTorch's usual loop) or 'iteration'. */
  stepOn?: 'epoch' | 'iteration';
}

/** A schedule whose rate is a closed form of the number of steps taken (PyTorch's `last_epoch`). */
abstract class CountingSchedule implements LearningRateSchedule {
  readonly stepOn: 'epoch' | 'iteration';
  protected t = 0;

  constructor(unit: StepUnit | undefined) {
    const s = unit?.stepOn ?? 'epoch';
    if (s !== 'epoch' && s !== 'iteration') {
      throw new DlUserError('DL_BAD_ARGUMENT', `stepOn must be 'epoch' or 'iteration', got '${String(s)}'`);
    }
    this.stepOn = s;
  }

  abstract factor(t: number): number;

  getLr(baseLr: number): number {
    return baseLr * this.factor(this.t);
  }

  step(): void {
    this.t++;
  }

  getState(): Record<string, unknown> {
    return { t: this.t };
  }

  setState(state: Record<string, unknown>): void {
    this.t = Number(state.t);
  }
}

/** Multiplies the rate by `gamma` every `stepSize` steps: lr = base * gamma^floor(t / stepSize). */
export class StepLR extends CountingSchedule {
  readonly stepSize: number;
  readonly gamma: number;

  constructor(opts: { stepSize: number; gamma?: number } & StepUnit) {
    super(opts);
    this.stepSize = positiveInt('StepLR', 'stepSize', opts?.stepSize);
    this.gamma = positive('StepLR', 'gamma', opts.gamma ?? 0.1);
  }

  factor(t: number): number {
    return this.gamma ** Math.floor(t / this.stepSize);
  }
}

/** Multiplies the rate by `gamma` at each milestone: lr = base * gamma^(milestones passed). */
export class MultiStepLR extends CountingSchedule {
  readonly milestones: number[];
  readonly gamma: number;

  constructor(opts: { milestones: number[]; gamma?: number } & StepUnit) {
    super(opts);
    if (!Array.isArray(opts?.milestones) || opts.milestones.some((m) => !Number.isInteger(m) || m < 0)) {
      throw new DlUserError('DL_BAD_ARGUMENT', `MultiStepLR: milestones must be an array of non-negative integers, got ${JSON.stringify(opts?.milestones)}`);
    }
    this.milestones = [...opts.milestones].sort((a, b) => a - b);
    this.gamma = positive('MultiStepLR', 'gamma', opts.gamma ?? 0.1);
  }

  factor(t: number): number {
    let passed = 0;
    for (const m of this.milestones) if (m <= t) passed++;
    return this.gamma ** passed;
  }
}

/** Multiplies the rate by `gamma` every step: lr = base * gamma^t. */
export class ExponentialLR extends CountingSchedule {
  readonly gamma: number;

  constructor(opts: { gamma: number } & StepUnit) {
    super(opts);
    this.gamma = positive('ExponentialLR', 'gamma', opts?.gamma);
  }

  factor(t: number): number {
    return this.gamma ** t;
  }
}

/** Decays the rate polynomially to 0 over `totalIters` steps: lr = base * (1 - min(t, total) / total)^power. */
export class PolynomialLR extends CountingSchedule {
  readonly totalIters: number;
  readonly power: number;

  constructor(opts: { totalIters?: number; power?: number } & StepUnit = {}) {
    super(opts);
    this.totalIters = positiveInt('PolynomialLR', 'totalIters', opts.totalIters ?? 5);
    this.power = positive('PolynomialLR', 'power', opts.power ?? 1);
  }

  factor(t: number): number {
    return (1 - Math.min(t, this.totalIters) / this.totalIters) ** this.power;
  }
}

/**
 * Linear warm-up (PyTorch's LinearLR): the factor goes linearly from `startFactor` to `endFactor`
 * over `totalIters` steps, then stays at `endFactor`.
 */
export class LinearLR extends CountingSchedule {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;

  constructor(opts: { startFactor?: number; endFactor?: number; totalIters?: number } & StepUnit = {}) {
    super(opts);
    this.startFactor = opts.startFactor ?? 1 / 3;
    this.endFactor = opts.endFactor ?? 1;
    if (!(this.startFactor > 0 && this.startFactor <= 1) || !(this.endFactor >= 0 && this.endFactor <= 1)) {
      throw new DlUserError('DL_BAD_ARGUMENT',
        `LinearLR: startFactor must be in (0, 1] and endFactor in [0, 1], got ${this.startFactor} and ${this.endFactor}`);
    }
    this.totalIters = positiveInt('LinearLR', 'totalIters', opts.totalIters ?? 5);
  }

  factor(t: number): number {
    return this.startFactor + ((this.endFactor - this.startFactor) * Math.min(t, this.totalIters)) / this.totalIters;
  }
}

/**
 * Runs `schedulers[i]` from step `milestones[i-1]` on, each counting its own steps from 0 when it
 * takes over (PyTorch's SequentialLR), e.g. a LinearLR warm-up followed by a StepLR decay.
 * All parts step in the same unit.
 */
export class SequentialLR implements LearningRateSchedule {
  readonly stepOn: 'epoch' | 'iteration';
  private t = 0;

  constructor(readonly schedulers: LearningRateSchedule[], readonly milestones: number[]) {
    if (!Array.isArray(schedulers) || schedulers.length < 1 || milestones?.length !== schedulers.length - 1) {
      throw new DlUserError('DL_BAD_ARGUMENT',
        `SequentialLR: expects n schedulers and n-1 milestones, got ${schedulers?.length} and ${milestones?.length}`);
    }
    const unit = schedulers[0].stepOn;
    if (unit === 'validation' || schedulers.some((s) => s.stepOn !== unit)) {
      throw new DlUserError('DL_BAD_ARGUMENT', 'SequentialLR: all schedulers must step on the same unit (epoch or iteration), and ReduceLROnPlateau cannot be chained');
    }
    for (let i = 1; i < milestones.length; i++) {
      if (!(milestones[i] > milestones[i - 1])) {
        throw new DlUserError('DL_BAD_ARGUMENT', `SequentialLR: milestones must increase, got ${JSON.stringify(milestones)}`);
      }
    }
    this.stepOn = unit;
  }

  private active(): number {
    let i = 0;
    while (i < this.milestones.length && this.t >= this.milestones[i]) i++;
    return i;
  }

  getLr(baseLr: number): number {
    return this.schedulers[this.active()].getLr(baseLr);
  }

  step(): void {
    this.t++;
    // as PyTorch, a scheduler that takes over at a milestone restarts from its step 0
    const i = this.active();
    if (i > 0 && this.t === this.milestones[i - 1]) this.schedulers[i].setState({ ...this.schedulers[i].getState(), t: 0 });
    else this.schedulers[i].step();
  }

  getState(): Record<string, unknown> {
    return { t: this.t, parts: this.schedulers.map((s) => s.getState()) };
  }

  setState(state: Record<string, unknown>): void {
    this.t = Number(state.t);
    const parts = state.parts as Record<string, unknown>[];
    this.schedulers.forEach((s, i) => s.setState(parts[i]));
  }
}

/** Options of ReduceLROnPlateau, with PyTorch's names (camelCase) and defaults. */
export interface ReduceLROnPlateauOptions {
  mode?: 'min' | 'max';
  factor?: number;
  patience?: number;
  threshold?: number;
  thresholdMode?: 'rel' | 'abs';
  cooldown?: number;
  minLr?: number;
  eps?: number;
}

/**
 * Multiplies the rate by `factor` when the monitored validation value has not improved for
 * `patience` validations (PyTorch's ReduceLROnPlateau). The Optimizer steps it after each validation
 * with the first metric's value; use mode 'max' for accuracies.
 */
export class ReduceLROnPlateau implements LearningRateSchedule {
  readonly stepOn = 'validation' as const;
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLr: number;
  readonly eps: number;
  private best: number;
  private badEpochs = 0;
  private cooldownCounter = 0;
  private scale = 1;
  private lastLr: number | undefined;

  constructor(opts: ReduceLROnPlateauOptions = {}) {
    this.mode = opts.mode ?? 'min';
    if (this.mode !== 'min' && this.mode !== 'max') throw new DlUserError('DL_BAD_ARGUMENT', `ReduceLROnPlateau: mode must be 'min' or 'max', got '${String(this.mode)}'`);
    this.factor = opts.factor ?? 0.1;
    if (!(this.factor > 0 && this.factor < 1)) throw new DlUserError('DL_BAD_ARGUMENT', `ReduceLROnPlateau: factor must be in (0, 1), got ${this.factor}`);
    this.patience = nonNegativeInt('ReduceLROnPlateau', 'patience', opts.patience ?? 10);
    this.threshold = opts.threshold ?? 1e-4;
    this.thresholdMode = opts.thresholdMode ?? 'rel';
    if (this.thresholdMode !== 'rel' && this.thresholdMode !== 'abs') throw new DlUserError('DL_BAD_ARGUMENT', `ReduceLROnPlateau: thresholdMode must be 'rel' or 'abs', got '${String(this.thresholdMode)}'`);
    this.cooldown = nonNegativeInt('ReduceLROnPlateau', 'cooldown', opts.cooldown ?? 0);
    this.minLr = opts.minLr ?? 0;
    this.eps = opts.eps ?? 1e-8;
    this.best = this.mode === 'min' ? Infinity : -Infinity;
  }

  getLr(baseLr: number): number {
    const lr = Math.max(baseLr * this.scale, Math.min(this.minLr, baseLr));
    this.lastLr = lr;
    return lr;
  }

  private isBetter(a: number): boolean {
    if (this.mode === 'min') {
      return this.thresholdMode === 'rel' ? a < this.best * (1 - this.threshold) : a < this.best - this.threshold;
    }
    return this.thresholdMode === 'rel' ? a > this.best * (1 + this.threshold) : a > this.best + this.threshold;
  }

  step(metric?: number): void {
    if (metric === undefined || !Number.isFinite(metric)) {
      throw new DlUserError('DL_BAD_ARGUMENT', `ReduceLROnPlateau.step needs a finite validation value, got ${metric}; give the Optimizer a validation with a metric`);
    }
    if (this.isBetter(metric)) {
      this.best = metric;
      this.badEpochs = 0;
    } else {
      this.badEpochs++;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.badEpochs = 0;
    }
    if (this.badEpochs > this.patience) {
      const old = this.lastLr;
      const nextScale = this.scale * this.factor;
      // PyTorch skips reductions smaller than eps and never goes below minLr
      if (old === undefined || old - Math.max(old * this.factor, this.minLr) > this.eps) this.scale = nextScale;
      this.cooldownCounter = this.cooldown;
      this.badEpochs = 0;
    }
  }

  getState(): Record<string, unknown> {
    return { best: String(this.best), badEpochs: this.badEpochs, cooldownCounter: this.cooldownCounter, scale: this.scale };
  }

  setState(state: Record<string, unknown>): void {
    this.best = Number(state.best);
    this.badEpochs = Number(state.badEpochs);
    this.cooldownCounter = Number(state.cooldownCounter);
    this.scale = Number(state.scale);
  }
}

function positive(cls: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) {
    throw new DlUserError('DL_BAD_ARGUMENT', `${cls}: ${name} must be a positive number, got ${String(v)}`);
  }
  return v;
}

function positiveInt(cls: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new DlUserError('DL_BAD_ARGUMENT', `${cls}: ${name} must be a positive integer, got ${String(v)}`);
  }
  return v;
}

function nonNegativeInt(cls: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new DlUserError('DL_BAD_ARGUMENT', `${cls}: ${name} must be a non-negative integer, got ${String(v)}`);
  }
  return v;
}
