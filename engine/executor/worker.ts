/** The worker-thread entry of a local task slot (a piscina worker): one ExecutorRuntime per thread, fed tasks and control messages. */
import { workerData } from 'piscina';
import { ExecutorRuntime, type ExecutorConfig } from './Executor.ts';
import type { ControlMessage, TaskMessage, TaskResult } from '../scheduler/protocol.ts';

const runtime = new ExecutorRuntime(workerData as ExecutorConfig);

/** Piscina calls this once per message. */
export default function handle(msg: TaskMessage | ControlMessage): Promise<TaskResult | unknown> {
  return msg.kind === 'task' ? runtime.runTask(msg) : runtime.control(msg);
}
