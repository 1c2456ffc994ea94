/** Stages and jobs as the DAGScheduler tracks them. */
import type { RDD } from '../rdd/RDD.ts';
import type { ShuffleDependency } from '../rdd/Dependency.ts';

/** A set of tasks computing the same narrow chain over the partitions of `rdd`, ending at a shuffle write (map stage) or an action (result stage). */
export abstract class Stage {
  readonly jobIds = new Set<number>();
  /** Attempt number of the latest submission (-1 before the first). */
  latestAttempt = -1;
  /** Consecutive fetch-failure resubmissions (abort past a limit). */
  fetchFailures = 0;
  /** Partitions of the current attempt not yet done. */
  readonly pending = new Set<number>();

  constructor(
    readonly id: number,
    readonly rdd: RDD<unknown>,
    readonly parents: ShuffleMapStage[],
    readonly firstJobId: number,
    /** For messages and the progress bar: "reduceByKey at wordcount.ts:12". */
    readonly name: string,
  ) {}
}

/** Writes shuffle `dep.shuffleId`; its outputs are tracked by the MapOutputTracker and reused by later jobs. */
export class ShuffleMapStage extends Stage {
  constructor(id: number, rdd: RDD<unknown>, parents: ShuffleMapStage[], firstJobId: number, name: string, readonly dep: ShuffleDependency) {
    super(id, rdd, parents, firstJobId, name);
  }
  get numTasks(): number {
    return this.rdd.partitions.length;
  }
}

/** Runs action `op` over `partitions` of `rdd` for one job. */
export class ResultStage extends Stage {
  job: ActiveJob | undefined;
  constructor(id: number, rdd: RDD<unknown>, parents: ShuffleMapStage[], firstJobId: number, name: string, readonly op: string, readonly params: Record<string, unknown>, readonly partitions: number[]) {
    super(id, rdd, parents, firstJobId, name);
  }
  get numTasks(): number {
    return this.partitions.length;
  }
}

/** A running action: results by output index, resolved when all are in. */
/**
 * How a job's tasks are placed, beyond the defaults (locality preference, flint.task.maxFailures).
 * Iterative jobs that exchange blocks between their tasks (DL training groups) pin each partition
 * to one slot and queue their tasks ahead on it (Drizzle's pre-scheduling).
 */
export interface JobOptions {
  /** `pinned[p]` is the slot (executor id) partition p must run on: never elsewhere, whatever the locality wait. */
  pinned?: readonly string[];
  /** Attempts per task for this job (1: no retry). */
  maxFailures?: number;
  /**
   * With `pinned`: send every task to its slot's queue at once, even while the slot runs earlier
   * tasks; a slot runs its queue in submission order, so jobs submitted together run in that order
   * on every slot without a driver round trip between them.
   */
  queueAhead?: boolean;
}

export interface ActiveJob {
  jobId: number;
  opts: JobOptions;
  rdd: RDD<unknown>;
  op: string;
  params: Record<string, unknown>;
  partitions: number[];
  site: string;
  finalStage?: ResultStage;
  results: unknown[];
  finished: boolean[];
  numFinished: number;
  resolve: (results: unknown[]) => void;
  reject: (e: Error) => void;
}
