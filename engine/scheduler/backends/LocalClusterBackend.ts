/** The `local-cluster` backend: N executor processes on this host, each with `cores` task slots, driven over Node's IPC channel with structured-clone serialization. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { engineError } from '../../catalogue.ts';
import type { ExecutorConfig } from '../../executor/Executor.ts';
import type { ControlMessage, TaskMessage, TaskResult } from '../protocol.ts';
import type { FromExecutorProcess, ToExecutorProcess } from '../../executor/processMain.ts';
import type { SchedulerBackend } from './SchedulerBackend.ts';
import type { ExchangeLayout } from '../../storage/exchange.ts';

const ENTRY = fileURLToPath(new URL('../../executor/processBootstrap.mjs', import.meta.url));

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

/** One executor process and its in-flight requests. */
class ExecutorProcess {
  readonly pending = new Map<number, Pending>();
  slots: string[] = [];
  exited = false;
  ready = false;
  /** Loopback port of this process's block service (exchange blocks from other processes). */
  blockPort = 0;
  constructor(readonly index: number, readonly child: ChildProcess) {}
}

/**
 * Runs the same executor runtime as `local`, but in separate processes (as Spark's local-cluster), so
 * nothing may rely on sharing the driver's heap. Shuffle files, broadcast values and shared blocks
 * are files in the application's local directory, which every process on the host reads. A process
 * that dies fails its running tasks, which are retried, and is replaced under the same slot ids.
 */
export class LocalClusterBackend implements SchedulerBackend {
  readonly name = 'local-cluster';
  slots: string[] = [];
  private readonly procs: ExecutorProcess[] = [];
  private readonly bySlot = new Map<string, ExecutorProcess>();
  private nextId = 0;
  private stopping = false;
  /** Executor processes replaced after they died. */
  restarts = 0;
  /** Replacements being started, by process index: requests for their slots wait for them. */
  private readonly restarting = new Map<number, Promise<void>>();
  /** The secret the executor processes' block services authenticate each other with (never on the wire). */
  private readonly secret = randomBytes(32).toString('hex');

  private constructor() {}

  /** Starts `executors` processes of `cores` slots with `memMB` of heap each, and waits until all are ready. */
  static async start(executors: number, cores: number, memMB: number, base: Omit<ExecutorConfig, 'executorId'>): Promise<LocalClusterBackend> {
    const b = new LocalClusterBackend();
    await Promise.all(Array.from({ length: executors }, (_, i) => b.startOne(i, cores, memMB, base)));
    b.slots = b.procs.flatMap((p) => p.slots);
    return b;
  }

  private startOne(index: number, cores: number, memMB: number, base: Omit<ExecutorConfig, 'executorId'>): Promise<void> {
    const child = fork(ENTRY, [], { execArgv: [`--max-old-space-size=${memMB}`], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const proc = new ExecutorProcess(index, child);
    this.procs[index] = proc;
    return new Promise<void>((resolve, reject) => {
      child.on('message', (m: FromExecutorProcess) => {
        if (m.type === 'ready') {
          proc.ready = true;
          proc.slots = m.slots;
          proc.blockPort = m.blockPort;
          for (const s of m.slots) this.bySlot.set(s, proc);
          resolve();
          return;
        }
        const p = proc.pending.get(m.id);
        if (p === undefined) return;
        proc.pending.delete(m.id);
        if (m.ok) p.resolve(m.value);
        else {
          const err = new Error(m.error.message);
          err.name = m.error.name;
          err.stack = m.error.stack;
          p.reject(err);
        }
      });
      child.on('exit', (code, signal) => {
        proc.exited = true;
        const why = engineError('INTERNAL', `executor process ${index} exited (${signal ?? `code ${code}`})`);
        for (const p of proc.pending.values()) p.reject(why);
        proc.pending.clear();
        if (this.stopping) return;
        if (!proc.ready) {
          reject(why);
          return;
        }
        // A lost executor is replaced under the same slot ids: its running tasks failed (and are
        // retried), its caches are gone (the scheduler resends plans, recomputes blocks); map outputs
        // are files on this host and survive.
        this.restarts++;
        const replacement = this.startOne(index, cores, memMB, base);
        this.restarting.set(index, replacement);
        replacement.then(
          () => this.restarting.delete(index),
          (e) => {
            this.restarting.delete(index);
            process.emitWarning(`flint: could not restart executor process ${index}: ${(e as Error).message}`, 'FlintExecutorWarning');
          },
        );
      });
      child.on('error', reject);
      const init: ToExecutorProcess = { type: 'init', cores, prefix: `exec${index}`, base, secret: this.secret };
      child.send(init);
    });
  }

  private async request(executorId: string, msg: unknown): Promise<unknown> {
    let proc = this.bySlot.get(executorId);
    if (proc === undefined) throw engineError('INTERNAL', `no executor ${executorId} in the local-cluster backend`);
    const replacement = proc.exited ? this.restarting.get(proc.index) : undefined;
    if (replacement !== undefined) {
      await replacement;
      proc = this.bySlot.get(executorId)!;
    }
    if (proc.exited) throw engineError('INTERNAL', `executor process ${proc.index} (slot ${executorId}) has exited`);
    return this.send(proc, executorId, msg);
  }

  private send(proc: ExecutorProcess, executorId: string, msg: unknown): Promise<unknown> {
    return this.ask(proc, (id) => ({ type: 'run', id, executorId, msg }));
  }

  /** Sends a request to an executor process and waits for its answer. */
  private ask(proc: ExecutorProcess, make: (id: number) => ToExecutorProcess): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      proc.pending.set(id, { resolve, reject });
      proc.child.send(make(id), (err) => {
        if (err && proc.pending.delete(id)) reject(err);
      });
    });
  }

  /** Live processes, waiting for replacements being started. */
  private async liveProcs(): Promise<ExecutorProcess[]> {
    await Promise.all(this.restarting.values());
    return this.procs.filter((p) => !p.exited);
  }

  /**
   * Every process allocates its arena; each learns where the others' block services listen, so a
   * block goes from the producing thread straight to the consuming process.
   */
  async createExchange(exchangeId: string, layout: ExchangeLayout): Promise<void> {
    const procs = await this.liveProcs();
    const slotProcess: Record<string, number> = {};
    const ports: Record<number, number> = {};
    for (const p of procs) {
      ports[p.index] = p.blockPort;
      for (const s of p.slots) slotProcess[s] = p.index;
    }
    await Promise.all(procs.map((p) => this.ask(p, (id) => ({
      type: 'exchangeCreate', id, exchangeId, layout, routes: { self: p.index, slotProcess, ports, secret: this.secret },
    }))));
  }

  abortExchange(exchangeId: string): void {
    for (const p of this.procs) if (!p.exited) p.child.send({ type: 'exchangeAbort', exchangeId } satisfies ToExecutorProcess, () => undefined);
  }

  async destroyExchange(exchangeId: string): Promise<void> {
    await Promise.all(this.procs.filter((p) => !p.exited).map((p) => this.ask(p, (id) => ({ type: 'exchangeDestroy', id, exchangeId })).catch(() => undefined)));
  }

  launch(executorId: string, msg: TaskMessage): Promise<TaskResult> {
    return this.request(executorId, msg) as Promise<TaskResult>;
  }

  control(executorId: string, msg: ControlMessage): Promise<unknown> {
    return this.request(executorId, msg);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.procs.map((p) => new Promise<void>((resolve) => {
      if (p.exited) return resolve();
      const timer = setTimeout(() => p.child.kill('SIGKILL'), 5000);
      p.child.once('exit', () => { clearTimeout(timer); resolve(); });
      const stop: ToExecutorProcess = { type: 'stop' };
      p.child.send(stop, () => undefined);
    })));
  }
}
