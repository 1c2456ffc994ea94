/** FlintContext: the driver's entry point; parses the master, starts the executors, creates RDDs from sources, broadcasts and accumulators, and runs jobs. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { engineError } from './catalogue.ts';
import { FlintConf } from './conf.ts';
import { Accumulator, CollectionAccumulator, DoubleAccumulator, LongAccumulator } from './Accumulator.ts';
import { Broadcast, createBroadcastFactory, type BroadcastFactory } from './broadcast/Broadcast.ts';
import type { AccUpdate } from './executor/TaskContext.ts';
import { callSite, type EnvValue, type ShippedFn } from './serde/closure.ts';
import { estimateSize } from './serde/keys.ts';
import { DAGScheduler } from './scheduler/DAGScheduler.ts';
import { MapOutputTracker } from './scheduler/MapOutputTracker.ts';
import { TaskScheduler, type TaskTimelineEntry } from './scheduler/TaskScheduler.ts';
import { LocalBackend } from './scheduler/backends/LocalBackend.ts';
import { LocalClusterBackend } from './scheduler/backends/LocalClusterBackend.ts';
import type { SchedulerBackend } from './scheduler/backends/SchedulerBackend.ts';
import type { JobOptions } from './scheduler/stages.ts';
import { checkLayout, type ExchangeLayout, type ExchangeRef } from './storage/exchange.ts';
import { ConsoleProgressBar } from './ui/ConsoleProgressBar.ts';
import { shuffleManager, type ShuffleManager } from './shuffle/index.ts';
import { RDD } from './rdd/RDD.ts';
import { ParallelCollectionRDD } from './rdd/ParallelCollectionRDD.ts';
import { RangeRDD } from './rdd/RangeRDD.ts';
import { EmptyRDD } from './rdd/EmptyRDD.ts';
import { SourceRDD } from './rdd/SourceRDD.ts';
import { UnionRDD } from './rdd/UnionRDD.ts';
import { CheckpointRDD } from './rdd/CheckpointRDD.ts';
import { lookupFormat, registeredFormatUrls } from './sources.ts';
import { FRAMED_OPS, unframe } from './executor/resultOps.ts';
import './rdd/all.ts';

/** Options of FlintContext.create. */
/** One job of `submitJobs`: what `runJob` takes. */
export interface JobSpec {
  rdd: RDD<any>;
  op: string;
  params: Record<string, unknown>;
  partitions?: number[];
  opts?: JobOptions;
}

export type { JobOptions };

/** The driver's handle on a block exchange (`ctx.createExchange`). */
export interface ExchangeHandle {
  readonly ref: ExchangeRef;
  abort(): void;
  destroy(): Promise<void>;
}

export interface FlintContextOptions {
  /**
   * `local`, `local[N]`, `local[*]`, `local[N,F]` (F = max task failures), or
   * `local-cluster[N,cores,memMB]` (N executor processes). Default `local[*]`.
   */
  master?: string;
  appName?: string;
  conf?: Record<string, unknown> | FlintConf;
}

/** A parsed master URL. `slots` is the total number of task slots. */
export type MasterSpec =
  | { kind: 'local'; slots: number; maxFailures: number }
  | { kind: 'local-cluster'; executors: number; cores: number; memMB: number; slots: number; maxFailures: number };

/** Parses a master URL (local modes and local-cluster; remote cluster masters are not implemented yet). */
export function parseMaster(master: string): MasterSpec {
  if (typeof master !== 'string') {
    throw engineError('BAD_MASTER', `master must be a string such as 'local[2]'; got ${typeof master}; use local, local[N], local[*], local[N,F] or local-cluster[N,cores,memMB]`);
  }
  const m = /^local(?:\[(\*|\d+)(?:\s*,\s*(\d+))?\])?$/.exec(master.trim());
  if (m !== null) {
    const slots = m[1] === undefined ? 1 : m[1] === '*' ? availableParallelism() : Number(m[1]);
    const maxFailures = m[2] === undefined ? 1 : Number(m[2]);
    if (slots < 1) throw engineError('BAD_MASTER', `master '${master}': the number of task slots must be at least 1 (local[N], N >= 1)`);
    if (maxFailures < 1) throw engineError('BAD_MASTER', `master '${master}': the number of task failures allowed must be at least 1 (local[N,F], F >= 1)`);
    return { kind: 'local', slots, maxFailures };
  }
  const c = /^local-cluster\[\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\]$/.exec(master.trim());
  if (c !== null) {
    const [executors, cores, memMB] = [Number(c[1]), Number(c[2]), Number(c[3])];
    if (executors < 1 || cores < 1 || memMB < 64) {
      throw engineError('BAD_MASTER', `master '${master}': local-cluster[N,cores,memMB] needs N >= 1 executors, cores >= 1 and memMB >= 64`);
    }
    // As a Spark cluster (spark.task.maxFailures = 4): executor processes can be lost and replaced.
    return { kind: 'local-cluster', executors, cores, memMB, slots: executors * cores, maxFailures: 4 };
  }
  if (/^local-cluster/.test(master)) {
    throw engineError('BAD_MASTER', `master '${master}' is not valid; write local-cluster[N,cores,memMB], e.g. local-cluster[2,1,1024]`);
  }
  if (/^flint:\/\//.test(master)) {
    throw engineError('NOT_IMPLEMENTED', `master '${master}': remote cluster masters are not implemented yet; use local[N] or local-cluster[N,cores,memMB]`);
  }
  throw engineError('BAD_MASTER', `master '${master}' is not valid; use local, local[N], local[*], local[N,F] (N task slots, F attempts per task) or local-cluster[N,cores,memMB]`);
}

let nextAppId = 0;

/**
 * What `memMB` of local-cluster[N,cores,memMB] means: the memory one executor process may hold for
 * the application. Each of its `cores` slot threads gets an equal share as its V8 heap limit, and the
 * engine's own holdings are fractions of that share, as Spark's unified memory is of the heap: the
 * block store (cached partitions) 30%, the shuffle writer/reader before spilling 20%, the rest for
 * user code and the runtime. flint.storage.memoryBytes and flint.shuffle.memoryBytes still apply per
 * slot where they are smaller. Typed arrays live outside V8's heap, so the budgets, which count them,
 * are what keeps an executor's resident memory near memMB.
 */
export function executorMemory(memMB: number, cores: number, storageMemoryBytes: number, shuffleMemoryBytes: number): { slotHeapMB: number; storageMemoryBytes: number; shuffleMemoryBytes: number } {
  const share = (memMB * 2 ** 20) / cores;
  return {
    slotHeapMB: Math.max(32, Math.floor(memMB / cores)),
    storageMemoryBytes: Math.min(storageMemoryBytes, Math.floor(share * EXECUTOR_STORAGE_FRACTION)),
    shuffleMemoryBytes: Math.max(1, Math.min(shuffleMemoryBytes, Math.floor(share * EXECUTOR_SHUFFLE_FRACTION))),
  };
}

/** Shares of an executor slot's memory (memMB / cores) for the block store and for the shuffle. */
const EXECUTOR_STORAGE_FRACTION = 0.3;
const EXECUTOR_SHUFFLE_FRACTION = 0.2;

/** Contexts not stopped yet: what the exit and signal hooks clean up. */
const liveContexts = new Set<FlintContext>();
let exitHooksInstalled = false;

/**
 * Process hooks (installed once): `beforeExit` (the program finished without `ctx.stop()`) stops
 * every live context; `exit` (also after `process.exit()`) and SIGINT/SIGTERM/SIGHUP (when no other
 * listener handles them) kill executor processes and delete local directories synchronously. A
 * SIGKILLed driver cannot clean up: its executors exit when their IPC channel closes, and the next
 * context on the host sweeps its directory (sweepStaleLocalDirs).
 */
function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('beforeExit', () => {
    for (const c of [...liveContexts]) void c.stop().catch(() => undefined);
  });
  process.on('exit', () => {
    for (const c of [...liveContexts]) c.abandon();
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      // Another listener owns this signal's handling (it may stop contexts itself); 'exit' still cleans up.
      if (process.listenerCount(sig) > 1) return;
      for (const c of [...liveContexts]) c.abandon();
      process.removeListener(sig, onSignal);
      process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

/** Whether process `pid` exists (EPERM: it does, owned by someone else). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}

/**
 * Removes local directories under `parent` left by drivers that died without cleaning up (SIGKILL,
 * a crash): their names carry the driver's pid (`flint-app-<pid>-...`), and a pid that no longer
 * exists owns nothing. Returns the directories removed.
 */
export function sweepStaleLocalDirs(parent: string): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = /^flint-app-(\d+)-/.exec(name);
    if (m === null) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || pidAlive(pid)) continue;
    try {
      rmSync(join(parent, name), { recursive: true, force: true });
      removed.push(name);
    } catch {
      // Another process may be sweeping the same directory; whatever is left goes next time.
    }
  }
  return removed;
}

/** How long stop() waits for executors to dispose their cached objects. */
const STOP_DISPOSE_WAIT_MS = 2000;

/**
 * The driver-side context. Create with `await FlintContext.create(...)` and `await ctx.stop()` when
 * done (it stops the executor threads and deletes the local directory).
 */
export class FlintContext {
  readonly conf: FlintConf;
  readonly master: string;
  readonly appName: string;
  readonly appId: string;
  /** Where shuffle files, broadcast values and spilled blocks live while the context runs. */
  readonly localDir: string;
  readonly dagScheduler: DAGScheduler;
  readonly backend: SchedulerBackend;
  private readonly taskScheduler: TaskScheduler;
  private readonly tracker = new MapOutputTracker();
  private readonly broadcastFactory: BroadcastFactory;
  /** The shuffle implementation (flint.shuffle.manager); the driver uses it to delete shuffles' files. */
  private readonly shuffleManager: ShuffleManager;
  /**
   * Accumulators by id, held weakly (Spark's AccumulatorContext): one the application dropped cannot
   * be read, so its updates need not be merged, and a loop creating accumulators does not grow this.
   */
  private readonly accumulators = new Map<number, WeakRef<Accumulator<unknown, unknown>>>();
  private readonly accumulatorCleaner = new FinalizationRegistry<number>((id) => {
    if (this.accumulators.get(id)?.deref() === undefined) this.accumulators.delete(id);
  });
  private readonly progressBar: ConsoleProgressBar | undefined;
  private readonly spec: MasterSpec;
  private nextRddId = 0;
  private nextShuffleId = 0;
  private nextBroadcastId = 0;
  private nextExchangeId = 0;
  private nextAccumulatorId = 0;
  private nextOutputId = 0;
  private stopped = false;
  /** Jobs in flight; while any is, a timer holds the event loop (nothing else may: see stop()). */
  private activeJobs = 0;
  private keepAlive: ReturnType<typeof setInterval> | undefined;
  /** Shipped functions with large env values, and their versions that carry those values as broadcasts. */
  private readonly envBroadcasts = new WeakMap<ShippedFn, { fn: ShippedFn; keep: Broadcast<unknown>[] }>();
  private _checkpointDir: string | undefined;
  /**
   * The context cleaner (Spark's ContextCleaner): when a shuffled RDD or a persisted RDD is garbage
   * collected, its shuffle files and map statuses, or its cached blocks, are removed everywhere.
   */
  private readonly cleaner = new FinalizationRegistry<{ kind: 'shuffle' | 'rdd' | 'broadcast'; id: number; location?: string }>((what) => {
    if (this.stopped) return;
    if (what.kind === 'rdd') void this.removeRdd(what.id).catch(() => undefined);
    else if (what.kind === 'shuffle') void this.removeShuffleEverywhere(what.id).catch(() => undefined);
    else {
      this.broadcastFactory.remove(what.location!);
      void this.controlAll('dropBroadcast', what.id).catch(() => undefined);
    }
  });
  private readonly persisted = new Set<number>();

  private constructor(conf: FlintConf, master: string, appName: string, spec: MasterSpec, appId: string, localDir: string, backend: SchedulerBackend) {
    this.conf = conf;
    this.master = master;
    this.appName = appName;
    this.spec = spec;
    this.appId = appId;
    this.localDir = localDir;
    this.backend = backend;
    this.broadcastFactory = createBroadcastFactory(conf.getString('flint.broadcast.factory'), this.localDir);
    this.shuffleManager = shuffleManager(conf.getString('flint.shuffle.manager'));
    this.taskScheduler = new TaskScheduler(this.backend, this.tracker, (e) => this.dagScheduler.post(e), this.conf.getNumber('flint.locality.wait'), {
      enabled: conf.getBoolean('flint.speculation'),
      intervalMs: conf.getNumber('flint.speculation.interval'),
      quantile: conf.getNumber('flint.speculation.quantile'),
      multiplier: conf.getNumber('flint.speculation.multiplier'),
      minTaskRuntimeMs: conf.getNumber('flint.speculation.minTaskRuntime'),
    });
    this.dagScheduler = new DAGScheduler(this.tracker, this.taskScheduler, () => this.conf.getNumber('flint.task.maxFailures'), (u) => this.mergeAccumulators(u));
    this.dagScheduler.planFunctionMapper = (f) => this.shipLargeEnv(f);
    if (process.stderr.isTTY && this.conf.getBoolean('flint.ui.showProgress')) {
      this.progressBar = new ConsoleProgressBar(() => this.dagScheduler.progress());
      this.progressBar.start();
    }
  }

  /** Starts a context: parses the master and starts its executors and task slots. */
  static async create(opts: FlintContextOptions = {}): Promise<FlintContext> {
    const conf = opts.conf instanceof FlintConf ? opts.conf : new FlintConf(opts.conf);
    const master = opts.master ?? 'local[*]';
    const spec = parseMaster(master);
    if (!conf.has('flint.task.maxFailures')) conf.set('flint.task.maxFailures', spec.maxFailures);
    conf.validate();
    const appId = `app-${process.pid}-${Date.now().toString(36)}-${nextAppId++}`;
    const parent = conf.getString('flint.local.dir') || tmpdir();
    mkdirSync(parent, { recursive: true });
    sweepStaleLocalDirs(parent);
    const localDir = mkdtempSync(join(parent, `flint-${appId}-`));
    const base = {
      localDir,
      shuffleMemoryBytes: conf.getNumber('flint.shuffle.memoryBytes'),
      storageMemoryBytes: conf.getNumber('flint.storage.memoryBytes'),
      coresPerTask: 1,
      cpuStats: conf.getBoolean('flint.task.cpuStats'),
      shuffleManager: conf.getString('flint.shuffle.manager'),
      broadcastFactory: conf.getString('flint.broadcast.factory'),
    };
    installExitHooks();
    let backend: SchedulerBackend;
    try {
      if (spec.kind === 'local') backend = new LocalBackend(spec.slots, base);
      else {
        const mem = executorMemory(spec.memMB, spec.cores, base.storageMemoryBytes, base.shuffleMemoryBytes);
        backend = await LocalClusterBackend.start(spec.executors, spec.cores, { ...base, storageMemoryBytes: mem.storageMemoryBytes, shuffleMemoryBytes: mem.shuffleMemoryBytes }, {
          heartbeatIntervalMs: conf.getNumber('flint.executor.heartbeatInterval'),
          networkTimeoutMs: conf.getNumber('flint.network.timeout'),
          restartAttempts: conf.getNumber('flint.executor.restartAttempts'),
          slotHeapMB: mem.slotHeapMB,
        });
      }
    } catch (e) {
      rmSync(localDir, { recursive: true, force: true });
      throw e;
    }
    const ctx = new FlintContext(conf, master, opts.appName ?? 'flint', spec, appId, localDir, backend);
    liveContexts.add(ctx);
    // Start every slot's thread, load the executor and the preloaded formats before the first job, as Spark starts executors.
    const formats = ctx.preloadFormatUrls();
    await Promise.all([ctx.controlAll('preload', formats), ...formats.map((u) => import(u).catch(() => undefined))]);
    return ctx;
  }

  /** Module URLs of the registered formats named by flint.executor.preloadFormats (unregistered names are skipped). */
  private preloadFormatUrls(): string[] {
    const names = this.conf.getString('flint.executor.preloadFormats').split(',').map((n) => n.trim()).filter((n) => n !== '');
    const registered = new Set(registeredFormatUrls());
    const urls: string[] = [];
    for (const name of names) {
      try {
        const url = lookupFormat(name);
        if (registered.has(url)) urls.push(url);
      } catch {
        // A format that is not registered in this process is simply not preloaded.
      }
    }
    return urls;
  }

  /** Default partition count of parallelize and shuffles: flint.default.parallelism, else the number of task slots. */
  get defaultParallelism(): number {
    const n = this.conf.getNumber('flint.default.parallelism', 0);
    return n > 0 ? n : this.spec.slots;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  newRddId(): number {
    this.assertRunning();
    return this.nextRddId++;
  }

  newShuffleId(): number {
    return this.nextShuffleId++;
  }

  private assertRunning(): void {
    if (this.stopped) throw engineError('CONTEXT_STOPPED', `FlintContext ${this.appId} (${this.appName}) was stopped; create a new one with FlintContext.create()`);
  }

  // ---- sources ----

  /** An RDD of `data`, cut into `numSlices` contiguous slices (Spark's rule). */
  parallelize<T>(data: Iterable<T>, numSlices = this.defaultParallelism): RDD<T> {
    if (!Number.isInteger(numSlices) || numSlices < 1) throw engineError('BAD_ARGUMENT', `parallelize numSlices must be a positive integer; got ${numSlices}`);
    if (data === null || data === undefined || typeof (data as Iterable<T>)[Symbol.iterator] !== 'function') {
      throw engineError('BAD_ARGUMENT', `parallelize needs an iterable (e.g. an array); got ${data === null ? 'null' : typeof data}`);
    }
    return new ParallelCollectionRDD<T>(this, Array.isArray(data) ? data : [...data], numSlices);
  }

  /** Numbers start, start + step, ... below end (or above it for a negative step); `range(n)` is 0..n-1. */
  range(start: number, end?: number, step = 1, numSlices = this.defaultParallelism): RDD<number> {
    if (end === undefined) { end = start; start = 0; }
    if (step === 0 || !Number.isFinite(step)) throw engineError('BAD_ARGUMENT', `range step must be a non-zero number; got ${step}`);
    if (!Number.isInteger(numSlices) || numSlices < 1) throw engineError('BAD_ARGUMENT', `range numSlices must be a positive integer; got ${numSlices}`);
    return new RangeRDD(this, start, end, step, numSlices);
  }

  /** Lines of text files (a path, directory, glob or list), split into line-aligned byte ranges; .gz files are read whole. */
  textFile(path: string | string[], minPartitions = Math.min(this.defaultParallelism, 2)): RDD<string> {
    return new SourceRDD<string>(this, 'text', path, minPartitions, {});
  }

  /** [path, content] for each file. */
  wholeTextFiles(path: string | string[], minPartitions = Math.min(this.defaultParallelism, 2)): RDD<[string, string]> {
    return new SourceRDD<[string, string]>(this, 'text', path, minPartitions, { wholeFiles: true });
  }

  /** Records of any registered format (see engine/sources.ts). */
  readFormat<T>(format: string, path: string | string[], options: Record<string, unknown> = {}, minPartitions = Math.min(this.defaultParallelism, 2)): RDD<T> {
    return new SourceRDD<T>(this, format, path, minPartitions, options);
  }

  emptyRDD<T>(): RDD<T> {
    return new EmptyRDD<T>(this);
  }

  /** The elements of all `rdds`. */
  union<T>(rdds: RDD<T>[]): RDD<T> {
    if (rdds.length === 0) return this.emptyRDD<T>();
    for (const r of rdds) if (r.context !== this) throw engineError('FOREIGN_RDD', `${r} belongs to another FlintContext`);
    return rdds.length === 1 ? rdds[0] : new UnionRDD<T>(this, rdds);
  }

  // ---- shared variables ----

  /** A read-only value shipped at most once to each executor. */
  broadcast<T>(value: T): Broadcast<T> {
    this.assertRunning();
    const b = new Broadcast<T>(this.nextBroadcastId++, value, this.broadcastFactory, async (id) => { await this.controlAll('dropBroadcast', id); });
    this.cleaner.register(b, { kind: 'broadcast', id: b.id, location: b.location });
    return b;
  }

  longAccumulator(name?: string): LongAccumulator {
    return this.registerAccumulator(new LongAccumulator(this.nextAccumulatorId++, name));
  }

  doubleAccumulator(name?: string): DoubleAccumulator {
    return this.registerAccumulator(new DoubleAccumulator(this.nextAccumulatorId++, name));
  }

  collectionAccumulator<T>(name?: string): CollectionAccumulator<T> {
    return this.registerAccumulator(new CollectionAccumulator<T>(this.nextAccumulatorId++, name));
  }

  private registerAccumulator<A extends Accumulator<any, any>>(acc: A): A {
    this.accumulators.set(acc.id, new WeakRef(acc));
    this.accumulatorCleaner.register(acc, acc.id);
    return acc;
  }

  private mergeAccumulators(updates: [number, AccUpdate][]): void {
    for (const [id, u] of updates) this.accumulators.get(id)?.deref()?.merge(u);
  }

  // ---- checkpoints, persistence ----

  /** Directory for RDD checkpoints (created if missing). */
  setCheckpointDir(dir: string): void {
    const abs = resolve(dir);
    mkdirSync(abs, { recursive: true });
    this._checkpointDir = abs;
  }

  get checkpointDir(): string | undefined {
    return this._checkpointDir;
  }

  /** Called by persist(). */
  registerPersistent(rdd: RDD<unknown>): void {
    if (this.persisted.has(rdd.id)) return;
    this.persisted.add(rdd.id);
    this.cleaner.register(rdd, { kind: 'rdd', id: rdd.id });
  }

  /** Called by the RDDs that own a shuffle: its files go when the RDD is garbage collected. */
  registerShuffle(owner: object, shuffleId: number): void {
    this.cleaner.register(owner, { kind: 'shuffle', id: shuffleId });
  }

  private async removeShuffleEverywhere(shuffleId: number): Promise<void> {
    this.tracker.unregister(shuffleId);
    this.shuffleManager.remove(shuffleId, join(this.localDir, 'shuffle'));
    await this.controlAll('dropShuffle', shuffleId);
  }

  /** Drops RDD `rddId`'s cached blocks from every executor. */
  async removeRdd(rddId: number): Promise<void> {
    this.persisted.delete(rddId);
    this.dagScheduler.forgetRdd(rddId);
    if (!this.stopped) await this.controlAll('removeRdd', rddId);
  }

  private async controlAll(op: 'removeRdd' | 'dropBroadcast' | 'clearObjects' | 'stats' | 'preload' | 'dropShuffle', arg?: unknown): Promise<unknown[]> {
    if (this.stopped) return [];
    return Promise.all(this.taskScheduler.executorIds.map((id) => this.backend.control(id, { kind: 'control', op, arg })));
  }

  /**
   * The last 10,000 finished task attempts with the driver's launch and end times (`performance.now()`
   * of the driver) and the executor's run time: a task timeline, to see whether slots run side by side.
   */
  taskTimeline(): TaskTimelineEntry[] {
    return this.taskScheduler.timeline.map((e) => ({ ...e }));
  }

  /** Per-executor state (cached block ids, broadcast fetch counts, object cache keys): for tests and diagnostics. */
  async executorStats(): Promise<{ executorId: string; broadcastFetches: number; blocks: string[]; memoryUsed: number; storageMemoryBytes: number; shuffleMemoryBytes: number; objects: string[]; plans: number }[]> {
    return (await this.controlAll('stats')) as never;
  }

  /** Drops the object-cache entries whose keys start with `prefix` on every executor (disposing them). */
  async clearExecutorObjects(prefix = ''): Promise<void> {
    await this.controlAll('clearObjects', prefix);
  }

  // ---- jobs ----

  /**
   * Runs result operation `op` over `partitions` of `rdd` (all by default) and returns one result
   * per partition. Actions call this; writes checkpoints the job's lineage asked for.
   */
  async runJob<R>(rdd: RDD<any>, op: string, params: Record<string, unknown>, partitions?: number[], opts: JobOptions = {}): Promise<R[]> {
    this.assertRunning();
    const site = callSite();
    await rdd.prepare();
    const results = await this.submitPrepared<R>({ rdd, op, params, partitions, opts }, site);
    if (op !== 'checkpoint') await this.writeCheckpoints(rdd);
    return results;
  }

  /**
   * Submits jobs together, in order, with no await between them (Drizzle's group scheduling): every
   * RDD is prepared first, then the jobs enter the scheduler one after another, so with
   * `queueAhead` each slot receives their tasks in this order. One Promise per job.
   */
  async submitJobs<R>(jobs: readonly JobSpec[]): Promise<Promise<R[]>[]> {
    this.assertRunning();
    const site = callSite();
    for (const j of jobs) await j.rdd.prepare();
    return jobs.map((j) => this.submitPrepared<R>(j, site));
  }

  private async submitPrepared<R>(j: JobSpec, site: string): Promise<R[]> {
    const n = j.rdd.partitions.length;
    const parts = j.partitions ?? Array.from({ length: n }, (_, i) => i);
    for (const p of parts) {
      if (!Number.isInteger(p) || p < 0 || p >= n) throw engineError('BAD_ARGUMENT', `runJob: partition ${p} does not exist in ${j.rdd} (${n} partitions)`);
    }
    const opts = j.opts ?? {};
    if (opts.pinned !== undefined && opts.pinned.length !== n) {
      throw engineError('BAD_ARGUMENT', `runJob: pinned names ${opts.pinned.length} slots for ${n} partitions of ${j.rdd}; give one slot per partition`);
    }
    this.jobStarted();
    let results: R[];
    try {
      results = await this.dagScheduler.submitJob<R>(j.rdd, j.op, j.params, parts, site, opts);
    } finally {
      this.jobEnded();
    }
    if (FRAMED_OPS.has(j.op)) results = results.map(unframe) as R[];
    return results;
  }

  /**
   * While a job runs the context holds the event loop with a timer (a task may wait for a replacement
   * executor, with nothing else in flight); idle, it holds nothing, so a finished program exits
   * (and `beforeExit` stops a context the program forgot to stop).
   */
  private jobStarted(): void {
    if (this.activeJobs++ === 0) this.keepAlive = setInterval(() => undefined, 1 << 30);
  }

  private jobEnded(): void {
    if (--this.activeJobs === 0 && this.keepAlive !== undefined) {
      clearInterval(this.keepAlive);
      this.keepAlive = undefined;
    }
  }

  /**
   * The version of a shipped function that its tasks receive: env values of at least
   * flint.env.broadcastThreshold bytes (estimated) travel as broadcasts, so each executor reads them
   * once and keeps them, instead of with the plan of every stage; past flint.env.warnThreshold a
   * warning suggests ctx.broadcast (a new RDD with the same env value broadcasts it again). The
   * broadcasts live as long as the function (the RDD holding it); then the context cleaner drops them.
   */
  private shipLargeEnv(fn: ShippedFn): ShippedFn {
    const done = this.envBroadcasts.get(fn);
    if (done !== undefined) return done.fn;
    const threshold = this.conf.getNumber('flint.env.broadcastThreshold');
    const warnAt = this.conf.getNumber('flint.env.warnThreshold');
    const keep: Broadcast<unknown>[] = [];
    let env: Record<string, EnvValue> | undefined;
    for (const [name, v] of Object.entries(fn.env)) {
      let nv: EnvValue = v;
      if (v.t === 'fn') {
        const inner = this.shipLargeEnv(v.fn);
        if (inner !== v.fn) nv = { t: 'fn', fn: inner };
      } else if (v.t === 'v' && typeof v.v === 'object' && v.v !== null) {
        const size = estimateSize(v.v);
        if (size >= threshold) {
          if (size >= warnAt) {
            process.emitWarning(`${fn.op} function${fn.site ? ` (at ${fn.site})` : ''} carries env value '${name}' of about ${(size / 2 ** 20).toFixed(1)} MiB; ` +
              `Flint ships it once per executor as a broadcast, but every new RDD with it ships it again: create it once with ctx.broadcast(value), pass the handle in env and read .value`,
              { type: 'FlintWarning', code: 'FLINT_LARGE_ENV' });
          }
          const b = this.broadcast(v.v);
          keep.push(b);
          nv = { t: 'bcv', id: b.id, path: b.location };
        }
      }
      if (nv !== v) (env ??= { ...fn.env })[name] = nv;
    }
    const out: ShippedFn = env === undefined ? fn : { ...fn, env };
    this.envBroadcasts.set(fn, { fn: out, keep });
    return out;
  }

  /**
   * Creates a block exchange (engine/storage/exchange.ts) across this context's slots: versioned float
   * blocks that tasks put and wait for in memory, executor to executor. `timeoutMs` bounds one wait
   * (default flint.network.timeout). The handle's `ref` goes into the tasks (`tc.exchange(ref)`);
   * `abort()` wakes and fails every waiting task at once; `destroy()` frees the arenas.
   */
  async createExchange(layout: ExchangeLayout, opts: { timeoutMs?: number } = {}): Promise<ExchangeHandle> {
    this.assertRunning();
    checkLayout(layout, this.backend.slots);
    const exchangeId = `${this.appId}-x${this.nextExchangeId++}`;
    await this.backend.createExchange(exchangeId, layout);
    const backend = this.backend;
    let live = true;
    return {
      ref: { exchangeId, timeoutMs: opts.timeoutMs ?? this.conf.getNumber('flint.network.timeout') },
      abort: () => { if (live) backend.abortExchange(exchangeId); },
      destroy: async () => {
        if (!live) return;
        live = false;
        if (!this.isStopped) await backend.destroyExchange(exchangeId);
      },
    };
  }

  /** Task slots (executor ids) of this context, in order: what `JobOptions.pinned` names. */
  get slots(): readonly string[] {
    return this.backend.slots;
  }

  /**
   * The slots whose executors are live now, in `slots` order. A slot whose executor was lost leaves
   * this list until its replacement is ready (or for good, when replacements failed): a group of
   * pinned jobs restarts once every slot it pins is back here.
   */
  get liveSlots(): readonly string[] {
    const live = new Set(this.taskScheduler.executorIds);
    return this.backend.slots.filter((s) => live.has(s));
  }

  /** Speculative task copies launched so far (flint.speculation). */
  get speculativeTaskCount(): number {
    return this.taskScheduler.speculativeLaunches;
  }

  private async writeCheckpoints(rdd: RDD<any>): Promise<void> {
    const marked: RDD<any>[] = [];
    const seen = new Set<RDD<any>>();
    const walk = (r: RDD<any>) => {
      if (seen.has(r)) return;
      seen.add(r);
      if (r._checkpoint?.state === 'marked') { marked.push(r); return; }
      for (const d of r.dependencies) walk(d.rdd);
    };
    walk(rdd);
    for (const r of marked) {
      const dir = join(this._checkpointDir!, `rdd-${r.id}`);
      mkdirSync(dir, { recursive: true });
      r._checkpoint = { state: 'marked' };
      await this.runJob(r, 'checkpoint', { dir });
      r._checkpoint = { state: 'written', rdd: new CheckpointRDD(this, dir, r.partitions.length, r.partitioner) };
    }
  }

  /** See RDD.saveAsTextFile. */
  async saveAsTextFile(rdd: RDD<any>, path: string): Promise<void> {
    const out = resolve(path);
    if (existsSync(out)) throw engineError('OUTPUT_EXISTS', `saveAsTextFile: ${out} already exists; remove it or choose another path`);
    const tmp = `${out}._temporary-${this.appId}-${this.nextOutputId++}`;
    mkdirSync(tmp, { recursive: true });
    try {
      await this.runJob(rdd, 'saveText', { dir: tmp });
      writeFileSync(join(tmp, '_SUCCESS'), '');
      renameSync(tmp, out);
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
  }

  /**
   * Fails every running job with JOB_CANCELLED and launches none of their remaining tasks (tasks
   * already running finish on their slots; their results are dropped).
   */
  cancelAllJobs(reason = 'cancelled by the application'): void {
    this.dagScheduler.cancelAllJobs(reason);
  }

  /**
   * Synchronous last-resort cleanup for process exit and signals (nothing can be awaited there):
   * kills the executor processes and deletes the local directory. `stop()` is the orderly way.
   */
  abandon(): void {
    liveContexts.delete(this);
    if (this.stopped) return;
    this.stopped = true;
    this.taskScheduler.stop();
    this.progressBar?.stop();
    this.backend.killNow?.();
    try {
      rmSync(this.localDir, { recursive: true, force: true });
    } catch {
      // Best effort at exit; the next context on this host sweeps what is left.
    }
  }

  /** Stops the executors, fails running jobs, deletes the local directory. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    liveContexts.delete(this);
    this.dagScheduler.stop(`FlintContext ${this.appId} was stopped`);
    this.taskScheduler.stop();
    // Dispose executors' cached objects (ORT sessions...) before their threads go; a slot still busy
    // with a cancelled job's task gets STOP_DISPOSE_WAIT_MS, then its thread is terminated anyway.
    const disposed = this.controlAll('clearObjects', '').catch(() => undefined);
    await Promise.race([disposed, new Promise((r) => setTimeout(r, STOP_DISPOSE_WAIT_MS).unref())]);
    this.stopped = true;
    this.progressBar?.stop();
    await this.backend.stop();
    for (const id of this.tracker.shuffleIds()) this.shuffleManager.remove(id, join(this.localDir, 'shuffle'));
    rmSync(this.localDir, { recursive: true, force: true });
  }
}
