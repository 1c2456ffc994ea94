/** The scheduler backend contract: where task slots live (`local`: worker threads in this process; `cluster`: executor processes). */
import type { ControlMessage, TaskMessage, TaskResult } from '../protocol.ts';

/** A pluggable set of executors, each with one or more task slots. */
export interface SchedulerBackend {
  /** Short config name ('local'). */
  readonly name: string;
  /** One entry per task slot: the executor id that slot runs on. */
  readonly slots: readonly string[];
  /** Runs a task on executor `executorId`; resolves with its result (failures included). */
  launch(executorId: string, msg: TaskMessage): Promise<TaskResult>;
  /** Sends housekeeping to one executor. */
  control(executorId: string, msg: ControlMessage): Promise<unknown>;
  /** Stops every executor (running tasks are abandoned). */
  stop(): Promise<void>;
}
