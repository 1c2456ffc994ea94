/** The scheduler backend contract: where task slots live (`local`: worker threads in this process; `cluster`: executor processes). */
import type { ControlMessage, TaskMessage, TaskResult } from '../protocol.ts';
import type { ExchangeLayout } from '../../storage/exchange.ts';

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
  /** Gives every slot its arena of a new block exchange (engine/storage/exchange.ts). */
  createExchange(id: string, layout: ExchangeLayout): Promise<void>;
  /** Aborts an exchange everywhere at once: every waiting task wakes and fails (not queued behind tasks). */
  abortExchange(id: string): void;
  /** Releases an exchange's arenas (after its jobs ended). */
  destroyExchange(id: string): Promise<void>;
  /** Stops every executor (running tasks are abandoned). */
  stop(): Promise<void>;
}
