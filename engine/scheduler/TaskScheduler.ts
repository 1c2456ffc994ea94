/** TaskScheduler: runs the task sets the DAGScheduler submits on the backend's slots, with locality preference, retries up to maxFailures, and per-slot plan caching. */
import type { TaskError, TaskMessage, TaskResult } from './protocol.ts';
import type { EncodedPlan } from '../serde/plan.ts';
import type { MapOutputTracker } from './MapOutputTracker.ts';
import type { SchedulerBackend } from './backends/SchedulerBackend.ts';
import type { Partition } from '../rdd/RDD.ts';
import type { DAGEvent } from './events.ts';

/** Resends of one task to an executor that lost its caches, before it counts as a failure. */
const MAX_RESENDS = 3;

/** Most task attempts the timeline keeps (the oldest go first). */
const TIMELINE_MAX = 10_000;

/** One finished task attempt, for diagnostics: driver-side times in ms of `performance.now()`. */
export interface TaskTimelineEntry {
  stageId: number;
  partitionId: number;
  executorId: string;
  /** When the driver sent the task and when its result arrived. */
  launchedMs: number;
  endedMs: number;
  /** Time the executor spent running it (successful attempts). */
  runMs: number | undefined;
  /** With flint.task.cpuStats, on Linux: the task thread's time on a CPU and runnable but waiting for one. */
  cpuMs?: number;
  cpuWaitMs?: number;
  ok: boolean;
}

/**
 * The task error for a task whose result never came back from its slot. A result the thread cannot
 * post (a structured-clone failure: functions, symbols, Promises) reaches here as piscina's bare
 * object without a message; it is named for what it is.
 */
export function launchError(e: unknown): TaskError {
  const err = e as Error | undefined;
  const message = typeof err?.message === 'string' ? err.message : undefined;
  if (message === undefined || err?.name === 'DataCloneError') {
    return {
      name: 'DataCloneError',
      message: `the task's result could not be sent back from its executor thread (structured clone failed${message ? `: ${message}` : ''}); ` +
        `results must be plain data (no functions, symbols or Promises; class instances arrive as plain objects): map records to plain data before the action` +
        (/Promise/.test(String(message)) ? '; a function returned a Promise: await inside mapPartitions with an async generator instead' : ''),
      stack: err?.stack ?? '',
      code: 'TASK_RESULT_NOT_CLONABLE',
    };
  }
  const code = (err as { code?: unknown }).code;
  // An executor lost under the task keeps its own message and code (EXECUTOR_LOST).
  if (code === 'EXECUTOR_LOST') return { name: err!.name, message, stack: err!.stack ?? '', code };
  return { name: err?.name ?? 'Error', message: `task could not run or return its result: ${message}`, stack: err?.stack ?? '', code: typeof code === 'string' ? code : undefined };
}

/** Spark's speculation settings (flint.speculation*): a copy of a straggler runs on another slot. */
export interface SpeculationConf {
  enabled: boolean;
  intervalMs: number;
  quantile: number;
  multiplier: number;
  minTaskRuntimeMs: number;
}

/** One task of a task set. */
export interface TaskSpec {
  partitionId: number;
  /** Position in the job's result array (result stages) or the map id (map stages). */
  outputIndex: number;
  split: Partition;
  /** Executors holding this partition's input (cached blocks): launch there when possible. */
  preferred: string[];
  /** The only slot this task may run on (JobOptions.pinned): no locality fallback. */
  pinned?: string;
}

/** The tasks of one stage attempt, and their progress. */
export class TaskSetManager {
  readonly pending: number[] = [];
  readonly running = new Map<number, number>();
  readonly successful: boolean[];
  readonly failures: number[];
  /** Times a task was resent because its executor had lost the plan or map statuses. */
  readonly resends: number[];
  numSucceeded = 0;
  /** Driver-side run times (launch to result) of the successful tasks, for the speculation rule. */
  readonly durations: number[] = [];
  /** Running attempts of each task: where and since when (performance.now()). */
  readonly attempts = new Map<number, { executorId: string; startMs: number }[]>();
  /** Speculative copies launched per task (their attempt numbers come after the failures'). */
  readonly copies: number[];
  /** Tasks the speculation rule picked, waiting for a free slot other than the one running them. */
  readonly speculatable = new Set<number>();
  /** Once true (finished, aborted or superseded) no task is launched and late results are ignored. */
  zombie = false;
  lastLaunch = performance.now();

  constructor(
    readonly stageId: number,
    readonly stageAttempt: number,
    readonly planId: string,
    readonly plan: EncodedPlan,
    /** Shuffles this stage reads: their statuses go to executors that lack the current epoch. */
    readonly readsShuffles: number[],
    readonly tasks: TaskSpec[],
    readonly maxFailures: number,
    /** Every task is pinned and goes to its slot's queue at submission (JobOptions.queueAhead). */
    readonly queueAhead = false,
    /**
     * Whether stragglers may get speculative copies: never for a set with pinned tasks, queued-ahead
     * tasks or a maxFailures of its own (a training group's jobs), whose tasks wait on each other.
     */
    readonly maySpeculate = true,
  ) {
    this.copies = new Array(tasks.length).fill(0);
    for (let i = 0; i < tasks.length; i++) this.pending.push(i);
    this.successful = new Array(tasks.length).fill(false);
    this.failures = new Array(tasks.length).fill(0);
    this.resends = new Array(tasks.length).fill(0);
  }

  get key(): string {
    return `${this.stageId}.${this.stageAttempt}`;
  }
}

/** What each executor already holds, so plans and statuses are sent once. */
interface ExecutorKnows {
  plans: Set<string>;
  epochs: Map<number, number>;
  /** Finished plans to drop, sent with the next task. */
  drop: string[];
}

/**
 * The state of a slot in the offer set. live: offered. replacing: its executor was lost and a
 * replacement is starting; nothing is launched there, pinned tasks for it wait. gone: no executor
 * will come; pinned tasks for it fail with EXECUTOR_LOST naming the slot.
 */
type SlotState = 'live' | 'replacing' | 'gone';

/**
 * Review checklist: a slot runs one task at a time (queue-ahead tasks wait in the slot's own FIFO
 * queue, and a slot is free only when nothing is outstanding on it); a pinned task launches on its
 * slot only; every launched task ends in exactly one `TaskEnded` (success or final failure) or
 * `TaskSetFailed`, never both; a zombie set launches nothing; accumulators and results reach the
 * DAGScheduler only for successful attempts; only live slots are in `free`, and nothing is launched
 * on a slot that is not live; speculative copies never run for pinned or queued-ahead tasks.
 */
export class TaskScheduler {
  private readonly sets: TaskSetManager[] = [];
  private readonly free: string[];
  /** Tasks sent to each slot and not yet answered (more than one only with queue-ahead sets). */
  private readonly outstanding = new Map<string, number>();
  private readonly knows = new Map<string, ExecutorKnows>();
  private readonly slotState = new Map<string, SlotState>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly speculationTimer: ReturnType<typeof setInterval> | undefined;
  /** Speculative copies launched (for tests and diagnostics). */
  speculativeLaunches = 0;
  private nextTaskId = 0;
  private stopped = false;
  /** The last TIMELINE_MAX finished task attempts, oldest first. */
  readonly timeline: TaskTimelineEntry[] = [];

  constructor(
    private readonly backend: SchedulerBackend,
    private readonly tracker: MapOutputTracker,
    private readonly post: (e: DAGEvent) => void,
    private readonly localityWaitMs: number,
    private readonly speculation: SpeculationConf = { enabled: false, intervalMs: 100, quantile: 0.75, multiplier: 1.5, minTaskRuntimeMs: 100 },
  ) {
    this.free = [...backend.slots];
    for (const id of new Set(backend.slots)) {
      this.knows.set(id, { plans: new Set(), epochs: new Map(), drop: [] });
      this.slotState.set(id, 'live');
    }
    backend.setListener?.({
      executorLost: (slots, reason, replacing) => this.executorLost(slots, reason, replacing),
      executorAdded: (slots) => this.executorAdded(slots),
    });
    if (speculation.enabled) {
      this.speculationTimer = setInterval(() => this.checkSpeculatable(), speculation.intervalMs);
      this.speculationTimer.unref();
    }
  }

  /** Executors that are live now (control messages go to these). */
  get executorIds(): string[] {
    return [...this.knows.keys()].filter((id) => this.slotState.get(id) === 'live');
  }

  /**
   * Spark's executor-lost path: the slots leave the offer set at once (their in-flight tasks fail
   * right after, through the backend, and are retried on live slots); with `replacing` pinned tasks
   * for them wait for the replacement, otherwise those fail naming the slot.
   */
  executorLost(slots: readonly string[], reason: string, replacing: boolean): void {
    for (const id of slots) {
      if (!this.slotState.has(id)) continue;
      this.slotState.set(id, replacing ? 'replacing' : 'gone');
      const f = this.free.indexOf(id);
      if (f !== -1) this.free.splice(f, 1);
      // Whatever the lost executor held is gone; a replacement starts empty.
      this.knows.set(id, { plans: new Set(), epochs: new Map(), drop: [] });
    }
    this.post({ type: 'ExecutorLost', executorIds: [...slots] });
    if (!replacing) this.failPinnedToGone(reason);
  }

  /** A replacement for `slots` is ready: they rejoin the offer set and queued-ahead tasks waiting for them go out. */
  executorAdded(slots: readonly string[]): void {
    if (this.stopped) return;
    for (const id of slots) {
      if (this.slotState.get(id) === undefined) continue;
      this.slotState.set(id, 'live');
      if ((this.outstanding.get(id) ?? 0) === 0 && !this.free.includes(id)) this.free.push(id);
    }
    for (const ts of this.sets) if (!ts.zombie && ts.queueAhead) this.launchQueued(ts);
    this.offer();
  }

  /** Fails every task set with a task pinned to a gone slot (pending: it can never run). */
  private failPinnedToGone(reason: string): void {
    for (const ts of this.sets) {
      if (ts.zombie) continue;
      const i = ts.pending.find((k) => ts.tasks[k].pinned !== undefined && this.slotState.get(ts.tasks[k].pinned!) === 'gone');
      if (i === undefined) continue;
      ts.zombie = true;
      this.post({ type: 'TaskSetFailed', stageId: ts.stageId, stageAttempt: ts.stageAttempt, partitionId: ts.tasks[i].partitionId, failures: ts.failures[i], error: this.slotGoneError(ts.tasks[i], reason) });
    }
    this.prune();
  }

  private slotGoneError(t: TaskSpec, reason: string): TaskError {
    return {
      name: 'FlintUserError', code: 'EXECUTOR_LOST', stack: '',
      message: `partition ${t.partitionId} is pinned to slot '${t.pinned}', whose executor is gone and will not be replaced (${reason}); ` +
        `live slots: ${this.executorIds.join(', ') || 'none'}; pin to live slots (ctx.liveSlots) or create a new context`,
    };
  }

  /** Task sets with work left (for the progress bar and assertDataStructuresEmpty). */
  get activeSets(): readonly TaskSetManager[] {
    return this.sets;
  }

  submitTasks(ts: TaskSetManager): void {
    this.sets.push(ts);
    const unknown = ts.tasks.find((t) => t.pinned !== undefined && !this.knows.has(t.pinned));
    if (unknown !== undefined) {
      ts.zombie = true;
      this.prune();
      this.post({
        type: 'TaskSetFailed', stageId: ts.stageId, stageAttempt: ts.stageAttempt, partitionId: unknown.partitionId, failures: 0,
        error: { name: 'FlintUserError', code: 'BAD_ARGUMENT', stack: '', message: `partition ${unknown.partitionId} is pinned to slot '${unknown.pinned}', which this context does not have (slots: ${[...this.knows.keys()].join(', ')})` },
      });
      return;
    }
    const gone = ts.tasks.find((t) => t.pinned !== undefined && this.slotState.get(t.pinned) === 'gone');
    if (gone !== undefined) {
      ts.zombie = true;
      this.prune();
      this.post({ type: 'TaskSetFailed', stageId: ts.stageId, stageAttempt: ts.stageAttempt, partitionId: gone.partitionId, failures: 0, error: this.slotGoneError(gone, 'lost earlier') });
      return;
    }
    if (ts.queueAhead) this.launchQueued(ts);
    this.offer();
  }

  /**
   * Sends every pending task of a queue-ahead set to its pinned slot now, busy or not; tasks pinned
   * to a slot being replaced stay pending until it is live again (executorAdded).
   */
  private launchQueued(ts: TaskSetManager): void {
    const waiting: number[] = [];
    for (const i of ts.pending.splice(0)) {
      if (this.slotState.get(ts.tasks[i].pinned!) === 'live') this.launch(ts, i, ts.tasks[i].pinned!);
      else waiting.push(i);
    }
    ts.pending.push(...waiting);
  }

  /** Stops launching the tasks of stage `stageId` (running ones finish; their results are ignored). */
  cancelStage(stageId: number): void {
    for (const ts of this.sets) if (ts.stageId === stageId) ts.zombie = true;
    this.prune();
  }

  /** Forgets a finished plan on the executors that hold it. */
  dropPlan(planId: string): void {
    for (const k of this.knows.values()) {
      if (k.plans.delete(planId)) k.drop.push(planId);
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.speculationTimer !== undefined) clearInterval(this.speculationTimer);
    for (const ts of this.sets) ts.zombie = true;
    this.sets.length = 0;
  }

  private prune(): void {
    for (let i = this.sets.length - 1; i >= 0; i--) {
      const ts = this.sets[i];
      if (ts.zombie && ts.running.size === 0) this.sets.splice(i, 1);
    }
  }

  /** Launches tasks on free slots: FIFO over task sets, preferring each slot's local tasks, then any after the locality wait. */
  private offer(): void {
    if (this.stopped) return;
    let deferred = false;
    for (let s = 0; s < this.free.length;) {
      const executorId = this.free[s];
      let launched = false;
      for (const ts of this.sets) {
        if (ts.zombie || ts.pending.length === 0) continue;
        const pick = this.pickTask(ts, executorId);
        if (pick === -1) { deferred = true; continue; }
        ts.pending.splice(ts.pending.indexOf(pick), 1);
        this.launch(ts, pick, executorId); // takes the slot out of `free`
        launched = true;
        break;
      }
      if (!launched) launched = this.launchSpeculative(executorId);
      if (!launched) s++;
    }
    if (deferred && this.timer === undefined) {
      this.timer = setTimeout(() => { this.timer = undefined; this.offer(); }, this.localityWaitMs);
      this.timer.unref?.();
    }
  }

  /**
   * Spark's speculation rule, per task set: once `quantile` of its tasks succeeded, a task running
   * (one attempt) longer than max(multiplier * median successful duration, minTaskRuntime) is marked
   * for a speculative copy. The first attempt to succeed counts; the other's result is ignored.
   */
  private checkSpeculatable(): void {
    if (this.stopped) return;
    const { quantile, multiplier, minTaskRuntimeMs } = this.speculation;
    const now = performance.now();
    let found = false;
    for (const ts of this.sets) {
      if (ts.zombie || !ts.maySpeculate || ts.queueAhead) continue;
      const n = ts.tasks.length;
      if (ts.numSucceeded < Math.max(Math.floor(quantile * n), 1) || ts.durations.length === 0) continue;
      const sorted = [...ts.durations].sort((a, b) => a - b);
      const median = sorted[Math.min(Math.round(0.5 * sorted.length), sorted.length - 1)];
      const threshold = Math.max(multiplier * median, minTaskRuntimeMs);
      for (const [i, running] of ts.attempts) {
        if (ts.successful[i] || running.length !== 1 || ts.speculatable.has(i) || ts.copies[i] > 0 || ts.tasks[i].pinned !== undefined) continue;
        if (now - running[0].startMs > threshold) {
          ts.speculatable.add(i);
          found = true;
        }
      }
    }
    if (found) this.offer();
  }

  /** Launches one speculative copy on `executorId` (a free slot not already running that task); whether it did. */
  private launchSpeculative(executorId: string): boolean {
    for (const ts of this.sets) {
      if (ts.zombie || ts.speculatable.size === 0) continue;
      for (const i of ts.speculatable) {
        if (ts.successful[i]) { ts.speculatable.delete(i); continue; }
        if ((ts.attempts.get(i) ?? []).some((a) => a.executorId === executorId)) continue;
        ts.speculatable.delete(i);
        ts.copies[i]++;
        this.speculativeLaunches++;
        this.launch(ts, i, executorId);
        return true;
      }
    }
    return false;
  }

  private pickTask(ts: TaskSetManager, executorId: string): number {
    let anyIndex = -1;
    for (const i of ts.pending) {
      const t = ts.tasks[i];
      if (t.pinned !== undefined) {
        if (t.pinned === executorId) return i;
        continue;
      }
      const pref = t.preferred;
      if (pref.length === 0 || pref.includes(executorId)) return i;
      if (anyIndex === -1) anyIndex = i;
    }
    // Only non-local tasks remain for this slot: wait for their slot unless it has taken too long.
    return performance.now() - ts.lastLaunch >= this.localityWaitMs ? anyIndex : -1;
  }

  private launch(ts: TaskSetManager, index: number, executorId: string): void {
    const task = ts.tasks[index];
    const attempt = ts.failures[index] + ts.copies[index];
    ts.running.set(index, (ts.running.get(index) ?? 0) + 1);
    ts.lastLaunch = performance.now();
    const copies = ts.attempts.get(index) ?? [];
    copies.push({ executorId, startMs: ts.lastLaunch });
    ts.attempts.set(index, copies);
    this.outstanding.set(executorId, (this.outstanding.get(executorId) ?? 0) + 1);
    const f = this.free.indexOf(executorId);
    if (f !== -1) this.free.splice(f, 1);
    const knows = this.knows.get(executorId)!;
    const msg: TaskMessage = {
      kind: 'task',
      taskId: this.nextTaskId++,
      stageId: ts.stageId,
      stageAttempt: ts.stageAttempt,
      partitionId: task.partitionId,
      attempt,
      planId: ts.planId,
      split: task.split,
    };
    if (knows.drop.length > 0) {
      msg.dropPlans = knows.drop;
      knows.drop = [];
    }
    if (!knows.plans.has(ts.planId)) {
      msg.plan = ts.plan;
      knows.plans.add(ts.planId);
    }
    for (const shuffleId of ts.readsShuffles) {
      const cur = this.tracker.get(shuffleId);
      if (cur === undefined) continue;
      if (knows.epochs.get(shuffleId) !== cur.epoch) {
        (msg.statuses ??= {})[shuffleId] = cur;
        knows.epochs.set(shuffleId, cur.epoch);
      }
    }
    const launchedMs = ts.lastLaunch;
    this.backend.launch(executorId, msg).then(
      (r) => this.onResult(ts, index, executorId, r, launchedMs),
      (e) => this.onResult(ts, index, executorId, { ok: false, error: launchError(e), blockUpdates: [] }, launchedMs),
    );
  }

  private onResult(ts: TaskSetManager, index: number, executorId: string, r: TaskResult, launchedMs: number): void {
    if (this.timeline.length >= TIMELINE_MAX) this.timeline.splice(0, TIMELINE_MAX / 10);
    this.timeline.push({
      stageId: ts.stageId, partitionId: ts.tasks[index].partitionId, executorId, launchedMs, endedMs: performance.now(),
      runMs: r.ok ? r.runMs : undefined, ok: r.ok, cpuMs: r.ok ? r.sched?.cpuMs : undefined, cpuWaitMs: r.ok ? r.sched?.waitMs : undefined,
    });
    const n = (ts.running.get(index) ?? 1) - 1;
    if (n <= 0) ts.running.delete(index);
    else ts.running.set(index, n);
    const copies = ts.attempts.get(index);
    const mine = copies?.findIndex((a) => a.executorId === executorId && a.startMs === launchedMs) ?? -1;
    if (copies !== undefined && mine !== -1) copies.splice(mine, 1);
    if (copies !== undefined && copies.length === 0) ts.attempts.delete(index);
    const left = (this.outstanding.get(executorId) ?? 1) - 1;
    if (left > 0) this.outstanding.set(executorId, left);
    else {
      this.outstanding.delete(executorId);
      // A slot whose executor was lost is not offered again until its replacement is ready.
      if (this.slotState.get(executorId) === 'live' && !this.free.includes(executorId)) this.free.push(executorId);
    }
    if (this.stopped) return;
    if (r.blockUpdates.length > 0) this.post({ type: 'BlockUpdates', updates: r.blockUpdates });
    if (!r.ok && r.missing === 'plan' && ts.resends[index] < MAX_RESENDS) {
      ts.resends[index]++;
      // The executor lost its cache (a restarted thread): resend everything; not the task's fault.
      const k = this.knows.get(executorId)!;
      k.plans.clear();
      k.epochs.clear();
      if (!ts.zombie) ts.pending.unshift(index);
      if (!ts.zombie && ts.queueAhead) this.launchQueued(ts);
    } else if (ts.zombie || ts.successful[index]) {
      // A late result of a cancelled set or a duplicate attempt: ignored.
    } else if (r.ok) {
      ts.successful[index] = true;
      ts.numSucceeded++;
      ts.durations.push(performance.now() - launchedMs);
      ts.speculatable.delete(index);
      if (ts.numSucceeded === ts.tasks.length) ts.zombie = true;
      this.post({ type: 'TaskEnded', stageId: ts.stageId, stageAttempt: ts.stageAttempt, partitionId: ts.tasks[index].partitionId, outputIndex: ts.tasks[index].outputIndex, executorId, value: r.value, accUpdates: r.accUpdates, metrics: r.metrics });
    } else if (r.error.fetchFailed !== undefined) {
      ts.zombie = true;
      this.post({ type: 'FetchFailed', stageId: ts.stageId, stageAttempt: ts.stageAttempt, ...r.error.fetchFailed, error: r.error });
    } else {
      ts.failures[index]++;
      if (ts.failures[index] >= ts.maxFailures) {
        ts.zombie = true;
        this.post({ type: 'TaskSetFailed', stageId: ts.stageId, stageAttempt: ts.stageAttempt, partitionId: ts.tasks[index].partitionId, failures: ts.failures[index], error: r.error });
      } else if (!ts.running.has(index)) {
        // Retried, unless another attempt of it (a speculative copy) is still running.
        ts.pending.push(index);
        if (ts.queueAhead) this.launchQueued(ts);
      }
    }
    this.prune();
    this.offer();
  }
}

/** Rebuilds a task's error on the driver: its message, and the executor's stack (the user function's frames included). */
export function driverError(e: TaskError): Error {
  const err = new Error(e.message) as Error & { code?: string };
  err.name = e.name;
  err.stack = e.stack;
  if (e.code !== undefined) err.code = e.code;
  return err;
}
