/**
 * Distributed training on the engine (BigDL's DistriOptimizer with Drizzle's group scheduling): the
 * driver side. The training RDD is cut into one partition per task slot and cached on the executors as
 * minibatch tensors; each iteration is a forward-backward job and a parameter-sync job whose tasks hand
 * gradient and weight slices to each other through a block exchange (never through the driver). A group
 * of iterations is submitted at once, its tasks pinned to their slots and queued ahead there, so the
 * driver is out of the loop until the group ends. Model averaging (SparkNet) uses the same machinery.
 *
 * Deadlock freedom: a group starts only when all N slots are live (the backend waits for
 * replacements); partition i of every job runs only on slot i, which runs its tasks in submission
 * order, (iteration, phase) order: so the earliest unfinished task always has its inputs. Any failure
 * aborts the exchange, which wakes every waiter at once.
 */
import { DlInternalError, DlUserError } from '../errors.ts';
import { getModelWeights, planGradStep, planSliceUpdate, planTrainStep, setModelWeights, type StepPlan } from '../compile.ts';
import type { Module } from '../nn/module.ts';
import type { Loss as NnLoss } from '../nn/loss.ts';
import type { OptimMethod } from '../optim/optim-method.ts';
import type { Sample } from '../sample.ts';
import { singleFeatures } from '../sample.ts';
import type { IterationResult, ModeCheckpoint, TrainingMode } from '../local-training.ts';
import { contribBlock, sliceBounds, weightBlock, type DistShape } from './layout.ts';
import { TrainPhaseRDD, type InitState, type MinibatchRecord, type PhaseHandles, type PhaseReport, type PhaseResult, type PhaseSpec, type PrepareSpec } from './tasks.ts';
// imported for their types; shipped functions get them on executors through moduleRef in env
import { chunkSamples, countPartition, minibatchRecords, summarizePartition } from './tasks.ts';
import type { CollectionAccumulator } from '../../engine/Accumulator.ts';
import type { FlintContext, ExchangeHandle, JobSpec } from '../../engine/context.ts';
import type { RDD } from '../../engine/rdd/RDD.ts';
import type { Broadcast } from '../../engine/broadcast/Broadcast.ts';
import { PartitionIdPassthrough } from '../../engine/rdd/Partitioner.ts';
import { StorageLevel } from '../../engine/storage/StorageLevel.ts';
import { moduleRef } from '../../engine/serde/closure.ts';
import { moduleUrl } from '../../engine/moduleUrl.ts';

const TASKS_URL = moduleUrl('./tasks.ts', import.meta.url);

/** How distributed training runs (the Optimizer's options that apply to it). */
export interface DistributedConfig {
  mode: 'distributed' | 'average';
  /** Iterations per group: a number, or 'auto' (scheduling under 2% of iteration time). */
  groupSize: number | 'auto';
  /** Slices on the wire (and in the exchange) as float16. */
  compress: 'none' | 'fp16';
  /** Model averaging: local steps per round. */
  tau: number;
  /** Bytes of one partition's samples shuffled together per epoch (a window of minibatches). */
  shuffleWindowBytes: number;
  /** Test hook: forward-backward reads weights this many iterations stale. */
  staleness: number;
  threads: number;
  seed: number;
  shuffle: boolean;
  batchSize: number;
  /** Class count when labels are class indices, else 0. */
  classes: number;
  log: (line: string) => void;
}

/** A submitted group: its iterations' rates, the iterations before it, its jobs and reports. */
interface GroupRun {
  lrs: number[];
  base: number;
  acc: CollectionAccumulator<PhaseReport>;
  jobs: Promise<PhaseResult[][]>[];
  exchange: ExchangeHandle;
  submittedMs: number;
}

const sameRates = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** What one pass over the training data found. */
export interface DataScan {
  counts: number[];
  first: Sample;
  startMs: number;
}

/** Time split of one or more groups, per iteration (ms), BigDL's breakdown plus scheduling. */
export interface GroupStats {
  iterations: number;
  wallMs: number;
  /** Driver time not covered by the busiest slot's tasks: submission, result handling, the gaps. */
  schedulingMs: number;
  /** Per slot: ms per iteration in each part. */
  perSlot: Record<string, { getWeights: number; compute: number; putGradients: number; aggregate: number; update: number; putWeights: number }>;
}

/** Target share of scheduling in a group with groupSize 'auto'. */
const AUTO_SHARE = 0.02;
const MAX_GROUP = 256;

/** The Optimizer's distributed TrainingMode. */
export class DistributedTraining implements TrainingMode {
  readonly name: 'distributed' | 'average';
  readonly numSamples: number;
  readonly iterationsPerEpoch: number;
  /** Iterations (distributed) or rounds (average) finished. */
  private finished = 0;
  private weights: Float32Array;
  /** Per slice: optimizer slots then the step counter. */
  private sliceState: Float32Array[][];
  private buffers: Float32Array[];
  private replicas: Float32Array[][] = [];
  private exchange: ExchangeHandle | undefined;
  private init: Broadcast<InitState> | undefined;
  private segmentStart = 0;
  private group: number;
  /** The last group's time split; the run's so far; since the last `describeTiming`. */
  lastStats: GroupStats | undefined;
  private totalStats: GroupStats | undefined;
  private windowStats: GroupStats | undefined;
  private runSeq = 0;
  /** The group submitted ahead of the one running (Drizzle), if any. */
  private ahead: GroupRun | undefined;
  private lastGroupEndMs = 0;

  private constructor(
    private readonly ctx: FlintContext, private readonly model: Module, private readonly cfg: DistributedConfig,
    private readonly shape: DistShape, private readonly cached: RDD<MinibatchRecord>, private readonly plans: Broadcast<{ grad?: StepPlan; train?: StepPlan; slices?: StepPlan[] }>,
    private readonly sliceSlots: string[], private readonly featureLength: number, private readonly labelLength: number,
  ) {
    this.name = cfg.mode;
    this.numSamples = shape.n;
    this.iterationsPerEpoch = cfg.mode === 'average' ? Math.ceil(shape.K / cfg.tau) : shape.K;
    this.weights = getModelWeights(model);
    this.buffers = model.namedBuffers().map(([, b]) => b.data.slice());
    this.sliceState = Array.from({ length: shape.N }, (_, j) => {
      const [a, b] = sliceBounds(shape.P, shape.N, j);
      const slots = cfg.mode === 'average' ? [] : (plans.value.slices![j].slotNames.map(() => new Float32Array(b - a)));
      return cfg.mode === 'average' ? [] : [...slots, new Float32Array(1)];
    });
    this.group = cfg.groupSize === 'auto' ? 4 : cfg.groupSize;
  }

  /** One pass over the training data: each input partition's count, and the first sample (for the data's shape). */
  static async scan(data: RDD<Sample>): Promise<DataScan> {
    const t0 = performance.now();
    const parts = await data.mapPartitions((it) => countPartition(it), { countPartition: moduleRef(TASKS_URL, 'countPartition') }).collect();
    const first = parts.find((c) => c.count > 0)?.first as Sample | undefined;
    if (first === undefined) throw new DlUserError('DL_EMPTY_DATA', 'training data has no samples; give at least one Sample');
    return { counts: parts.map((c) => c.count), first, startMs: t0 };
  }

  /**
   * Prepares distributed training: checks every sample on the executors, places them (see layout.ts)
   * and caches one partition per slot as minibatch tensors (MEMORY_AND_DISK), each on its slot. Nothing
   * is collected to the driver but one sample (for its shape) and the counts (`scan`).
   */
  static async create(ctx: FlintContext, data: RDD<Sample>, scan: DataScan, model: Module, criterion: NnLoss, optimMethod: OptimMethod, cfg: DistributedConfig): Promise<DistributedTraining> {
    const slots = [...ctx.slots];
    const N = slots.length;
    const { counts, first } = scan;
    const t0 = scan.startMs;
    const featureLength = singleFeatures(first, 0).length;
    const numberLabels = typeof first.label === 'number';
    const labelLength = numberLabels ? 1 : (first.label as Float32Array).length;
    const offsets: number[] = [];
    let n = 0;
    for (const c of counts) {
      offsets.push(n);
      n += c;
    }
    const M = counts.length;
    const gradPlan = cfg.mode === 'distributed' ? planGradStep(model, criterion) : undefined;
    const trainPlan = cfg.mode === 'average' ? planTrainStep(model, criterion, optimMethod) : undefined;
    const P = (gradPlan ?? trainPlan)!.params.reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);
    const shape: DistShape = { n, N, B: cfg.batchSize, K: Math.ceil(n / cfg.batchSize), P };
    if (P < N) throw new DlUserError('DL_BAD_ARGUMENT', `the model has ${P} parameters, fewer than the ${N} slots it would be sliced over; train it with mode: 'local'`);
    const prep: PrepareSpec = { shape, shuffle: cfg.shuffle, seed: cfg.seed, featureLength, labelLength, numberLabels, classes: cfg.classes };
    const cached = data
      .mapPartitionsWithIndex((i, it) => chunkSamples(i, it, prep, offsets[i], M), { chunkSamples: moduleRef(TASKS_URL, 'chunkSamples'), prep, offsets, M })
      .repartitionAndSortWithinPartitions(new PartitionIdPassthrough(N) as never)
      .mapPartitionsWithIndex((i, it) => minibatchRecords(i, it as never, prep, M), { minibatchRecords: moduleRef(TASKS_URL, 'minibatchRecords'), prep, M })
      .persist(StorageLevel.MEMORY_AND_DISK)
      .setName('training minibatches') as unknown as RDD<MinibatchRecord>;
    const cachedId = cached.id;
    const summary = await ctx.runJob<{ records: number; samples: number; inMemory: boolean }[]>(
      cached.mapPartitions((it, tc) => summarizePartition(it, tc, cachedId), { summarizePartition: moduleRef(TASKS_URL, 'summarizePartition'), cachedId }),
      'collect', {}, undefined, { pinned: slots });
    const got = summary.reduce((a, s) => a + s[0].samples, 0);
    if (got !== n) throw new DlInternalError(`distributed training cached ${got} of ${n} samples`);
    const slices = cfg.mode === 'distributed'
      ? Array.from({ length: N }, (_, j) => {
        const [a, b] = sliceBounds(P, N, j);
        return planSliceUpdate(optimMethod, b - a);
      })
      : undefined;
    const plans = ctx.broadcast({ grad: gradPlan, train: trainPlan, slices });
    cfg.log(`distributed training: ${n} samples in ${N} partitions (${summary.map((s) => s[0].samples).join(', ')}) cached on slots ${slots.join(', ')} (${summary.filter((s) => s[0].inMemory).length} of ${N} in memory, the rest on disk) in ${((performance.now() - t0) / 1000).toFixed(2)} s; ${P} parameters in ${N} slices; ${shape.K} minibatches of ${cfg.batchSize} per epoch`);
    return new DistributedTraining(ctx, model, cfg, shape, cached, plans, slots, featureLength, labelLength);
  }

  epochEnds(iteration: number): boolean {
    if (this.cfg.mode === 'average') {
      const { K } = this.shape, tau = this.cfg.tau;
      return Math.floor((iteration * tau) / K) > Math.floor(((iteration - 1) * tau) / K) || (iteration * tau) % K === 0;
    }
    return iteration % this.shape.K === 0;
  }

  /** The group size to plan next: fixed, or adapted from the last group's scheduling share. */
  nextGroupSize(): number {
    return this.group;
  }

  async runIteration(lr: number): Promise<IterationResult> {
    return (await this.runGroup([lr]))[0];
  }

  /**
   * Runs len(lrs) iterations (rounds) as one group and returns each one's result. A failure aborts the
   * group's exchange and re-runs the group from the state the driver kept (up to flint.task.maxFailures
   * attempts): at most one group of work is lost.
   */
  async runGroup(lrs: number[], nextLrs?: number[]): Promise<IterationResult[]> {
    const attempts = Math.max(1, this.ctx.conf.getNumber('flint.task.maxFailures'));
    for (let attempt = 1; ; attempt++) {
      let run: GroupRun | undefined;
      try {
        // the group pre-submitted with the last one, if it is this one; else submitted now
        run = this.ahead;
        this.ahead = undefined;
        if (run !== undefined && (run.base !== this.finished || !sameRates(run.lrs, lrs))) {
          // not the group asked for: its segment (exchange, init) ends with it
          await this.discard(run);
          await this.endSegment();
          run = undefined;
        }
        if (run === undefined) {
          if (this.exchange === undefined) await this.startSegment();
          run = await this.submitGroup(lrs, this.finished);
        }
        // Drizzle: the next group goes to the slots' queues now, so they never wait for the driver between groups
        if (nextLrs !== undefined && nextLrs.length > 0) this.ahead = await this.submitGroup(nextLrs, this.finished + lrs.length);
        return await this.finishGroup(run);
      } catch (e) {
        const ahead = this.ahead;
        this.ahead = undefined;
        await this.endSegment();
        // every job of the failed segment settles (fast: its exchange is aborted) before a retry
        if (run !== undefined) await this.discard(run);
        if (ahead !== undefined) await this.discard(ahead);
        if (attempt >= attempts || !retriable(e)) throw e;
        this.cfg.log(`distributed training: group of ${lrs.length} iterations from iteration ${this.finished + 1} failed (${(e as Error).message.split('\n')[0]}); resuming from the state after iteration ${this.finished} (attempt ${attempt + 1} of ${attempts})`);
      }
    }
  }

  /** Waits for a submitted group that will not be used to settle (its exchange aborted, or about to be). */
  private async discard(run: GroupRun): Promise<void> {
    run.exchange.abort();
    await Promise.allSettled(run.jobs);
  }

  private async startSegment(): Promise<void> {
    const { N, P } = this.shape;
    this.init = this.ctx.broadcast<InitState>({ weights: this.weights, slices: this.sliceState, buffers: this.buffers, replicas: this.replicas });
    const blocks: { length: number; consumers: readonly string[] }[] = [];
    for (let v = 0; v < 2; v++) for (let j = 0; j < N; j++) blocks[weightBlock(N, j, v)] = { length: len(P, N, j), consumers: this.sliceSlots };
    const copies = 1 + this.cfg.staleness;
    for (let v = 0; v < copies; v++) {
      for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) blocks[contribBlock(N, i, j, v, copies)] = { length: len(P, N, j) + 2, consumers: [this.sliceSlots[j]] };
    }
    this.exchange = await this.ctx.createExchange({ blocks, dtype: this.cfg.compress === 'fp16' ? 'float16' : 'float32' });
    this.segmentStart = this.finished;
    this.runSeq++;
  }

  private async endSegment(): Promise<void> {
    const x = this.exchange, init = this.init;
    this.exchange = undefined;
    this.init = undefined;
    if (x !== undefined) {
      x.abort();
      await x.destroy().catch(() => undefined);
    }
    if (init !== undefined) await init.destroy().catch(() => undefined);
  }

  /** Builds and submits the 2G jobs of the group of iterations base + 1 ... base + G (pinned, queued ahead). */
  private async submitGroup(lrs: number[], base: number): Promise<GroupRun> {
    const exchange = this.exchange!;
    const average = this.cfg.mode === 'average';
    const G = lrs.length;
    const acc = this.ctx.collectionAccumulator<PhaseReport>('dl.training');
    const common = {
      runId: `${this.ctx.appId}.${this.runSeq}`, start: this.segmentStart, shape: this.shape, slots: this.sliceSlots,
      exchange: exchange.ref, exchangeDtype: this.cfg.compress === 'fp16' ? 'float16' as const : 'float32' as const,
      cachedRddId: this.cached.id, shuffle: this.cfg.shuffle, seed: this.cfg.seed, featureLength: this.featureLength,
      labelLength: this.labelLength, windowRecords: this.windowRecords(), tau: this.cfg.tau, staleness: this.cfg.staleness, threads: this.cfg.threads,
    };
    const specs: JobSpec[] = [];
    for (let g = 0; g < G; g++) {
      const t = base + g + 1;
      const last = g === G - 1;
      const roundLrs = average ? Array.from({ length: this.cfg.tau }, () => lrs[g]) : [];
      specs.push(this.job({ ...common, phase: average ? 'local' : 'fb', t, lrs: roundLrs, returnState: last }, acc));
      specs.push(this.job({ ...common, phase: average ? 'average' : 'sync', t, lrs: [lrs[g]], returnState: last }, acc));
    }
    const submittedMs = performance.now();
    const jobs = await this.ctx.submitJobs<PhaseResult[]>(specs);
    // One failure aborts the exchange, so every other job of the segment fails fast instead of waiting.
    for (const j of jobs) j.catch(() => exchange.abort());
    return { lrs, base, acc, jobs, exchange, submittedMs };
  }

  /** Waits for a group's jobs, keeps the state its last jobs return, and turns its reports into iteration results. */
  private async finishGroup(run: GroupRun): Promise<IterationResult[]> {
    const { N, P } = this.shape;
    const average = this.cfg.mode === 'average';
    const G = run.lrs.length;
    const results = await Promise.all(run.jobs);
    // the group's time starts when it was submitted or when the one before it ended, whichever is later
    const t0 = Math.max(run.submittedMs, this.lastGroupEndMs);
    const wallMs = performance.now() - t0;
    this.lastGroupEndMs = performance.now();

    // the state the driver keeps: every slice's weights and optimizer state, and partition 0's buffers
    const weights = new Float32Array(P);
    for (const r of results[results.length - 1].flat()) {
      if (r === null || !('j' in r)) continue;
      weights.set(r.weights, sliceBounds(P, N, r.j)[0]);
      this.sliceState[r.j] = r.optim.length ? r.optim : this.sliceState[r.j];
    }
    this.weights = weights;
    for (const r of results[results.length - 2].flat()) {
      if (r === null || !('buffers' in r)) continue;
      if (r.buffers.length) this.buffers = r.buffers;
      if (r.replica) this.replicas[r.replica.i] = r.replica.optim;
    }
    const reports = run.acc.value;
    this.finished += G;
    this.lastStats = this.stats(reports, G, wallMs);
    this.totalStats = mergeStats(this.totalStats, this.lastStats);
    this.windowStats = mergeStats(this.windowStats, this.lastStats);
    if (this.cfg.groupSize === 'auto') {
      const s = this.lastStats;
      const perIter = Math.max(1e-3, (s.wallMs - s.schedulingMs) / G);
      this.group = Math.max(1, Math.min(MAX_GROUP, Math.ceil((s.schedulingMs * (1 - AUTO_SHARE)) / (AUTO_SHARE * perIter))));
    }
    return Array.from({ length: G }, (_, g) => {
      const t = this.finished - G + g + 1;
      const rs = reports.filter((r) => r.t === t);
      const compute = (phase: PhaseReport['phase']) => Math.max(0, ...rs.filter((r) => r.phase === phase).map((r) => r.computeMs));
      if (average) {
        const local = rs.filter((r) => r.phase === 'local');
        const count = local.reduce((a, r) => a + (r.count ?? 0), 0);
        const lossSum = local.reduce((a, r) => a + (r.lossSum ?? 0), 0);
        return { loss: count > 0 ? lossSum / count : NaN, count, epochEnded: this.epochEnds(t), computeMs: compute('local') + compute('average') };
      }
      const head = rs.find((r) => r.phase === 'sync' && r.partition === 0)!;
      return { loss: head.loss!, count: head.count!, epochEnded: this.epochEnds(t), computeMs: compute('fb') + compute('sync') };
    });
  }

  private job(spec: PhaseSpec, acc: CollectionAccumulator<PhaseReport>): JobSpec {
    const handles: PhaseHandles = {
      plans: { id: this.plans.id, location: this.plans.location },
      init: { id: this.init!.id, location: this.init!.location },
      acc: acc.id,
    };
    return { rdd: new TrainPhaseRDD(this.cached, spec, handles), op: 'collect', params: {}, opts: { pinned: this.sliceSlots, maxFailures: 1, queueAhead: true } };
  }

  private windowRecords(): number {
    const perRecord = Math.max(1, Math.ceil(this.shape.B / this.shape.N) * this.featureLength * 4);
    return Math.max(1, Math.min(32767, Math.floor(this.cfg.shuffleWindowBytes / perRecord)));
  }

  private stats(reports: PhaseReport[], G: number, wallMs: number): GroupStats {
    const perSlot: GroupStats['perSlot'] = {};
    const busy = new Map<string, number>();
    for (const r of reports) {
      const s = (perSlot[r.slot] ??= { getWeights: 0, compute: 0, putGradients: 0, aggregate: 0, update: 0, putWeights: 0 });
      if (r.phase === 'fb' || r.phase === 'local') {
        s.getWeights += r.getMs / G;
        s.compute += r.computeMs / G;
        s.putGradients += r.putMs / G;
      } else {
        s.aggregate += r.getMs / G;
        s.update += r.computeMs / G;
        s.putWeights += r.putMs / G;
      }
      busy.set(r.slot, (busy.get(r.slot) ?? 0) + r.runMs);
    }
    const busiest = Math.max(0, ...busy.values());
    return { iterations: G, wallMs, schedulingMs: Math.max(0, wallMs - busiest), perSlot };
  }

  /** The time split per iteration over the whole run so far. */
  timing(): GroupStats | undefined {
    return this.totalStats;
  }

  /** BigDL's metrics summary: the time split per iteration, per slot, and the scheduling share, since the last summary. */
  describeTiming(): string | undefined {
    const s = this.windowStats;
    this.windowStats = undefined;
    if (s === undefined) return undefined;
    const parts = Object.entries(s.perSlot).map(([slot, t]) =>
      `${slot}: get weights ${t.getWeights.toFixed(2)}, compute ${t.compute.toFixed(2)}, put gradients ${t.putGradients.toFixed(2)}, aggregate ${t.aggregate.toFixed(2)}, update ${t.update.toFixed(2)}, put weights ${t.putWeights.toFixed(2)}`);
    return `time per iteration (ms) over the last ${s.iterations} iterations: ${(s.wallMs / s.iterations).toFixed(2)} wall, scheduling ${(100 * s.schedulingMs / s.wallMs).toFixed(1)}%; ${parts.join('; ')}`;
  }

  syncModel(): void {
    setModelWeights(this.model, this.weights);
    const named = this.model.namedBuffers();
    if (this.buffers.length === named.length) named.forEach(([, b], i) => (b.data = this.buffers[i].slice()));
  }

  checkpoint(): ModeCheckpoint {
    const base = { position: this.finished % this.iterationsPerEpoch, rngState: [], weights: this.weights.slice(), buffers: this.buffers.map((b) => b.slice()) };
    // Averaging: each replica's local optimizer state (TrainStep order), replica after replica.
    if (this.cfg.mode === 'average') return { ...base, optimState: this.replicas.flat(), optimLayout: 'replicas' };
    // Optimizer state as one vector per slot over the whole parameter vector, then the step counter:
    // independent of N, so a run can resume on a different number of slots.
    return { ...base, optimState: flatOptimState(this.sliceState, this.shape), optimLayout: 'flat' };
  }

  restore(c: ModeCheckpoint & { iteration?: number }): void {
    if (c.weights.length !== this.shape.P) throw new DlUserError('DL_BAD_CHECKPOINT', `checkpoint holds ${c.weights.length} weights; the model has ${this.shape.P}`);
    this.weights = c.weights.slice();
    const layout = c.optimLayout ?? 'parameters';
    const want = this.cfg.mode === 'average' ? 'replicas' : 'flat';
    if (c.optimState.length > 0 && layout !== want) {
      const by = { parameters: 'local training (mode: \'local\')', flat: 'distributed training (mode: \'distributed\')', replicas: 'model averaging (mode: \'average\')' }[layout];
      throw new DlUserError('DL_BAD_CHECKPOINT', `this checkpoint was written by ${by}; resume it with that mode`);
    }
    if (want === 'flat' && c.optimState.length > 0) this.sliceState = sliceOptimState(c.optimState, this.shape);
    if (want === 'replicas' && c.optimState.length > 0) {
      const per = c.optimState.length / this.shape.N;
      if (!Number.isInteger(per)) throw new DlUserError('DL_BAD_CHECKPOINT', `this model-averaging checkpoint holds ${c.optimState.length} optimizer arrays, not a multiple of the ${this.shape.N} replicas of this run; resume it on as many slots as wrote it`);
      this.replicas = Array.from({ length: this.shape.N }, (_, i) => c.optimState.slice(i * per, (i + 1) * per).map((a) => a.slice()));
    }
    if (c.buffers.length) this.buffers = c.buffers.map((b) => b.slice());
    this.finished = c.iteration ?? 0;
  }

  async dispose(): Promise<void> {
    const ahead = this.ahead;
    this.ahead = undefined;
    await this.endSegment();
    if (ahead !== undefined) await this.discard(ahead);
    if (!this.ctx.isStopped) {
      await this.ctx.clearExecutorObjects(`dl.train.${this.ctx.appId}.`);
      await this.plans.destroy().catch(() => undefined);
      await this.cached.unpersist();
    }
  }
}

/** Two time splits as one (per-iteration figures weighted by iterations). */
function mergeStats(a: GroupStats | undefined, b: GroupStats): GroupStats {
  if (a === undefined) return structuredClone(b);
  const n = a.iterations + b.iterations;
  const perSlot: GroupStats['perSlot'] = {};
  for (const slot of new Set([...Object.keys(a.perSlot), ...Object.keys(b.perSlot)])) {
    const x = a.perSlot[slot], y = b.perSlot[slot];
    const keys = ['getWeights', 'compute', 'putGradients', 'aggregate', 'update', 'putWeights'] as const;
    perSlot[slot] = Object.fromEntries(keys.map((k) => [k, ((x?.[k] ?? 0) * a.iterations + (y?.[k] ?? 0) * b.iterations) / n])) as GroupStats['perSlot'][string];
  }
  return { iterations: n, wallMs: a.wallMs + b.wallMs, schedulingMs: a.schedulingMs + b.schedulingMs, perSlot };
}

const len = (P: number, N: number, j: number) => {
  const [a, b] = sliceBounds(P, N, j);
  return b - a;
};

/** Whether a failed group is worth re-running: executor and exchange failures are; the user's own errors are not. */
function retriable(e: unknown): boolean {
  const cause = (e as { cause?: { code?: string } }).cause;
  const code = cause?.code ?? (e as { code?: string }).code;
  return !(typeof code === 'string' && code.startsWith('DL_'));
}

/** Per-slice optimizer state -> one full-length vector per slot, then the step counter. */
function flatOptimState(slices: Float32Array[][], s: DistShape): Float32Array[] {
  const nSlots = slices[0].length - 1;
  const out = Array.from({ length: nSlots }, () => new Float32Array(s.P));
  slices.forEach((st, j) => {
    const [a] = sliceBounds(s.P, s.N, j);
    for (let k = 0; k < nSlots; k++) out[k].set(st[k], a);
  });
  return [...out, slices[0][nSlots].slice()];
}

function sliceOptimState(flat: Float32Array[], s: DistShape): Float32Array[][] {
  const nSlots = flat.length - 1;
  return Array.from({ length: s.N }, (_, j) => {
    const [a, b] = sliceBounds(s.P, s.N, j);
    return [...Array.from({ length: nSlots }, (_, k) => flat[k].slice(a, b)), flat[nSlots].slice()];
  });
}
