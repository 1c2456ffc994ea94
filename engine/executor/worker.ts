/** The worker-thread entry of a local task slot (a piscina worker): one ExecutorRuntime per thread, fed tasks and control messages. */
import { workerData } from 'piscina';
import { ExecutorRuntime, type ExecutorConfig } from './Executor.ts';
import type { ControlMessage, TaskMessage, TaskResult } from '../scheduler/protocol.ts';

const runtime = new ExecutorRuntime(workerData as ExecutorConfig);

/** The end of this slot's chain of messages: each runs after the one before it has finished. */
let tail: Promise<unknown> = Promise.resolve();

/**
 * Piscina calls this once per message, as soon as the message arrives (the slot's pool lets many be in
 * flight): messages run one at a time in arrival order, so a slot given a queue of tasks ahead runs
 * them back to back without a round trip to the main thread between them.
 */
export default function handle(msg: TaskMessage | ControlMessage): Promise<TaskResult | unknown> {
  const run = tail.then(() => (msg.kind === 'task' ? runtime.runTask(msg) : runtime.control(msg)));
  tail = run.catch(() => undefined);
  return run;
}
