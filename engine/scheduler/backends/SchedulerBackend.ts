/** The scheduler backend contract: where task slots live (`local`: worker threads in this process; `cluster`: executor processes). */
import type { ControlMessage, TaskMessage, TaskResult } from '../protocol.ts';
import type { ExchangeLayout } from '../../storage/exchange.ts';

/** What a backend tells the TaskScheduler about its executors coming and going (Spark's executor-lost path). */
export interface ExecutorListener {
  /**
   * The executor behind `slots` is gone: take them out of the offer set. `replacing`: a replacement is
   * starting under the same slot ids (pinned tasks wait for it); otherwise the slots never come back.
   * Called before the executor's in-flight requests fail.
   */
  executorLost(slots: readonly string[], reason: string, replacing: boolean): void;
  /** A replacement executor for `slots` is ready (with empty caches). */
  executorAdded(slots: readonly string[]): void;
}

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
  /** Subscribes the scheduler to executor loss and replacement (backends whose executors cannot be lost omit it). */
  setListener?(l: ExecutorListener): void;
  /** Kills every executor synchronously (process exit and signals, where nothing can be awaited). */
  killNow?(): void;
  /** Stops every executor (running tasks are abandoned). */
  stop(): Promise<void>;
}
