/** The executor runtime: runs tasks on one task slot and holds what outlives them (decoded plans, cached blocks, broadcast values, map statuses, the object cache). */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { deserialize } from 'node:v8';
import { engineError } from '../catalogue.ts';
import { FlintError } from '../errors.ts';
import type { MapStatus, ShuffleWriteSpec } from '../shuffle/api.ts';
import { newWriteMetrics, shuffleManager, type ShuffleManager } from '../shuffle/index.ts';
import { createBroadcastFactory, type BroadcastFactory } from '../broadcast/Broadcast.ts';
import { compareKeys } from '../serde/keys.ts';
import { ShuffleFetchFailedError } from '../catalogue.ts';
import { decodePlan } from '../serde/plan.ts';
import type { ExecutorServices } from '../serde/rebuild.ts';
import { BlockManager } from '../storage/BlockManager.ts';
import { ExchangeArena, ExchangeEndpoint, type ExchangeLayout, type ExchangeRef, type ExchangeRoutes } from '../storage/exchange.ts';
import { sendBlock } from '../storage/exchangeTransport.ts';
import { isAsyncIter, type Iter } from '../rdd/iter.ts';
import { ObjectCache } from './ObjectCache.ts';
import { RESULT_OPS } from './resultOps.ts';
import { TaskContext, type ExecutorEnv } from './TaskContext.ts';
import type { ControlMessage, PlanRoot, ShufflePlanDep, TaskError, TaskMessage, TaskResult } from '../scheduler/protocol.ts';
import '../rdd/all.ts';

/** Settings an executor starts with. */
export interface ExecutorConfig {
  executorId: string;
  /** The application's local directory (shuffle/, broadcast/, blocks/, shared/ under it). */
  localDir: string;
  shuffleMemoryBytes: number;
  storageMemoryBytes: number;
  coresPerTask: number;
  /** flint.task.cpuStats: measure each task's on-CPU and run-queue time (Linux schedstat). */
  cpuStats?: boolean;
  /** flint.shuffle.manager: the shuffle implementation's name (default 'sort'). */
  shuffleManager?: string;
  /** flint.broadcast.factory: how broadcast values are fetched (default 'file'). */
  broadcastFactory?: string;
}

/**
 * This thread's scheduler counters from /proc/thread-self/schedstat: ms on a CPU and ms runnable
 * but waiting for one (undefined where the file does not exist). Waiting time tells a busy machine
 * (slots waiting for cores other processes hold) from an engine that serializes its slots.
 */
function threadSchedStat(): { cpuMs: number; waitMs: number } | undefined {
  try {
    const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ');
    return { cpuMs: Number(run) / 1e6, waitMs: Number(wait) / 1e6 };
  } catch {
    return undefined;
  }
}

/**
 * An Error standing for a thrown value that is not one (`throw null`, `throw 'bad'`, `throw { code }`):
 * the message shows the value and says that it carries no stack, so the same words reach the driver
 * from every mode.
 */
export function nonErrorThrown(e: unknown): Error {
  let shown: string;
  if (typeof e === 'string') shown = JSON.stringify(e.length > 200 ? e.slice(0, 200) + '…' : e);
  else {
    try { shown = inspect(e, { depth: 2, breakLength: Infinity }).slice(0, 200); } catch { shown = Object.prototype.toString.call(e); }
  }
  const err = new Error(`a user function threw a value that is not an Error: ${shown} (${e === null ? 'null' : typeof e}); ` +
    `throw an Error (throw new Error('...')) so the failure carries a message and a stack`);
  err.name = 'NonErrorThrown';
  return err;
}

/** Serialises an error for the driver, keeping the user's stack and the code of Flint errors. */
export function toTaskError(e: unknown): TaskError {
  const err = e instanceof Error ? e : nonErrorThrown(e);
  const stack = err.stack ?? `${err.name}: ${err.message}`;
  const userFrame = stack.split('\n').find((l) => l.includes('flint-fn://'))?.trim();
  const fetchFailed = err instanceof ShuffleFetchFailedError ? { shuffleId: err.shuffleId, mapId: err.mapId } : undefined;
  return { name: err.name, message: err.message, stack, code: err instanceof FlintError ? err.code : (err as { code?: string }).code, userFrame, fetchFailed };
}

class ExecutorBroadcast {
  constructor(readonly id: number, private readonly rt: ExecutorRuntime, private readonly path: string) {}
  get value(): unknown {
    return this.rt.broadcastValue(this.id, this.path);
  }
  destroy(): never {
    throw engineError('BAD_ARGUMENT', `broadcast ${this.id}: destroy() runs on the driver, not inside a task`);
  }
}

class ExecutorAccumulator {
  constructor(readonly id: number, readonly kind: 'long' | 'double' | 'collection') {}
  add(v: unknown): void {
    // The driver-side add checks this too; unchecked here, a string would concatenate into the sum.
    if (this.kind !== 'collection' && typeof v !== 'number') {
      throw engineError('BAD_ARGUMENT', `accumulator ${this.id} (${this.kind}): add needs a number; got ${typeof v}`);
    }
    TaskContext.get().accumulate(this.id, this.kind, v);
  }
  get value(): never {
    throw engineError('ACCUMULATOR_ON_EXECUTOR', `accumulator ${this.id}: its value can be read only on the driver after the job; tasks may only add()`);
  }
}

/** One per task slot (worker thread). */
export class ExecutorRuntime implements ExecutorEnv, ExecutorServices {
  readonly executorId: string;
  readonly blockManager: BlockManager;
  readonly objectCache = new ObjectCache();
  readonly shuffleDir: string;
  readonly spillDir: string;
  readonly shuffleMemoryBytes: number;
  readonly shuffleManager: ShuffleManager;
  private readonly broadcastFactory: BroadcastFactory;
  private readonly cpuStats: boolean;
  readonly coresPerTask: number;
  /** How many times this executor read a broadcast from its source (once per broadcast). */
  broadcastFetches = 0;
  private readonly plans = new Map<string, Promise<PlanRoot>>();
  private readonly statuses = new Map<number, { epoch: number; statuses: MapStatus[] }>();
  private readonly broadcasts = new Map<number, unknown>();
  private readonly modules = new Map<string, Promise<Record<string, unknown>>>();
  private readonly accHandles = new Map<number, ExecutorAccumulator>();
  /** Block exchanges this slot takes part in: arenas shared with the other slots of this process. */
  private readonly exchanges = new Map<string, ExchangeArena>();

  constructor(cfg: ExecutorConfig) {
    this.executorId = cfg.executorId;
    this.shuffleDir = join(cfg.localDir, 'shuffle');
    this.spillDir = join(cfg.localDir, 'spill', cfg.executorId);
    mkdirSync(this.shuffleDir, { recursive: true });
    mkdirSync(this.spillDir, { recursive: true });
    this.blockManager = new BlockManager(cfg.executorId, join(cfg.localDir, 'blocks', cfg.executorId), cfg.storageMemoryBytes);
    this.shuffleMemoryBytes = cfg.shuffleMemoryBytes;
    this.shuffleManager = shuffleManager(cfg.shuffleManager ?? 'sort');
    this.broadcastFactory = createBroadcastFactory(cfg.broadcastFactory ?? 'file', cfg.localDir);
    this.cpuStats = cfg.cpuStats === true;
    this.coresPerTask = cfg.coresPerTask;
  }

  mapStatuses(shuffleId: number): MapStatus[] {
    const s = this.statuses.get(shuffleId);
    if (s === undefined) throw engineError('SHUFFLE_OUTPUT_MISSING', `executor ${this.executorId} has no map outputs for shuffle ${shuffleId}`);
    return s.statuses;
  }

  importModule(url: string): Promise<Record<string, unknown>> {
    let m = this.modules.get(url);
    if (m === undefined) {
      m = import(url) as Promise<Record<string, unknown>>;
      this.modules.set(url, m);
      m.catch(() => this.modules.delete(url));
    }
    return m;
  }

  broadcastHandle(id: number, path: string): unknown {
    return new ExecutorBroadcast(id, this, path);
  }

  accumulatorHandle(id: number, kind: 'long' | 'double' | 'collection'): unknown {
    let h = this.accHandles.get(id);
    if (h === undefined) {
      h = new ExecutorAccumulator(id, kind);
      this.accHandles.set(id, h);
    }
    return h;
  }

  /** A task's endpoint of exchange `ref` (attached by the driver before the exchange's jobs run). */
  exchange(ref: ExchangeRef): ExchangeEndpoint {
    const a = this.exchanges.get(ref.exchangeId);
    if (a === undefined) throw engineError('EXCHANGE_UNKNOWN', `executor ${this.executorId} holds no exchange ${ref.exchangeId} (destroyed, or this executor was replaced after it was created)`);
    return new ExchangeEndpoint(a, a.routes === undefined ? undefined : sendBlock, ref.timeoutMs);
  }

  /** A broadcast's value: fetched through the broadcast factory the first time on this executor, then from memory. */
  broadcastValue(id: number, location: string): unknown {
    if (this.broadcasts.has(id)) return this.broadcasts.get(id);
    const bytes = this.broadcastFactory.fetch(id, location);
    if (bytes === undefined) {
      throw engineError('BROADCAST_DESTROYED', `broadcast ${id} was destroyed (or its context stopped) before this task read it; create a new broadcast`);
    }
    const v = deserialize(bytes);
    this.broadcastFetches++;
    this.broadcasts.set(id, v);
    return v;
  }

  /** Runs one task attempt; never throws (failures come back as results). */
  async runTask(msg: TaskMessage): Promise<TaskResult> {
    const start = performance.now();
    const sched0 = this.cpuStats ? threadSchedStat() : undefined;
    if (msg.dropPlans !== undefined) for (const id of msg.dropPlans) this.plans.delete(id);
    if (msg.statuses !== undefined) for (const [id, s] of Object.entries(msg.statuses)) this.statuses.set(Number(id), s);
    let planP = this.plans.get(msg.planId);
    if (planP === undefined) {
      if (msg.plan === undefined) return { ok: false, error: toTaskError(new Error('plan not cached')), blockUpdates: [], missing: 'plan' };
      planP = decodePlan(msg.plan, this) as Promise<PlanRoot>;
      this.plans.set(msg.planId, planP);
      planP.catch(() => this.plans.delete(msg.planId));
    }
    const tc = new TaskContext(msg.stageId, msg.stageAttempt, msg.partitionId, msg.attempt, msg.taskId, this);
    let it: Iter<unknown> | undefined;
    try {
      const plan = await planP;
      tc.enter();
      let value: unknown;
      it = plan.rdd.iterator(msg.split, tc);
      if (plan.kind === 'shuffle') value = await this.writeMapOutput(plan.dep, msg, it, tc);
      else {
        const op = RESULT_OPS[plan.op];
        if (op === undefined) throw engineError('INTERNAL', `unknown result operation '${plan.op}'`);
        value = await op(it, plan.params, tc);
      }
      await tc.complete();
      tc.leave();
      const m = tc.metrics, r = tc.shuffleRead;
      m.shuffleRecordsRead += r.recordsRead;
      m.shuffleBytesRead += r.bytesRead;
      m.spillCount += r.spillCount;
      m.spilledBytes += r.spilledBytes;
      const runMs = performance.now() - start;
      const sched1 = sched0 === undefined ? undefined : threadSchedStat();
      const sched = sched0 === undefined || sched1 === undefined ? undefined : { cpuMs: sched1.cpuMs - sched0.cpuMs, waitMs: sched1.waitMs - sched0.waitMs };
      return { ok: true, value, accUpdates: [...tc.accUpdates], blockUpdates: this.blockManager.takeUpdates(), runMs, metrics: m, sched };
    } catch (e) {
      // A failure downstream of the partition's iterator (a result op's function, the shuffle writer)
      // leaves it suspended: close it so its sources release their files now, not at garbage collection.
      try { await it?.return?.(); } catch { /* the task's own error is the one to report */ }
      try { await tc.complete(); } catch { /* the task's own error is the one to report */ }
      tc.leave();
      // A restarted thread lost the map statuses the driver believes it has: ask for a resend.
      const missing = (e as { code?: string } | null | undefined)?.code === 'SHUFFLE_OUTPUT_MISSING' ? 'plan' as const : undefined;
      return { ok: false, error: toTaskError(e), blockUpdates: this.blockManager.takeUpdates(), missing };
    }
  }

  private async writeMapOutput(dep: ShufflePlanDep, msg: TaskMessage, it: Iter<unknown>, tc: TaskContext): Promise<MapStatus> {
    const w = newWriteMetrics();
    const spec = {
      shuffleId: dep.shuffleId,
      mapId: msg.partitionId,
      partitioner: dep.partitioner,
      aggregator: dep.aggregator,
      mapSideCombine: dep.mapSideCombine,
      keyOrdering: dep.keyOrdering ?? (dep.sorted ? compareKeys : undefined),
      memoryBytes: this.shuffleMemoryBytes,
      dir: this.shuffleDir,
    } as ShuffleWriteSpec<unknown, unknown, unknown>;
    // An async chain (awaits in a map stage) streams into the writer in batches, spilling as a sync one does.
    const status = isAsyncIter(it)
      ? await this.shuffleManager.writeAsync(spec, it as AsyncIterator<[unknown, unknown]>, this.executorId, w)
      : this.shuffleManager.write(spec, it as Iterator<[unknown, unknown]>, this.executorId, w);
    tc.metrics.shuffleRecordsWritten += w.recordsWritten;
    tc.metrics.shuffleBytesWritten += w.bytesWritten;
    tc.metrics.spillCount += w.spillCount;
    tc.metrics.spilledBytes += w.spilledBytes;
    return status;
  }

  /** Housekeeping from the driver. */
  async control(msg: ControlMessage): Promise<unknown> {
    switch (msg.op) {
      case 'removeRdd': return { removed: this.blockManager.removeRdd(msg.arg as number), updates: this.blockManager.takeUpdates() };
      case 'dropBroadcast': this.broadcasts.delete(msg.arg as number); return null;
      case 'clearObjects': await this.objectCache.clear((msg.arg as string | undefined) ?? ''); return null;
      case 'dropPlans': for (const id of msg.arg as string[]) this.plans.delete(id); return null;
      case 'dropShuffle': this.statuses.delete(msg.arg as number); return null;
      case 'exchangeAttach': {
        const a = msg.arg as { id: string; layout: ExchangeLayout; sab: SharedArrayBuffer; routes?: ExchangeRoutes };
        this.exchanges.set(a.id, new ExchangeArena(a.id, a.layout, a.sab, a.routes));
        return null;
      }
      case 'exchangeDetach': this.exchanges.delete(msg.arg as string); return null;
      case 'preload':
        // Loading (and compiling) format modules before the first job keeps it out of job time; a
        // module that fails to load here fails again, with its error, in the task that needs it.
        for (const url of msg.arg as string[]) await this.importModule(url).catch(() => undefined);
        return null;
      case 'stats': return {
        executorId: this.executorId,
        broadcastFetches: this.broadcastFetches,
        blocks: this.blockManager.blockIds(),
        memoryUsed: this.blockManager.memoryUsedBytes,
        storageMemoryBytes: this.blockManager.memoryBytes,
        shuffleMemoryBytes: this.shuffleMemoryBytes,
        objects: this.objectCache.keys(),
        plans: this.plans.size,
      };
    }
  }
}
