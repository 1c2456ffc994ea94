/**
 * Local training mode: the whole training set on the driver, one compiled step per minibatch. It plans
 * each epoch (a seeded permutation), fills reused minibatch buffers and runs the step. The distributed
 * mode implements the same TrainingMode over cached RDD partitions (forward-backward and param-sync jobs).
 */
import type { DlBackend, TrainStep } from './backend.ts';
import type { CheckpointState } from './checkpoint.ts';
import { MiniBatcher, type SampleLayout } from './minibatch.ts';
import { Rng } from './rng.ts';
import type { Sample } from './sample.ts';
import { DlUserError } from './errors.ts';
import type { GroupStats } from './distributed/training.ts';

/** Result of one iteration. */
export interface IterationResult {
  /** Mean loss of the minibatch. */
  loss: number;
  /** Samples in the minibatch. */
  count: number;
  /** Whether this iteration finished an epoch. */
  epochEnded: boolean;
  /** Milliseconds inside the compiled computation. */
  computeMs: number;
}

/** The part of a checkpoint a training mode owns: where it is in the data, and the model/optimizer state. */
export type ModeCheckpoint = Pick<CheckpointState, 'position' | 'rngState' | 'weights' | 'optimState' | 'buffers' | 'optimLayout'>;

/** What the Optimizer's driver loop needs from a training mode (local, distributed, model averaging). */
export interface TrainingMode {
  readonly name: 'local' | 'distributed' | 'average';
  readonly numSamples: number;
  /** Whether iteration `i` (1-based, counted from the start of training) ends an epoch. */
  epochEnds(i: number): boolean;
  /** Trains on the next minibatch of the current epoch (starting a new epoch when the last ended). */
  runIteration(lr: number): Promise<IterationResult>;
  /**
   * Modes that schedule groups of iterations at once (Drizzle): one rate per iteration, one result per
   * iteration. `nextLrs`, when given, is the group the driver will ask for next (no trigger falls
   * between them): the mode may submit it now, behind this one.
   */
  runGroup?(lrs: number[], nextLrs?: number[]): Promise<IterationResult[]>;
  /** With runGroup: how many iterations the next group may hold. */
  nextGroupSize?(): number;
  /** The last group's time split (distributed modes). */
  timing?(): GroupStats | undefined;
  /** A summary line of where time went (logged at each validation). */
  describeTiming?(): string | undefined;
  /** Releases what the mode holds (executor state, cached data). */
  dispose?(): Promise<void>;
  /** Writes the current weights into the model (before validation and at the end). */
  syncModel(): void;
  /** The mode's state for a checkpoint. */
  checkpoint(): ModeCheckpoint;
  /** Continues from a checkpoint's state. */
  restore(c: ModeCheckpoint): void;
}

/** Local mode over an in-memory array of Samples and one compiled TrainStep (which its creator disposes). */
export class LocalTraining implements TrainingMode {
  readonly name = 'local';
  readonly numSamples: number;
  private readonly order: Int32Array;
  private readonly batcher: MiniBatcher;
  private readonly rng: Rng;
  private rngAtEpochStart: number[];
  private position = 0;

  constructor(
    private readonly backend: DlBackend, private readonly model: unknown, private readonly step: TrainStep,
    samples: readonly Sample[], layout: SampleLayout, private readonly batchSize: number,
    seed: number, private readonly shuffle: boolean,
  ) {
    this.numSamples = samples.length;
    this.order = Int32Array.from({ length: samples.length }, (_, i) => i);
    this.batcher = new MiniBatcher(samples, layout, batchSize);
    this.rng = new Rng(seed);
    this.rngAtEpochStart = this.rng.state;
  }

  private startEpoch(): void {
    this.rngAtEpochStart = this.rng.state;
    const order = this.order;
    for (let i = 0; i < order.length; i++) order[i] = i;
    if (this.shuffle) this.rng.shuffle(order);
  }

  epochEnds(i: number): boolean {
    return i % Math.ceil(this.numSamples / this.batchSize) === 0;
  }

  async runIteration(lr: number): Promise<IterationResult> {
    if (this.position === 0) this.startEpoch();
    const count = Math.min(this.batchSize, this.numSamples - this.position);
    const { x, y } = this.batcher.fill(this.order, this.position, count);
    const t0 = performance.now();
    const loss = await this.step.step(x, y, count, lr);
    const computeMs = performance.now() - t0;
    this.position += count;
    const epochEnded = this.position >= this.numSamples;
    if (epochEnded) this.position = 0;
    return { loss, count, epochEnded, computeMs };
  }

  syncModel(): void {
    this.backend.setModelWeights(this.model, this.step.getWeights());
  }

  checkpoint(): ModeCheckpoint {
    return {
      position: this.position,
      // mid-epoch: the state that drew this epoch's permutation; at a boundary: the one that draws the next
      rngState: this.position > 0 ? this.rngAtEpochStart : this.rng.state,
      weights: this.step.getWeights(),
      optimState: this.step.getOptimState(),
      buffers: this.backend.getModelBuffers?.(this.model) ?? [],
    };
  }

  restore(c: ModeCheckpoint): void {
    if (c.optimLayout === 'flat' || c.optimLayout === 'replicas') {
      throw new DlUserError('DL_BAD_CHECKPOINT', `this checkpoint was written by ${c.optimLayout === 'flat' ? 'distributed training' : 'model averaging'}; resume it with the same mode (an RDD as data)`);
    }
    this.step.setWeights(c.weights);
    this.step.setOptimState(c.optimState);
    if (c.buffers.length > 0 || (this.backend.getModelBuffers?.(this.model).length ?? 0) > 0) {
      this.backend.setModelBuffers?.(this.model, c.buffers);
    }
    this.rng.state = c.rngState;
    this.position = c.position;
    // resuming mid-epoch redraws that epoch's permutation from the RNG state it started with
    if (this.position > 0) this.startEpoch();
  }
}
