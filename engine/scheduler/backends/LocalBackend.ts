/** The `local` backend: N task slots, each a single-thread piscina pool, so a slot is one executor whose heap keeps its cached blocks (locality by slot). */
import { Piscina } from 'piscina';
import { engineError } from '../../catalogue.ts';
import type { ExecutorConfig } from '../../executor/Executor.ts';
import type { ControlMessage, TaskMessage, TaskResult } from '../protocol.ts';
import type { SchedulerBackend } from './SchedulerBackend.ts';

const WORKER_URL = new URL('../../executor/bootstrap.mjs', import.meta.url).href;

/**
 * Why one pool per slot: piscina picks a thread per task itself, but cached partitions and decoded
 * plans live in one thread's heap, so the scheduler must choose the thread. A single-thread pool per
 * slot gives it that choice; piscina still owns thread start-up, error isolation and restarts.
 */
export class LocalBackend implements SchedulerBackend {
  readonly name = 'local';
  readonly slots: string[];
  private readonly pools = new Map<string, Piscina>();
  private stopping = false;

  /** `idPrefix` names the slots (`local-0`, ...; an executor process of local-cluster uses its own). */
  constructor(numSlots: number, base: Omit<ExecutorConfig, 'executorId'>, idPrefix = 'local') {
    this.slots = Array.from({ length: numSlots }, (_, i) => `${idPrefix}-${i}`);
    for (const id of this.slots) {
      const pool = new Piscina({
        filename: WORKER_URL,
        minThreads: 1,
        maxThreads: 1,
        concurrentTasksPerWorker: 1,
        idleTimeout: Number.MAX_SAFE_INTEGER,
        // The bootstrap registers the TypeScript loader itself (see bootstrap.mjs).
        execArgv: [],
        workerData: { ...base, executorId: id } satisfies ExecutorConfig,
      });
      // Errors outside any task (a message racing a thread's shutdown) must not crash the driver;
      // task failures arrive through run()'s Promise instead.
      pool.on('error', (e: Error) => {
        if (!this.stopping) process.emitWarning(`flint executor ${id}: ${e.message}`, 'FlintExecutorWarning');
      });
      this.pools.set(id, pool);
    }
  }

  private pool(executorId: string): Piscina {
    const p = this.pools.get(executorId);
    if (p === undefined) throw engineError('INTERNAL', `no executor ${executorId} in the local backend`);
    return p;
  }

  launch(executorId: string, msg: TaskMessage): Promise<TaskResult> {
    return this.pool(executorId).run(msg);
  }

  control(executorId: string, msg: ControlMessage): Promise<unknown> {
    return this.pool(executorId).run(msg);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.pools.values()].map((p) => p.destroy()));
    this.pools.clear();
  }
}
