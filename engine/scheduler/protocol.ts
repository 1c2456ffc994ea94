/** The scheduler's message protocol with executors: the task and control messages the driver sends, the results and errors that come back, and what a stage plan's root decodes to. */
import type { EncodedPlan } from '../serde/plan.ts';
import type { MapStatus, ShuffleWriteSpec } from '../shuffle/api.ts';
import type { BlockUpdate } from '../storage/BlockManager.ts';
import type { Partition, RDD } from '../rdd/RDD.ts';
import type { AccUpdate, TaskMetrics } from '../executor/TaskContext.ts';

/** A task as the driver sends it. `plan` and `statuses` are sent only when this executor lacks them. */
export interface TaskMessage {
  kind: 'task';
  taskId: number;
  stageId: number;
  stageAttempt: number;
  partitionId: number;
  attempt: number;
  planId: string;
  plan?: EncodedPlan;
  statuses?: Record<number, { epoch: number; statuses: MapStatus[] }>;
  split: Partition;
  /** Plans of finished stages this executor can forget. */
  dropPlans?: string[];
}

/** Executor housekeeping the driver asks for. */
export interface ControlMessage {
  kind: 'control';
  op: 'removeRdd' | 'dropBroadcast' | 'clearObjects' | 'dropPlans' | 'stats' | 'dropShuffle' | 'preload' | 'exchangeAttach' | 'exchangeDetach';
  arg?: unknown;
}

/** An error as it crosses threads. */
export interface TaskError {
  name: string;
  message: string;
  stack: string;
  code?: string;
  /** The first stack frame inside a user function, when the error came from one. */
  userFrame?: string;
  /** Set when a map output could not be read: the scheduler recomputes it instead of retrying blindly. */
  fetchFailed?: { shuffleId: number; mapId: number };
}

export type TaskResult =
  | { ok: true; value: unknown; accUpdates: [number, AccUpdate][]; blockUpdates: BlockUpdate[]; runMs: number; metrics: TaskMetrics; sched?: { cpuMs: number; waitMs: number } }
  | { ok: false; error: TaskError; blockUpdates: BlockUpdate[]; missing?: 'plan' | 'statuses' };

/** The shuffle side of a map stage's plan. */
export interface ShufflePlanDep {
  shuffleId: number;
  partitioner: ShuffleWriteSpec<unknown, unknown, unknown>['partitioner'];
  aggregator?: ShuffleWriteSpec<unknown, unknown, unknown>['aggregator'];
  mapSideCombine: boolean;
  keyOrdering?: (a: unknown, b: unknown) => number;
  sorted: boolean;
}

/** What a stage plan's root decodes to. */
export type PlanRoot =
  | { rdd: RDD<unknown>; kind: 'result'; op: string; params: Record<string, unknown> }
  | { rdd: RDD<unknown>; kind: 'shuffle'; dep: ShufflePlanDep };
