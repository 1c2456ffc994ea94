/**
 * DAGScheduler: turns each job into stages cut at shuffle dependencies, submits a stage's tasks once
 * its parent stages' map outputs exist, and tracks jobs to completion. One event loop over typed
 * events (events.ts); handlers are synchronous and never await.
 *
 * Review checklist:
 * - Every stage a job creates is removed when no active job needs it (assertDataStructuresEmpty).
 * - Map outputs live in the MapOutputTracker, not in stages: a later job reuses a shuffle by finding
 *   it available and skipping its stage.
 * - Results and accumulator updates count once per partition per job, from successful attempts only.
 * - A fetch failure unregisters the lost output and resubmits the map stage, then the failed stage.
 * - A task set that fails for good aborts every job depending on its stage, with the task's error.
 */
import { engineError } from '../catalogue.ts';
import { encodePlan } from '../serde/plan.ts';
import type { ShippedFn } from '../serde/closure.ts';
import { NarrowDependency, ShuffleDependency } from '../rdd/Dependency.ts';
import type { RDD } from '../rdd/RDD.ts';
import { rddBlockId, type BlockUpdate } from '../storage/BlockManager.ts';
import type { AccUpdate } from '../executor/TaskContext.ts';
import type { TaskError } from './protocol.ts';
import type { MapOutputTracker } from './MapOutputTracker.ts';
import { TaskSetManager, TaskScheduler, driverError, type TaskSpec } from './TaskScheduler.ts';
import { ResultStage, ShuffleMapStage, Stage, type ActiveJob, type JobOptions } from './stages.ts';
import type { DAGEvent } from './events.ts';

/** Consecutive fetch failures of one stage before its jobs abort (Spark's maxConsecutiveStageAttempts). */
const MAX_STAGE_ATTEMPTS = 4;
const RESUBMIT_DELAY_MS = 50;

/** Live progress of a running stage, for the console progress bar. */
export interface StageProgress {
  stageId: number;
  name: string;
  numTasks: number;
  completed: number;
  running: number;
}

export class DAGScheduler {
  private readonly queue: DAGEvent[] = [];
  private draining = false;
  private nextStageId = 0;
  private nextJobId = 0;
  private readonly jobs = new Map<number, ActiveJob>();
  private readonly stages = new Map<number, Stage>();
  private readonly shuffleStages = new Map<number, ShuffleMapStage>();
  private readonly waiting = new Set<Stage>();
  private readonly running = new Set<Stage>();
  private readonly failed = new Set<Stage>();
  private readonly taskSets = new Map<number, TaskSetManager>();
  /** Where cached blocks live: block id -> executor ids. */
  readonly blockLocations = new Map<string, Set<string>>();
  private resubmitTimer: ReturnType<typeof setTimeout> | undefined;
  /** Substitutes shipped functions as plans are encoded (the context turns large env values into broadcasts). */
  planFunctionMapper: ((f: ShippedFn) => ShippedFn) | undefined;
  /** Set by stop(): jobs submitted after it fail at once. */
  private stopReason: string | undefined;
  /** Counters for tests and diagnostics: stage attempts submitted (map and result) and tasks in them. */
  readonly metrics = {
    jobs: 0, mapStagesSubmitted: 0, resultStagesSubmitted: 0, tasksSubmitted: 0,
    /** Sums over successful tasks: shuffle records and bytes written and read, and spills. */
    shuffleRecordsWritten: 0, shuffleBytesWritten: 0, shuffleRecordsRead: 0, shuffleBytesRead: 0, spillCount: 0, spilledBytes: 0,
  };

  constructor(
    readonly tracker: MapOutputTracker,
    readonly taskScheduler: TaskScheduler,
    private readonly maxFailures: () => number,
    private readonly onAccumulatorUpdates: (updates: [number, AccUpdate][]) => void,
  ) {}

  /** Posts an event; the loop handles events one at a time, in order. */
  post(e: DAGEvent): void {
    this.queue.push(e);
    if (!this.draining) queueMicrotask(() => this.drain());
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let e = this.queue.shift(); e !== undefined; e = this.queue.shift()) {
        try {
          this.handle(e);
        } catch (err) {
          this.failAllJobs(err instanceof Error ? err : new Error(String(err)));
        }
      }
    } finally {
      this.draining = false;
    }
  }

  /** Submits a job; the Promise settles with the per-partition results (in `partitions` order). */
  submitJob<R>(rdd: RDD<unknown>, op: string, params: Record<string, unknown>, partitions: number[], site: string, opts: JobOptions = {}): Promise<R[]> {
    return new Promise<R[]>((resolve, reject) => {
      const job: ActiveJob = {
        jobId: this.nextJobId++, rdd, op, params, partitions, site, opts,
        results: new Array(partitions.length), finished: new Array(partitions.length).fill(false), numFinished: 0,
        resolve: resolve as (r: unknown[]) => void, reject,
      };
      if (partitions.length === 0) {
        resolve([]);
        return;
      }
      this.post({ type: 'JobSubmitted', job });
    });
  }

  /** Fails every active job. */
  cancelAllJobs(reason: string): void {
    this.failAllJobs(engineError('JOB_CANCELLED', reason));
  }

  /**
   * Context stop: fails every active job, and every job whose submission is still queued or comes
   * later (their tasks could never launch: the TaskScheduler stops too).
   */
  stop(reason: string): void {
    this.stopReason = reason;
    if (this.resubmitTimer !== undefined) clearTimeout(this.resubmitTimer);
    this.resubmitTimer = undefined;
    this.cancelAllJobs(reason);
  }

  private handle(e: DAGEvent): void {
    switch (e.type) {
      case 'JobSubmitted': return this.handleJobSubmitted(e.job);
      case 'TaskEnded': return this.handleTaskEnded(e);
      case 'TaskSetFailed': return this.handleTaskSetFailed(e.stageId, e.stageAttempt, e.partitionId, e.failures, e.error);
      case 'FetchFailed': return this.handleFetchFailed(e.stageId, e.stageAttempt, e.shuffleId, e.mapId, e.error);
      case 'ResubmitFailedStages': return this.resubmitFailedStages();
      case 'BlockUpdates': return this.applyBlockUpdates(e.updates);
      case 'ExecutorLost': return this.forgetExecutors(e.executorIds);
      case 'JobCancelled': {
        const job = this.jobs.get(e.jobId);
        if (job !== undefined) this.failJob(job, engineError('JOB_CANCELLED', `job ${e.jobId} cancelled: ${e.reason}`));
        return;
      }
    }
  }

  // ---- stage construction ----

  private stageName(rdd: RDD<unknown>, what: string): string {
    return `${what} at ${rdd.site || '?'}`;
  }

  private getOrCreateShuffleMapStage(dep: ShuffleDependency, jobId: number): ShuffleMapStage {
    const existing = this.shuffleStages.get(dep.shuffleId);
    if (existing !== undefined) return existing;
    const parents = this.getParentStages(dep.rdd, jobId);
    const stage = new ShuffleMapStage(this.nextStageId++, dep.rdd, parents, jobId, this.stageName(dep.rdd, 'shuffle write'), dep);
    this.stages.set(stage.id, stage);
    this.shuffleStages.set(dep.shuffleId, stage);
    this.tracker.register(dep.shuffleId, dep.rdd.partitions.length);
    return stage;
  }

  /** The shuffle dependencies reachable from `rdd` through narrow dependencies (this stage's inputs). */
  private shuffleDepsOf(rdd: RDD<unknown>, beneathCached = false): ShuffleDependency[] {
    const out: ShuffleDependency[] = [];
    const seen = new Set<RDD<unknown>>();
    const stack = [rdd];
    while (stack.length > 0) {
      const r = stack.pop()!;
      if (seen.has(r)) continue;
      seen.add(r);
      if (!beneathCached && this.fullyCached(r)) continue;
      for (const d of r.dependencies) {
        if (d instanceof ShuffleDependency) out.push(d);
        else stack.push(d.rdd);
      }
    }
    return out;
  }

  /** Whether every partition of a persisted RDD has a cached block (its lineage is then not needed). */
  private fullyCached(r: RDD<unknown>): boolean {
    if (!r.storageLevel.isValid) return false;
    const n = r.partitions.length;
    for (let p = 0; p < n; p++) if ((this.blockLocations.get(rddBlockId(r.id, p))?.size ?? 0) === 0) return false;
    return n > 0;
  }

  private getParentStages(rdd: RDD<unknown>, jobId: number): ShuffleMapStage[] {
    return this.shuffleDepsOf(rdd).map((d) => this.getOrCreateShuffleMapStage(d, jobId));
  }

  private missingParents(stage: Stage): ShuffleMapStage[] {
    const firstJob = [...stage.jobIds][0] ?? stage.firstJobId;
    return this.getParentStages(stage.rdd, firstJob).filter((p) => !this.tracker.isAvailable(p.dep.shuffleId));
  }

  private addJobToStages(stage: Stage, jobId: number): void {
    const stack = [stage];
    while (stack.length > 0) {
      const s = stack.pop()!;
      if (s.jobIds.has(jobId)) continue;
      s.jobIds.add(jobId);
      for (const p of this.getParentStages(s.rdd, jobId)) stack.push(p);
    }
  }

  // ---- handlers ----

  private handleJobSubmitted(job: ActiveJob): void {
    if (this.stopReason !== undefined) {
      job.reject(engineError('JOB_CANCELLED', this.stopReason));
      return;
    }
    let stage: ResultStage;
    try {
      const parents = this.getParentStages(job.rdd, job.jobId);
      stage = new ResultStage(this.nextStageId++, job.rdd, parents, job.jobId, this.stageName(job.rdd, job.op), job.op, job.params, job.partitions);
    } catch (e) {
      job.reject(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    this.stages.set(stage.id, stage);
    this.metrics.jobs++;
    stage.job = job;
    job.finalStage = stage;
    this.jobs.set(job.jobId, job);
    this.addJobToStages(stage, job.jobId);
    this.submitStage(stage);
  }

  private submitStage(stage: Stage): void {
    if (this.waiting.has(stage) || this.running.has(stage) || this.failed.has(stage)) return;
    if (stage.jobIds.size === 0) return;
    const missing = this.missingParents(stage);
    if (missing.length === 0) {
      this.submitMissingTasks(stage);
    } else {
      for (const p of missing) this.submitStage(p);
      this.waiting.add(stage);
    }
  }

  private preferredLocations(rdd: RDD<unknown>, partition: number, seen = new Set<string>()): string[] {
    const key = `${rdd.id}:${partition}`;
    if (seen.has(key)) return [];
    seen.add(key);
    if (rdd.storageLevel.isValid) {
      const locs = this.blockLocations.get(rddBlockId(rdd.id, partition));
      if (locs !== undefined && locs.size > 0) return [...locs];
    }
    const own = rdd.preferredLocations(rdd.partitions[partition]);
    if (own.length > 0) return own;
    for (const d of rdd.dependencies) {
      if (!(d instanceof NarrowDependency)) continue;
      for (const p of d.getParents(partition)) {
        const locs = this.preferredLocations(d.rdd, p, seen);
        if (locs.length > 0) return locs;
      }
    }
    return [];
  }

  private submitMissingTasks(stage: Stage): void {
    stage.latestAttempt++;
    stage.pending.clear();
    const tasks: TaskSpec[] = [];
    let root: unknown;
    if (stage instanceof ShuffleMapStage) {
      const dep = stage.dep;
      for (const p of this.tracker.missing(dep.shuffleId)) {
        tasks.push({ partitionId: p, outputIndex: p, split: stage.rdd.partitions[p], preferred: this.preferredLocations(stage.rdd, p) });
      }
      root = { rdd: stage.rdd, kind: 'shuffle', dep: { shuffleId: dep.shuffleId, partitioner: dep.partitioner, aggregator: dep.aggregator, mapSideCombine: dep.mapSideCombine, keyOrdering: dep.keyOrdering, sorted: dep.sorted } };
    } else {
      const rs = stage as ResultStage;
      const job = rs.job!;
      const pinned = job.opts.pinned;
      rs.partitions.forEach((p, i) => {
        if (!job.finished[i]) tasks.push({ partitionId: p, outputIndex: i, split: rs.rdd.partitions[p], preferred: this.preferredLocations(rs.rdd, p), pinned: pinned?.[p] });
      });
      root = { rdd: rs.rdd, kind: 'result', op: rs.op, params: rs.params };
    }
    if (tasks.length === 0) {
      this.markStageFinished(stage);
      return;
    }
    let plan;
    try {
      plan = encodePlan(root, this.planFunctionMapper);
    } catch (e) {
      this.abortStage(stage, e instanceof Error ? e : new Error(String(e)));
      return;
    }
    for (const t of tasks) stage.pending.add(t.partitionId);
    this.running.add(stage);
    if (stage instanceof ShuffleMapStage) this.metrics.mapStagesSubmitted++;
    else this.metrics.resultStagesSubmitted++;
    this.metrics.tasksSubmitted += tasks.length;
    // Shuffles beneath cached RDDs too: a task that finds a cached block lost (its executor was
    // replaced) recomputes it from lineage and needs those map outputs' locations.
    const readsShuffles = this.shuffleDepsOf(stage.rdd, true).map((d) => d.shuffleId);
    const opts = stage instanceof ResultStage ? stage.job!.opts : {};
    // Speculation never applies to a job that pins its tasks or sets its own maxFailures (a training
    // group's jobs): their tasks wait on each other's blocks, and a copy would publish twice.
    const maySpeculate = opts.pinned === undefined && opts.maxFailures === undefined && opts.queueAhead !== true;
    const ts = new TaskSetManager(stage.id, stage.latestAttempt, `${stage.id}.${stage.latestAttempt}`, plan, readsShuffles, tasks,
      opts.maxFailures ?? this.maxFailures(), opts.queueAhead === true && opts.pinned !== undefined, maySpeculate);
    this.taskSets.set(stage.id, ts);
    this.taskScheduler.submitTasks(ts);
  }

  private handleTaskEnded(e: Extract<DAGEvent, { type: 'TaskEnded' }>): void {
    const m = this.metrics;
    m.shuffleRecordsWritten += e.metrics.shuffleRecordsWritten;
    m.shuffleBytesWritten += e.metrics.shuffleBytesWritten;
    m.shuffleRecordsRead += e.metrics.shuffleRecordsRead;
    m.shuffleBytesRead += e.metrics.shuffleBytesRead;
    m.spillCount += e.metrics.spillCount;
    m.spilledBytes += e.metrics.spilledBytes;
    const stage = this.stages.get(e.stageId);
    if (stage === undefined) return;
    if (stage instanceof ResultStage) {
      const job = stage.job;
      if (job === undefined || !this.jobs.has(job.jobId) || job.finished[e.outputIndex]) return;
      this.onAccumulatorUpdates(e.accUpdates);
      job.results[e.outputIndex] = e.value;
      job.finished[e.outputIndex] = true;
      job.numFinished++;
      stage.pending.delete(e.partitionId);
      if (job.numFinished === job.partitions.length) {
        this.markStageFinished(stage);
        this.finishJob(job);
      }
      return;
    }
    const ms = stage as ShuffleMapStage;
    if (e.stageAttempt !== ms.latestAttempt && !ms.pending.has(e.partitionId)) return;
    this.onAccumulatorUpdates(e.accUpdates);
    this.tracker.add(e.value as Parameters<MapOutputTracker['add']>[0]);
    ms.pending.delete(e.partitionId);
    if (ms.pending.size === 0 && this.running.has(ms)) {
      this.markStageFinished(ms);
      if (this.tracker.isAvailable(ms.dep.shuffleId)) {
        ms.fetchFailures = 0;
        this.submitWaitingChildren();
      } else {
        this.submitStage(ms);
      }
    }
  }

  private submitWaitingChildren(): void {
    const ready = [...this.waiting].filter((s) => this.missingParents(s).length === 0);
    for (const s of ready) {
      this.waiting.delete(s);
      this.submitStage(s);
    }
  }

  private markStageFinished(stage: Stage): void {
    this.running.delete(stage);
    const ts = this.taskSets.get(stage.id);
    if (ts !== undefined) {
      this.taskSets.delete(stage.id);
      this.taskScheduler.dropPlan(ts.planId);
    }
  }

  private handleTaskSetFailed(stageId: number, stageAttempt: number, partitionId: number, failures: number, error: TaskError): void {
    const stage = this.stages.get(stageId);
    if (stage === undefined || stage.latestAttempt !== stageAttempt) return;
    const where = error.userFrame ? `\n  in user code: ${error.userFrame}` : '';
    const err = engineError('JOB_FAILED',
      `Job aborted: task for partition ${partitionId} of stage ${stageId} (${stage.name}) failed ${failures} time${failures === 1 ? '' : 's'} ` +
      `(flint.task.maxFailures = ${this.maxFailures()}); most recent failure: ${error.name}: ${error.message}${where}`,
      { cause: driverError(error) });
    this.abortStage(stage, err);
  }

  private handleFetchFailed(stageId: number, stageAttempt: number, shuffleId: number, mapId: number, error: TaskError): void {
    const stage = this.stages.get(stageId);
    if (stage === undefined || stage.latestAttempt !== stageAttempt) return;
    this.tracker.removeOutput(shuffleId, mapId);
    this.markStageFinished(stage);
    this.taskScheduler.cancelStage(stageId);
    stage.fetchFailures++;
    if (stage.fetchFailures > MAX_STAGE_ATTEMPTS) {
      this.abortStage(stage, engineError('JOB_FAILED',
        `Job aborted: stage ${stageId} (${stage.name}) lost shuffle input ${MAX_STAGE_ATTEMPTS} times in a row; last: ${error.message}`, { cause: driverError(error) }));
      return;
    }
    this.failed.add(stage);
    const mapStage = this.shuffleStages.get(shuffleId);
    if (mapStage !== undefined) this.failed.add(mapStage);
    if (this.resubmitTimer === undefined) {
      this.resubmitTimer = setTimeout(() => {
        this.resubmitTimer = undefined;
        this.post({ type: 'ResubmitFailedStages' });
      }, RESUBMIT_DELAY_MS);
    }
  }

  private resubmitFailedStages(): void {
    const stages = [...this.failed].sort((a, b) => a.firstJobId - b.firstJobId || a.id - b.id);
    this.failed.clear();
    for (const s of stages) this.submitStage(s);
  }

  private applyBlockUpdates(updates: BlockUpdate[]): void {
    for (const u of updates) {
      let locs = this.blockLocations.get(u.blockId);
      if (u.inMemory || u.onDisk) {
        if (locs === undefined) this.blockLocations.set(u.blockId, (locs = new Set()));
        locs.add(u.executorId);
      } else if (locs !== undefined) {
        locs.delete(u.executorId);
        if (locs.size === 0) this.blockLocations.delete(u.blockId);
      }
    }
  }

  /**
   * A lost executor's cached blocks are gone (its replacement starts empty): forget them, so no task
   * waits the locality delay for them. Map outputs are files on the host and survive.
   */
  private forgetExecutors(executorIds: string[]): void {
    for (const [id, locs] of [...this.blockLocations]) {
      for (const e of executorIds) locs.delete(e);
      if (locs.size === 0) this.blockLocations.delete(id);
    }
  }

  /** Forgets cached-block locations of RDD `rddId` (after unpersist). */
  forgetRdd(rddId: number): void {
    const prefix = `rdd_${rddId}_`;
    for (const id of [...this.blockLocations.keys()]) if (id.startsWith(prefix)) this.blockLocations.delete(id);
  }

  // ---- job completion and cleanup ----

  private abortStage(stage: Stage, err: Error): void {
    const jobs = [...stage.jobIds].map((id) => this.jobs.get(id)).filter((j): j is ActiveJob => j !== undefined);
    for (const job of jobs) this.failJob(job, err);
  }

  private finishJob(job: ActiveJob): void {
    this.cleanupJob(job);
    job.resolve(job.results);
  }

  private failJob(job: ActiveJob, err: Error): void {
    if (!this.jobs.has(job.jobId)) return;
    // cleanupJob cancels the task sets of the stages only this job needed.
    this.cleanupJob(job);
    job.reject(err);
  }

  private failAllJobs(err: Error): void {
    for (const job of [...this.jobs.values()]) this.failJob(job, err);
  }

  /** Removes the job and every stage only it needed. */
  private cleanupJob(job: ActiveJob): void {
    this.jobs.delete(job.jobId);
    for (const [id, s] of [...this.stages]) {
      if (!s.jobIds.delete(job.jobId) || s.jobIds.size > 0) continue;
      this.stages.delete(id);
      this.waiting.delete(s);
      this.running.delete(s);
      this.failed.delete(s);
      const ts = this.taskSets.get(id);
      if (ts !== undefined) {
        this.taskSets.delete(id);
        this.taskScheduler.cancelStage(id);
        this.taskScheduler.dropPlan(ts.planId);
      }
      if (s instanceof ShuffleMapStage && this.shuffleStages.get(s.dep.shuffleId) === s) this.shuffleStages.delete(s.dep.shuffleId);
    }
  }

  /** Running stages' progress. */
  progress(): StageProgress[] {
    const out: StageProgress[] = [];
    for (const s of this.running) {
      const ts = this.taskSets.get(s.id);
      if (ts === undefined) continue;
      out.push({ stageId: s.id, name: s.name, numTasks: ts.tasks.length, completed: ts.numSucceeded, running: ts.running.size });
    }
    return out;
  }

  get activeJobCount(): number {
    return this.jobs.size;
  }

  /** Throws when scheduler state leaked past the end of all jobs (tests call this after each job). */
  assertDataStructuresEmpty(): void {
    const leaks: string[] = [];
    if (this.jobs.size > 0) leaks.push(`${this.jobs.size} active jobs`);
    if (this.stages.size > 0) leaks.push(`${this.stages.size} stages`);
    if (this.shuffleStages.size > 0) leaks.push(`${this.shuffleStages.size} shuffle stages`);
    if (this.waiting.size > 0) leaks.push(`${this.waiting.size} waiting stages`);
    if (this.running.size > 0) leaks.push(`${this.running.size} running stages`);
    if (this.failed.size > 0) leaks.push(`${this.failed.size} failed stages`);
    if (this.taskSets.size > 0) leaks.push(`${this.taskSets.size} task sets`);
    if (this.queue.length > 0) leaks.push(`${this.queue.length} queued events`);
    if (leaks.length > 0) throw engineError('INTERNAL', `scheduler state leaked after jobs ended: ${leaks.join(', ')}`);
  }
}

