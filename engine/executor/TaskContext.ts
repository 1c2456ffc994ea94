/** TaskContext: what a running task knows about itself and its executor (ids, accumulators, block and object caches); `TaskContext.get()` inside user code. */
import { engineError } from '../catalogue.ts';
import { SHIP, type EnvValue } from '../serde/closure.ts';
import type { MapStatus } from '../shuffle/api.ts';
import type { ShuffleManager } from '../shuffle/manager.ts';
import type { BlockManager } from '../storage/BlockManager.ts';
import type { ExchangeEndpoint, ExchangeRef } from '../storage/exchange.ts';
import type { ObjectCache } from './ObjectCache.ts';

/** What the executor gives its tasks. */
export interface ExecutorEnv {
  readonly executorId: string;
  readonly blockManager: BlockManager;
  readonly objectCache: ObjectCache;
  /** Directory for shuffle files, shared by the executors of this host. */
  readonly shuffleDir: string;
  /** Scratch directory for spills. */
  readonly spillDir: string;
  readonly shuffleMemoryBytes: number;
  /** The shuffle implementation (flint.shuffle.manager) the shuffled RDDs read through. */
  readonly shuffleManager: ShuffleManager;
  /** Number of cores this executor gives one task (ORT threads and the like). */
  readonly coresPerTask: number;
  /** Map outputs known to this executor, by shuffle id. */
  mapStatuses(shuffleId: number): MapStatus[];
  /** This executor's endpoint of a block exchange the driver created (`ctx.createExchange`). */
  exchange(ref: ExchangeRef): ExchangeEndpoint;
}

/** What one task attempt did: shuffle records and bytes written and read, spills of the shuffle's maps and sorters. */
export interface TaskMetrics {
  shuffleRecordsWritten: number;
  shuffleBytesWritten: number;
  shuffleRecordsRead: number;
  shuffleBytesRead: number;
  /** Spills by the shuffle writer (map side) and reader/cogroup (reduce side). */
  spillCount: number;
  spilledBytes: number;
}

export function newTaskMetrics(): TaskMetrics {
  return { shuffleRecordsWritten: 0, shuffleBytesWritten: 0, shuffleRecordsRead: 0, shuffleBytesRead: 0, spillCount: 0, spilledBytes: 0 };
}

/** An accumulator update: long/double sums (with count), or a collection's items. */
export type AccUpdate = { kind: 'long' | 'double'; sum: number; count: number } | { kind: 'collection'; items: unknown[] };

let current: TaskContext | undefined;

/**
 * The context of one task attempt. A user function gets it as the last argument of mapPartitions /
 * mapPartitionsWithIndex, or from `TaskContext.get()` while the task runs.
 */
export class TaskContext {
  /** Accumulator updates of this attempt; the driver merges them only if the attempt succeeds. */
  readonly accUpdates = new Map<number, AccUpdate>();
  /** Counters of this attempt, returned with its result. */
  readonly metrics: TaskMetrics = newTaskMetrics();
  /** Shuffle-read counters the reduce side fills (folded into `metrics` when the task ends). */
  readonly shuffleRead = { recordsRead: 0, bytesRead: 0, spillCount: 0, spilledBytes: 0 };
  private readonly completion: (() => void | Promise<void>)[] = [];

  constructor(
    readonly stageId: number,
    readonly stageAttempt: number,
    readonly partitionId: number,
    readonly attemptNumber: number,
    readonly taskId: number,
    readonly executor: ExecutorEnv,
  ) {}

  /** In `env`, the class travels as a reference to this module, so `{ TaskContext }` works in shipped functions. */
  static [SHIP](): EnvValue {
    return { t: 'mod', url: import.meta.url, exportName: 'TaskContext', label: 'TaskContext' };
  }

  /** The task running on this thread; throws outside a task. */
  static get(): TaskContext {
    if (current === undefined) throw engineError('BAD_ARGUMENT', 'TaskContext.get() was called outside a running task; call it inside a function given to an RDD operation');
    return current;
  }

  /** The running task, or undefined on the driver. */
  static maybeGet(): TaskContext | undefined {
    return current;
  }

  /** Makes this the thread's current task (the executor does this around each task). */
  enter(): void {
    current = this;
  }

  leave(): void {
    if (current === this) current = undefined;
  }

  get executorId(): string {
    return this.executor.executorId;
  }

  /** The executor's keyed object cache (outlives tasks and jobs). */
  get objectCache(): ObjectCache {
    return this.executor.objectCache;
  }

  /** The executor's block manager (cached partitions). */
  get blocks(): BlockManager {
    return this.executor.blockManager;
  }

  /** This executor's endpoint of a block exchange (`ctx.createExchange`): versioned blocks other tasks put and get. */
  exchange(ref: ExchangeRef): ExchangeEndpoint {
    return this.executor.exchange(ref);
  }

  /** Runs `fn` when the task ends, successfully or not. */
  addCompletionListener(fn: () => void | Promise<void>): void {
    this.completion.push(fn);
  }

  /**
   * Runs completion listeners (the executor calls this). Every listener runs even when an earlier
   * one throws (each may release its own resource); the first error is then thrown.
   */
  async complete(): Promise<void> {
    let first: { error: unknown } | undefined;
    for (const fn of this.completion.splice(0)) {
      try {
        await fn();
      } catch (e) {
        first ??= { error: e };
      }
    }
    if (first !== undefined) throw first.error;
  }

  /** Counts `v` into accumulator `id` for this attempt. */
  accumulate(id: number, kind: 'long' | 'double' | 'collection', v: unknown): void {
    let u = this.accUpdates.get(id);
    if (u === undefined) {
      u = kind === 'collection' ? { kind, items: [] } : { kind, sum: 0, count: 0 };
      this.accUpdates.set(id, u);
    }
    if (u.kind === 'collection') u.items.push(v);
    else {
      u.sum += v as number;
      u.count++;
    }
  }
}
