/** The `local` backend: N task slots, each a single-thread piscina pool, so a slot is one executor whose heap keeps its cached blocks (locality by slot). */
import { Piscina } from 'piscina';
import { engineError } from '../../catalogue.ts';
import type { ExecutorConfig } from '../../executor/Executor.ts';
import type { ControlMessage, TaskMessage, TaskResult } from '../protocol.ts';
import type { SchedulerBackend } from './SchedulerBackend.ts';
import { ExchangeArena, type ExchangeLayout, type ExchangeRoutes } from '../../storage/exchange.ts';

const WORKER_URL = new URL('../../executor/bootstrap.mjs', import.meta.url).href;

/** One slot's FIFO of messages not yet handed to its pool. */
interface SlotQueue {
  pool: Piscina;
  waiting: { msg: TaskMessage | ControlMessage; resolve: (v: unknown) => void; reject: (e: unknown) => void }[];
}

/**
 * Why one pool per slot: piscina picks a thread per task itself, but cached partitions and decoded
 * plans live in one thread's heap, so the scheduler must choose the thread. A single-thread pool per
 * slot gives it that choice; piscina still owns thread start-up, error isolation and restarts.
 *
 * Each slot runs its messages strictly in arrival order, one at a time: the worker chains them
 * (worker.ts), and the pool takes any number at once, so a slot given tasks ahead (Drizzle's
 * queued-ahead job groups) runs them back to back. Piscina's own queue, used while the thread is not
 * ready (starting or restarting), does not dequeue in FIFO order, so messages wait here while it
 * holds one.
 */
export class LocalBackend implements SchedulerBackend {
  readonly name = 'local';
  readonly slots: string[];
  private readonly pools = new Map<string, SlotQueue>();
  private stopping = false;
  /** Arenas of this process's block exchanges (shared with every slot thread). */
  readonly arenas = new Map<string, ExchangeArena>();

  /** `idPrefix` names the slots (`local-0`, ...; an executor process of local-cluster uses its own). */
  /** `resourceLimits` bound each slot thread's heap (local-cluster gives each slot its share of memMB). */
  constructor(numSlots: number, base: Omit<ExecutorConfig, 'executorId'>, idPrefix = 'local', resourceLimits?: { maxOldGenerationSizeMb: number }) {
    this.slots = Array.from({ length: numSlots }, (_, i) => `${idPrefix}-${i}`);
    for (const id of this.slots) {
      const pool = new Piscina({
        filename: WORKER_URL,
        minThreads: 1,
        maxThreads: 1,
        // the worker serializes messages itself (worker.ts): the pool need not hold them back
        concurrentTasksPerWorker: 1 << 20,
        idleTimeout: Number.MAX_SAFE_INTEGER,
        // The bootstrap registers the TypeScript loader itself (see bootstrap.mjs).
        execArgv: [],
        resourceLimits,
        workerData: { ...base, executorId: id } satisfies ExecutorConfig,
      });
      // Errors outside any task (a message racing a thread's shutdown) must not crash the driver;
      // task failures arrive through run()'s Promise instead.
      pool.on('error', (e: Error) => {
        if (!this.stopping) process.emitWarning(`flint executor ${id}: ${e.message}`, 'FlintExecutorWarning');
      });
      this.pools.set(id, { pool, waiting: [] });
    }
  }

  /** Queues a message for a slot's thread; it runs after every message queued before it. */
  private run(executorId: string, msg: TaskMessage | ControlMessage): Promise<unknown> {
    const q = this.pools.get(executorId);
    if (q === undefined) return Promise.reject(engineError('INTERNAL', `no executor ${executorId} in the local backend`));
    return new Promise((resolve, reject) => {
      q.waiting.push({ msg, resolve, reject });
      this.pump(q);
    });
  }

  private pump(q: SlotQueue): void {
    // With at most one message in piscina's queue its order cannot change.
    while (q.waiting.length > 0 && q.pool.queueSize === 0) {
      const next = q.waiting.shift()!;
      q.pool.run(next.msg).then(next.resolve, next.reject).finally(() => this.pump(q));
    }
  }

  launch(executorId: string, msg: TaskMessage): Promise<TaskResult> {
    return this.run(executorId, msg) as Promise<TaskResult>;
  }

  control(executorId: string, msg: ControlMessage): Promise<unknown> {
    return this.run(executorId, msg);
  }

  /**
   * Allocates this process's arena of an exchange and attaches it to every slot (the SharedArrayBuffer
   * travels to the threads by reference). `routes` name the other processes' block services.
   */
  async createExchange(id: string, layout: ExchangeLayout, routes?: ExchangeRoutes): Promise<void> {
    const arena = new ExchangeArena(id, layout, undefined, routes);
    this.arenas.set(id, arena);
    await Promise.all(this.slots.map((s) => this.control(s, { kind: 'control', op: 'exchangeAttach', arg: { id, layout, sab: arena.sab, routes } })));
  }

  abortExchange(id: string): void {
    this.arenas.get(id)?.abort();
  }

  async destroyExchange(id: string): Promise<void> {
    if (!this.arenas.delete(id)) return;
    await Promise.all(this.slots.map((s) => this.control(s, { kind: 'control', op: 'exchangeDetach', arg: id })));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const a of this.arenas.values()) a.abort();
    this.arenas.clear();
    await Promise.all([...this.pools.values()].map((q) => q.pool.destroy()));
    this.pools.clear();
  }
}
