/**
 * The executor side of distributed training: preparing the cached minibatch partitions, and the
 * tasks of each iteration's two jobs (forward-backward, parameter sync) and of model averaging.
 * Functions here are shipped by moduleRef; what outlives a task (the partition's feed, compiled
 * sessions, the slice's weights and optimizer state) lives in the executor's object cache.
 */
import { DlUserError, labelOutOfRange } from '../errors.ts';
import { describe } from '../sample.ts';
import { loadGradStep, loadSliceUpdate, loadTrainStep, type GradStep, type SliceUpdate, type StepPlan, type TrainStep } from '../compile.ts';
import { contribBlock, partCount, partitionOfPosition, positionOf, sliceBounds, weightBlock, type DistShape } from './layout.ts';
import { Rng } from '../rng.ts';
import { rddBlockId } from '../../engine/storage/BlockManager.ts';
import type { TaskContext } from '../../engine/executor/TaskContext.ts';
import { roundToHalf, type ExchangeDType, type ExchangeEndpoint, type ExchangeRef } from '../../engine/storage/exchange.ts';
import { RDD, type Partition } from '../../engine/rdd/RDD.ts';
import { OneToOneDependency, type Dependency } from '../../engine/rdd/Dependency.ts';
import type { Iter } from '../../engine/rdd/iter.ts';
import { registerShippable } from '../../engine/serde/plan.ts';
import type { ExecutorServices } from '../../engine/serde/rebuild.ts';

/** What preparing the training set needs: the shape, the sample layout and the label check. */
export interface PrepareSpec {
  shape: DistShape;
  shuffle: boolean;
  seed: number;
  featureLength: number;
  /** 1 for number labels; the length of Float32Array labels otherwise. */
  labelLength: number;
  numberLabels: boolean;
  /** Class count when labels are class indices (range-checked), else 0. */
  classes: number;
}

/** One cached record: partition p's minibatch k (`count` samples, row-major features and labels). */
export interface MinibatchRecord {
  k: number;
  count: number;
  x: Float32Array;
  y: Float32Array;
}

/** A piece of partition p's minibatch k from one input partition: `count` samples, row-major. */
export interface SampleChunk {
  count: number;
  x: Float32Array;
  y: Float32Array;
}

/** Buffered sample bytes of an input partition after which its open chunks are sent on. */
const CHUNK_FLUSH_BYTES = 16 << 20;

/**
 * Checks each sample of input partition m and packs it into the chunk of its place: partition p and
 * minibatch k of position q = perm(j) (layout.ts). `offset` is the global index of the partition's
 * first sample (from the count job). Chunks go out whenever CHUNK_FLUSH_BYTES are buffered, so memory
 * stays bounded whatever the input partition's size; a shuffle record is a chunk, not a sample.
 */
export function* chunkSamples(m: number, records: Iterable<unknown>, spec: PrepareSpec, offset: number, M: number): Generator<[number, SampleChunk]> {
  const { shape, featureLength: F, labelLength: L, numberLabels, classes } = spec;
  const { N, B } = shape;
  // open chunks by k * N + p: samples (features, label) in arrival order
  let open = new Map<number, { f: Float32Array[]; l: (number | Float32Array)[] }>();
  let buffered = 0;
  let seq = 0;
  const flush = function* (): Generator<[number, SampleChunk]> {
    if (seq >= 1024) throw new DlUserError('DL_BAD_ARGUMENT', `training data partition ${m} is too large to prepare in one piece (over 1024 x ${CHUNK_FLUSH_BYTES >> 20} MiB); repartition the training RDD into more partitions`);
    const keys = [...open.keys()].sort((a, b) => a - b);
    for (const g of keys) {
      const c = open.get(g)!;
      const k = Math.floor(g / N), p = g - k * N;
      const x = new Float32Array(c.f.length * F), y = new Float32Array(c.f.length * L);
      c.f.forEach((f, r) => x.set(f, r * F));
      c.l.forEach((l, r) => (typeof l === 'number' ? (y[r] = l) : y.set(l, r * L)));
      yield [((k * M + m) * 1024 + seq) * N + p, { count: c.f.length, x, y }];
    }
    open = new Map();
    buffered = 0;
    seq++;
  };
  let j = offset;
  for (const s of records) {
    const where = `training data: sample ${j}`;
    const f = (s as { features?: unknown } | null)?.features;
    const feats = f instanceof Float32Array ? f : Array.isArray(f) && f.length === 1 && f[0] instanceof Float32Array ? f[0] : undefined;
    if (feats === undefined) throw new DlUserError('DL_BAD_SAMPLE', `${where} is ${describe(s)} with features ${describe(f)}, not a Sample with one Float32Array of features`);
    if (feats.length !== F) throw new DlUserError('DL_BAD_SAMPLE', `${where} has ${feats.length} features but sample 0 has ${F}; every sample must have the model's input size`);
    const l = (s as { label: unknown }).label;
    if (numberLabels) {
      if (typeof l !== 'number') throw new DlUserError('DL_BAD_SAMPLE', `${where} has label ${describe(l)} but sample 0 has a number label`);
      if (classes > 0 && !(Number.isInteger(l) && l >= 0 && l < classes)) throw labelOutOfRange(where, l, classes);
    } else if (!(l instanceof Float32Array) || l.length !== L) {
      throw new DlUserError('DL_BAD_SAMPLE', `${where} has label ${describe(l)} but sample 0 has Float32Array(${L}); labels must be all numbers or all Float32Arrays of one length`);
    }
    const q = positionOf(j, shape.n, spec.shuffle, spec.seed);
    const g = Math.floor(q / B) * N + partitionOfPosition(shape, q);
    let c = open.get(g);
    if (c === undefined) open.set(g, (c = { f: [], l: [] }));
    c.f.push(feats);
    c.l.push(l as number | Float32Array);
    buffered += (F + L) * 4;
    if (buffered >= CHUNK_FLUSH_BYTES) yield* flush();
    j++;
  }
  if (open.size > 0) yield* flush();
}

/**
 * Joins a partition's chunks (sorted by key: by minibatch, then input partition) into its K minibatch
 * records, one per iteration of an epoch (empty ones too), each with exactly the samples layout.ts
 * gives it.
 */
export function* minibatchRecords(index: number, sorted: Iterable<[number, SampleChunk]>, spec: PrepareSpec, M: number): Generator<MinibatchRecord> {
  const { shape, featureLength: F, labelLength: L } = spec;
  const { N } = shape;
  let k = 0;
  let rec = newRecord(shape, index, 0, F, L);
  let fill = 0;
  const done = function* (): Generator<MinibatchRecord> {
    if (fill !== rec.count) throw new DlUserError('DL_BAD_SAMPLE', `training data changed while it was prepared: partition ${index} minibatch ${rec.k} got ${fill} samples, expected ${rec.count}; the training RDD must give the same records every time it is computed`);
    yield rec;
  };
  for (const [key, chunk] of sorted) {
    const kc = Math.floor(Math.floor(key / N) / (M * 1024));
    while (k < kc) {
      yield* done();
      k++;
      rec = newRecord(shape, index, k, F, L);
      fill = 0;
    }
    if (fill + chunk.count > rec.count) throw new DlUserError('DL_BAD_SAMPLE', `training data changed while it was prepared: partition ${index} minibatch ${k} got more than ${rec.count} samples`);
    rec.x.set(chunk.x, fill * F);
    rec.y.set(chunk.y, fill * L);
    fill += chunk.count;
  }
  for (;;) {
    yield* done();
    k++;
    if (k >= shape.K) return;
    rec = newRecord(shape, index, k, F, L);
    fill = 0;
  }
}

/** Per input partition: its sample count, and its first sample (for the data's shape). */
export function* countPartition(records: Iterable<unknown>): Generator<{ count: number; first: unknown }> {
  let count = 0;
  let first: unknown;
  for (const r of records) {
    if (count === 0) first = r;
    count++;
  }
  yield { count, first };
}

function newRecord(shape: DistShape, p: number, k: number, F: number, L: number): MinibatchRecord {
  const count = partCount(shape, p, k);
  return { k, count, x: new Float32Array(count * F), y: new Float32Array(count * L) };
}

/** What the driver knows after caching: minibatch records and samples per partition, and whether its block is in memory or spilled to disk. */
export function* summarizePartition(records: Iterable<MinibatchRecord>, tc: TaskContext, cachedRddId: number): Generator<{ records: number; samples: number; inMemory: boolean }> {
  let n = 0, s = 0;
  for (const r of records) {
    n++;
    s += r.count;
  }
  yield { records: n, samples: s, inMemory: tc.blocks.inMemory(rddBlockId(cachedRddId, tc.partitionId)) };
}

// ---- iteration tasks ----

/** A job of one group, as every task of it gets it. */
export interface PhaseSpec {
  runId: string;
  phase: 'fb' | 'sync' | 'local' | 'average';
  /** Global iteration (fb/sync) or round (local/average) this job runs, 1-based. */
  t: number;
  /** Iterations (or rounds) finished when this segment of groups started: t - 1 === start reads the init broadcast. */
  start: number;
  shape: DistShape;
  slots: readonly string[];
  exchange: ExchangeRef;
  exchangeDtype: ExchangeDType;
  cachedRddId: number;
  shuffle: boolean;
  seed: number;
  featureLength: number;
  labelLength: number;
  /** Samples per shuffle window of a partition (see Feed). */
  windowRecords: number;
  /** Learning rate of each iteration this job trains (sync: one; local: tau). */
  lrs: number[];
  /** Model averaging: local steps per round. */
  tau: number;
  /** The last job of its kind in the group returns the state the driver keeps. */
  returnState: boolean;
  /** Test hook: forward-backward reads weights this many iterations older than it should (0 in training). */
  staleness: number;
  threads: number;
}

/** What the init broadcast holds at the start of a segment: weights, each slice's optimizer state, buffers. */
export interface InitState {
  weights: Float32Array;
  /** Per slice: its optimizer slots then the step counter (SliceUpdate order); empty for averaging. */
  slices: Float32Array[][];
  buffers: Float32Array[];
  /** Model averaging: each replica's local optimizer state (TrainStep order), if any. */
  replicas: Float32Array[][];
}

/** What a task reports through the run's accumulator. */
export interface PhaseReport {
  t: number;
  phase: PhaseSpec['phase'];
  partition: number;
  slot: string;
  /** ms: waiting for and copying in weights or contributions, compute (ORT), putting blocks. */
  getMs: number;
  computeMs: number;
  putMs: number;
  runMs: number;
  /** Sync/average task 0: the iteration's mean loss and samples. */
  loss?: number;
  count?: number;
  /** Local steps: loss sum and samples of the round. */
  lossSum?: number;
}

/** What the last sync (or average) job of a group returns per slice, and the last fb job's partition 0 its buffers. */
export type PhaseResult = { j: number; weights: Float32Array; optim: Float32Array[] } | { buffers: Float32Array[]; replica?: { i: number; optim: Float32Array[] } } | null;

interface Accum {
  add(v: unknown): void;
}
interface Bcast<T> {
  readonly value: T;
}

/**
 * A partition's minibatches, epoch by epoch. Samples are permuted within windows of `windowRecords`
 * consecutive records (a seeded permutation per epoch, partition and window), so the batches are the
 * same whether the cached block is in memory (records held by reference) or on disk (streamed, one
 * window held at a time). Without shuffling, record k is minibatch k as it is.
 */
class Feed {
  private records: MinibatchRecord[] | undefined;
  private open: (() => Iterator<MinibatchRecord>) | undefined;
  private stream: Iterator<MinibatchRecord> | undefined;
  /** Next record index the stream yields. */
  private streamK = 0;
  private window: MinibatchRecord[] = [];
  private windowStart = -1;
  private windowEpoch = -1;
  /** Per sample of the window in permuted order: record index in the window and row. */
  private order: Int32Array = new Int32Array(0);
  private starts: number[] = [];
  private readonly x: Float32Array;
  private readonly y: Float32Array;

  constructor(private readonly spec: PhaseSpec, private readonly p: number) {
    const maxCount = Math.ceil(spec.shape.B / spec.shape.N) + 1;
    this.x = new Float32Array(maxCount * spec.featureLength);
    this.y = new Float32Array(maxCount * spec.labelLength);
  }

  /**
   * Sets where this task reads the cached partition from: `open` gives a fresh iterator over it (the
   * task's), `inMemory` whether the block is in the memory store. In memory, the records are taken by
   * reference once; on disk, the feed streams them, reopening when it must go back (a new epoch).
   */
  attach(open: () => Iterator<MinibatchRecord>, inMemory: boolean): void {
    this.open = open;
    if (this.records !== undefined || !inMemory) return;
    const it = open();
    const records: MinibatchRecord[] = [];
    for (let r = it.next(); !r.done; r = it.next()) records.push(r.value);
    if (records.length !== this.spec.shape.K) throw new DlUserError('DL_BAD_SAMPLE', `partition ${this.p} holds ${records.length} minibatches, expected ${this.spec.shape.K}`);
    this.records = records;
    this.closeStream();
  }

  private closeStream(): void {
    this.stream?.return?.();
    this.stream = undefined;
  }

  private windowStartOf(k: number): number {
    return this.spec.shuffle ? k - (k % this.spec.windowRecords) : k;
  }

  private record(k: number): MinibatchRecord {
    if (this.records !== undefined) return this.records[k];
    if (this.stream === undefined || this.streamK > k) {
      this.closeStream();
      this.stream = this.open!();
      this.streamK = 0;
    }
    const s = this.stream;
    for (;;) {
      const r = s.next();
      if (r.done) throw new DlUserError('DL_BAD_SAMPLE', `partition ${this.p} ended at minibatch ${this.streamK}, expected ${this.spec.shape.K}`);
      this.streamK++;
      if (r.value.k === k) {
        if (this.streamK >= this.spec.shape.K) this.closeStream();
        return r.value;
      }
    }
  }

  /** Minibatch of global iteration index `g` (0-based): views valid until the next call. */
  batch(g: number): { x: Float32Array; y: Float32Array; count: number } {
    const { K } = this.spec.shape;
    const epoch = Math.floor(g / K);
    const k = g % K;
    if (!this.spec.shuffle) {
      const r = this.record(k);
      return { x: r.x, y: r.y, count: r.count };
    }
    const ws = this.windowStartOf(k);
    if (ws !== this.windowStart || epoch !== this.windowEpoch) this.loadWindow(ws, epoch);
    const r = this.window[k - ws];
    const start = this.starts[k - ws];
    const F = this.spec.featureLength, L = this.spec.labelLength;
    for (let s = 0; s < r.count; s++) {
      const code = this.order[start + s];
      const src = this.window[code >>> 16];
      const row = code & 0xffff;
      this.x.set(src.x.subarray(row * F, (row + 1) * F), s * F);
      this.y.set(src.y.subarray(row * L, (row + 1) * L), s * L);
    }
    return { x: this.x.subarray(0, r.count * F), y: this.y.subarray(0, r.count * L), count: r.count };
  }

  private loadWindow(ws: number, epoch: number): void {
    const end = Math.min(ws + this.spec.windowRecords, this.spec.shape.K);
    if (ws !== this.windowStart) {
      this.window = [];
      for (let k = ws; k < end; k++) this.window.push(this.record(k));
    }
    this.windowStart = ws;
    this.windowEpoch = epoch;
    let total = 0;
    this.starts = this.window.map((r) => {
      const s = total;
      total += r.count;
      return s;
    });
    // samples coded as (record in window << 16 | row): a record holds at most ceil(B / N) samples
    const order = new Int32Array(total);
    let o = 0;
    this.window.forEach((r, w) => { for (let row = 0; row < r.count; row++) order[o++] = (w << 16) | row; });
    new Rng(((this.spec.seed * 1000003 + epoch) * 8191 + this.p) * 131 + ws).shuffle(order);
    this.order = order;
  }

  dispose(): void {
    this.closeStream();
  }
}

/** What one slot keeps between the tasks of a run. */
interface SlotState {
  feed: Feed;
  grad?: GradStep;
  train?: TrainStep;
  slice?: SliceUpdate;
  /** Slice j's master weights (sync/average tasks). */
  sliceWeights?: Float32Array;
  /** The full weight vector an fb task reads into. */
  w: Float32Array;
}

async function slotState(tc: TaskContext, spec: PhaseSpec, p: number): Promise<SlotState> {
  return tc.objectCache.getOrCreate<SlotState>(`dl.train.${spec.runId}.${p}`, () => {
    return { feed: new Feed(spec, p), w: new Float32Array(spec.shape.P) };
  }, async (s) => {
    s.feed.dispose();
    await s.grad?.dispose();
    await s.train?.dispose();
    await s.slice?.dispose();
  });
}

/** Reads the full weight vector of version v (or the init broadcast's at the segment start) into `w`. */
async function readWeights(ex: ExchangeEndpoint, spec: PhaseSpec, v: number, init: Bcast<InitState>, w: Float32Array): Promise<void> {
  if (v <= spec.start) {
    w.set(init.value.weights);
    // the segment's first read delivers what a float16 exchange would, as every later read does
    if (spec.exchangeDtype === 'float16') roundToHalf(w);
    return;
  }
  const { P, N } = spec.shape;
  for (let j = 0; j < N; j++) {
    const [a, b] = sliceBounds(P, N, j);
    await ex.get(weightBlock(N, j, v), v, w.subarray(a, b));
  }
}

/** Puts partition p's contribution to every slice: values[a..b) of each slice (straight from the step's output), then count and loss sum. */
async function putContributions(ex: ExchangeEndpoint, spec: PhaseSpec, p: number, values: Float32Array | undefined, count: number, lossSum: number): Promise<void> {
  const { P, N } = spec.shape;
  const tail = Float32Array.of(count, lossSum);
  for (let j = 0; j < N; j++) {
    const [a, b] = sliceBounds(P, N, j);
    // a partition with no samples this iteration contributes zeros with count 0
    const part = values !== undefined ? values.subarray(a, b) : new Float32Array(b - a);
    await ex.put(contribBlock(N, p, j, spec.t, 1 + spec.staleness), spec.t, [part, tail]);
  }
}

/**
 * Waits for every partition's contribution to slice j of version t and returns their count-weighted
 * mean (gradients: the global minibatch's mean gradient; averaging: the mean of the replicas' weights),
 * with the total count and loss sum.
 */
const NO_SCRATCH = new Float32Array(0);

async function gatherSlice(ex: ExchangeEndpoint, spec: PhaseSpec, j: number, into: Float32Array): Promise<{ count: number; lossSum: number }> {
  const { P, N } = spec.shape;
  const [a, b] = sliceBounds(P, N, j);
  const len = b - a;
  // float32 blocks are read in place; float16 ones are decoded into a buffer each
  const scratch = () => (spec.exchangeDtype === 'float16' ? new Float32Array(len + 2) : NO_SCRATCH);
  let count = 0, lossSum = 0;
  // Counts first (the blocks' tails), then one pass per partition: the first assigns, the last also
  // divides. A fixed order (partition 0, 1, ...) keeps the sums, and so the run, deterministic.
  const blocks: Float32Array[] = [];
  for (let i = 0; i < N; i++) {
    const buf = await ex.read(contribBlock(N, i, j, spec.t, 1 + spec.staleness), spec.t, scratch());
    blocks.push(buf);
    count += buf[len];
    lossSum += buf[len + 1];
  }
  if (count === 0) {
    into.fill(0);
    return { count, lossSum };
  }
  const inv = 1 / count;
  const live = blocks.filter((buf) => buf[len] > 0);
  live.forEach((buf, n) => {
    const c = buf[len];
    const first = n === 0, last = n === live.length - 1;
    if (first && last) for (let k = 0; k < len; k++) into[k] = c * buf[k] * inv;
    else if (first) for (let k = 0; k < len; k++) into[k] = c * buf[k];
    else if (last) for (let k = 0; k < len; k++) into[k] = (into[k] + c * buf[k]) * inv;
    else for (let k = 0; k < len; k++) into[k] += c * buf[k];
  });
  return { count, lossSum };
}

/**
 * One task of a training job: partition p of the cached minibatch RDD, on its pinned slot. Yields the
 * state the driver keeps when `spec.returnState`, else nothing.
 */
export async function* runPhase(
  p: number, open: () => Iterator<MinibatchRecord>, tc: TaskContext, spec: PhaseSpec,
  plans: Bcast<{ grad?: StepPlan; train?: StepPlan; slices?: StepPlan[] }>, init: Bcast<InitState>, acc: Accum,
): AsyncGenerator<PhaseResult> {
  const t0 = performance.now();
  const st = await slotState(tc, spec, p);
  const ex = tc.exchange(spec.exchange);
  const report: PhaseReport = { t: spec.t, phase: spec.phase, partition: p, slot: tc.executorId, getMs: 0, computeMs: 0, putMs: 0, runMs: 0 };
  const { P, N, K } = spec.shape;
  const threads = spec.threads > 0 ? spec.threads : (tc.executor.coresPerTask ?? 1);

  if (spec.phase === 'fb' || spec.phase === 'local') {
    const g0 = spec.phase === 'fb' ? spec.t - 1 : (spec.t - 1) * spec.tau;
    st.feed.attach(open, tc.blocks.inMemory(rddBlockId(spec.cachedRddId, p)));
    let t1 = performance.now();
    await readWeights(ex, spec, spec.t - 1 - spec.staleness, init, st.w);
    report.getMs = performance.now() - t1;
    let count = 0, lossSum = 0;
    let out: Float32Array | undefined;
    t1 = performance.now();
    if (spec.phase === 'fb') {
      st.grad ??= await loadGradStep(plans.value.grad!, { threads });
      if (spec.t - 1 === spec.start && init.value.buffers.length) st.grad.setBuffers(init.value.buffers);
      const b = st.feed.batch(g0);
      if (b.count > 0) {
        const r = await st.grad.run(st.w, b.x, b.y, b.count, g0 * N + p);
        out = r.grad;
        count = b.count;
        lossSum = r.loss * b.count;
      }
    } else {
      st.train ??= await loadTrainStep(plans.value.train!, { threads });
      if (spec.t - 1 === spec.start) {
        const rep = init.value.replicas[p];
        if (rep !== undefined) st.train.setOptimState(rep);
        if (init.value.buffers.length) st.train.setBuffers(init.value.buffers);
      }
      st.train.setWeights(st.w);
      for (let s = 0; s < spec.tau; s++) {
        const b = st.feed.batch(g0 + s);
        if (b.count === 0) continue;
        lossSum += (await st.train.step(b.x, b.y, b.count, spec.lrs[s])) * b.count;
        count += b.count;
      }
      // a replica that trained on nothing contributes its weights with weight 0
      out = st.train.getWeights();
    }
    report.computeMs = performance.now() - t1;
    t1 = performance.now();
    await putContributions(ex, spec, p, out, count, lossSum);
    report.putMs = performance.now() - t1;
    if (spec.phase === 'local') {
      report.count = count;
      report.lossSum = lossSum;
    }
    report.runMs = performance.now() - t0;
    acc.add(report);
    if (spec.returnState) {
      if (spec.phase === 'local') yield { buffers: p === 0 ? st.train!.getBuffers() : [], replica: { i: p, optim: st.train!.getOptimState() } };
      else if (p === 0) yield { buffers: st.grad!.getBuffers() };
    }
    return;
  }

  // sync (optimizer on slice j = p) or average (mean of the replicas' slice): no data read
  const j = p;
  const [a, b] = sliceBounds(P, N, j);
  if (spec.phase === 'sync') st.slice ??= await loadSliceUpdate(plans.value.slices![j], { threads });
  if (spec.t - 1 === spec.start) {
    st.sliceWeights = init.value.weights.slice(a, b);
    if (st.slice) st.slice.setOptimState(init.value.slices[j]);
  }
  let t1 = performance.now();
  const mean = new Float32Array(b - a);
  const { count, lossSum } = await gatherSlice(ex, spec, j, mean);
  report.getMs = performance.now() - t1;
  t1 = performance.now();
  if (spec.phase === 'sync') {
    if (count > 0) st.sliceWeights = await st.slice!.run(st.sliceWeights!, mean, spec.lrs[0]);
  } else if (count > 0) {
    st.sliceWeights = mean;
  }
  report.computeMs = performance.now() - t1;
  t1 = performance.now();
  await ex.put(weightBlock(N, j, spec.t), spec.t, st.sliceWeights!);
  report.putMs = performance.now() - t1;
  if (j === 0) {
    report.loss = count > 0 ? lossSum / count : NaN;
    report.count = count;
  }
  report.runMs = performance.now() - t0;
  acc.add(report);
  if (spec.returnState) yield { j, weights: st.sliceWeights!.slice(), optim: st.slice ? st.slice.getOptimState() : [] };
}

/** Where the executors find a job's broadcasts and accumulator (plain data: the handles are made on each executor). */
export interface PhaseHandles {
  plans: { id: number; location: string };
  init: { id: number; location: string };
  acc: number;
}

/**
 * One training job: partition p of the cached minibatch RDD runs `runPhase` on its slot. A registered
 * RDD kind rather than a shipped function, so a group of hundreds of jobs costs the driver no
 * closure check or function rebuild per job: only these fields travel.
 */
export class TrainPhaseRDD extends RDD<PhaseResult> {
  private _plans: Bcast<{ grad?: StepPlan; train?: StepPlan; slices?: StepPlan[] }> | undefined;
  private _init: Bcast<InitState> | undefined;
  private _acc: Accum | undefined;

  constructor(readonly prev: RDD<MinibatchRecord>, readonly spec: PhaseSpec, readonly handles: PhaseHandles) {
    super(prev.context);
  }

  protected getPartitions(): Partition[] {
    return this.prev.partitions;
  }

  protected getDependencies(): Dependency[] {
    return [new OneToOneDependency(this.prev)];
  }

  async executorInit(svc: ExecutorServices): Promise<void> {
    const h = this.handles;
    this._plans = svc.broadcastHandle(h.plans.id, h.plans.location) as Bcast<{ grad?: StepPlan; train?: StepPlan; slices?: StepPlan[] }>;
    this._init = svc.broadcastHandle(h.init.id, h.init.location) as Bcast<InitState>;
    this._acc = svc.accumulatorHandle(h.acc, 'collection') as Accum;
  }

  compute(split: Partition, tc: TaskContext): Iter<PhaseResult> {
    return runPhase(split.index, () => this.prev.iterator(split, tc) as Iterator<MinibatchRecord>, tc, this.spec, this._plans!, this._init!, this._acc!);
  }
}

registerShippable('dl.TrainPhaseRDD', TrainPhaseRDD, import.meta.url);
