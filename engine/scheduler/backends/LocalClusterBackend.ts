/** The `local-cluster` backend: N executor processes on this host, each with `cores` task slots, driven over Node's IPC channel with structured-clone serialization. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { engineError } from '../../catalogue.ts';
import type { ExecutorConfig } from '../../executor/Executor.ts';
import type { ControlMessage, TaskMessage, TaskResult } from '../protocol.ts';
import type { FromExecutorProcess, ToExecutorProcess } from '../../executor/processMain.ts';
import type { ExecutorListener, SchedulerBackend } from './SchedulerBackend.ts';
import type { ExchangeLayout } from '../../storage/exchange.ts';

const ENTRY = fileURLToPath(new URL('../../executor/processBootstrap.mjs', import.meta.url));

/** How long a starting executor process may take to report ready before the start counts as failed. */
const START_TIMEOUT_MS = 60_000;
/** Backoff before the k-th consecutive retry of a failed replacement: RESTART_BACKOFF_MS * 2^(k-1). */
const RESTART_BACKOFF_MS = 250;

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

/** How the backend runs its processes (from the context's conf). */
export interface LocalClusterOptions {
  /** flint.executor.heartbeatInterval: how often a process reports it is alive. */
  heartbeatIntervalMs: number;
  /** flint.network.timeout: a ready process silent for this long is declared lost and killed. */
  networkTimeoutMs: number;
  /** flint.executor.restartAttempts: consecutive failed starts of a replacement before its slots are given up. */
  restartAttempts: number;
  /** Heap limit of each slot's thread (MiB): the process's memMB shared among its cores. */
  slotHeapMB: number;
}

/** One executor process and its in-flight requests. */
class ExecutorProcess {
  readonly pending = new Map<number, Pending>();
  slots: string[] = [];
  /** Set once it exited or was declared lost: nothing it sends afterwards counts. */
  lost = false;
  ready = false;
  /** When the driver last heard from it (any message, heartbeats included). */
  lastSeen = performance.now();
  /** Loopback port of this process's block service (exchange blocks from other processes). */
  blockPort = 0;
  constructor(readonly index: number, readonly child: ChildProcess) {}
}

/**
 * Runs the same executor runtime as `local`, but in separate processes (as Spark's local-cluster), so
 * nothing may rely on sharing the driver's heap. Shuffle files, broadcast values and shared blocks
 * are files in the application's local directory, which every process on the host reads.
 *
 * Executor loss (Spark's executor-lost path): a process that exits, or that sends nothing (no
 * heartbeat) for flint.network.timeout, is declared lost. A silent process is SIGKILLed first, so a
 * stalled one (SIGSTOP, a wedged host) can never come back with stale results. Its in-flight
 * requests fail at once, the listener (the TaskScheduler) takes its slots out of the offer set, and a
 * replacement starts under the same slot ids; a replacement that fails to start is retried with an
 * exponential backoff up to flint.executor.restartAttempts times in a row, after which its slots are
 * gone for good and the context runs on the remaining executors.
 *
 * Event loop: the IPC channels and child handles are unref'd while no request is in flight, so a
 * program that finished (and forgot `ctx.stop()`) can exit; they are ref'd while a request waits.
 */
export class LocalClusterBackend implements SchedulerBackend {
  readonly name = 'local-cluster';
  slots: string[] = [];
  private readonly procs: ExecutorProcess[] = [];
  private readonly bySlot = new Map<string, ExecutorProcess>();
  private nextId = 0;
  private stopping = false;
  /** Executor processes started to replace lost ones (successful or not). */
  restarts = 0;
  /** Requests in flight over all processes; the channels hold the event loop only while this is > 0. */
  private inflight = 0;
  private listener: ExecutorListener | undefined;
  /** Replacements being started (with their retries), by process index; they never reject. */
  private readonly replacing = new Map<number, Promise<void>>();
  private readonly heartbeatCheck: ReturnType<typeof setInterval>;
  /** The secret the executor processes' block services authenticate each other with (never on the wire). */
  private readonly secret = randomBytes(32).toString('hex');

  private constructor(private readonly cores: number, private readonly base: Omit<ExecutorConfig, 'executorId'>, private readonly opts: LocalClusterOptions) {
    const every = Math.max(10, Math.min(opts.heartbeatIntervalMs, opts.networkTimeoutMs / 4));
    this.heartbeatCheck = setInterval(() => this.checkHeartbeats(), every);
    this.heartbeatCheck.unref();
  }

  /** Starts `executors` processes of `cores` slots each, and waits until all are ready. */
  static async start(executors: number, cores: number, base: Omit<ExecutorConfig, 'executorId'>, opts: LocalClusterOptions): Promise<LocalClusterBackend> {
    const b = new LocalClusterBackend(cores, base, opts);
    try {
      await Promise.all(Array.from({ length: executors }, (_, i) => b.startOne(i)));
    } catch (e) {
      await b.stop();
      throw e;
    }
    b.slots = b.procs.flatMap((p) => p.slots);
    for (const p of b.procs) b.holdLoop(p);
    return b;
  }

  setListener(l: ExecutorListener): void {
    this.listener = l;
  }

  /** Executor processes as they stand (for diagnostics and fault-injection tests). */
  executorProcesses(): { index: number; pid: number | undefined; ready: boolean; lost: boolean; slots: string[] }[] {
    return this.procs.map((p) => ({ index: p.index, pid: p.child.pid, ready: p.ready, lost: p.lost, slots: [...p.slots] }));
  }

  /** Forks process `index`; resolves once it is ready, rejects if it dies or does not report ready in time. */
  private startOne(index: number): Promise<void> {
    // No --max-old-space-size: it would override the per-thread heap limits of the slots.
    const child = fork(ENTRY, [], { execArgv: [], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const proc = new ExecutorProcess(index, child);
    this.procs[index] = proc;
    return new Promise<void>((resolve, reject) => {
      const startTimer = setTimeout(() => {
        if (!proc.ready) this.lose(proc, `did not report ready within ${START_TIMEOUT_MS} ms`);
      }, START_TIMEOUT_MS);
      startTimer.unref();
      child.on('message', (m: FromExecutorProcess) => {
        if (proc.lost) return;
        proc.lastSeen = performance.now();
        if (m.type === 'heartbeat') return;
        if (m.type === 'ready') {
          clearTimeout(startTimer);
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
        this.settled(proc);
        if (m.ok) p.resolve(m.value);
        else {
          const err = new Error(m.error.message) as Error & { code?: string };
          err.name = m.error.name;
          err.stack = m.error.stack;
          if (m.error.code !== undefined) err.code = m.error.code;
          p.reject(err);
        }
      });
      child.on('exit', (code, signal) => {
        clearTimeout(startTimer);
        const wasReady = proc.ready;
        this.lose(proc, `exited (${signal ?? `code ${code}`})`);
        if (!wasReady) reject(engineError('EXECUTOR_LOST', `executor process ${index} exited (${signal ?? `code ${code}`}) before it was ready`));
      });
      child.on('error', (e) => {
        if (!proc.ready) reject(e);
      });
      const init: ToExecutorProcess = {
        type: 'init', cores: this.cores, prefix: `exec${index}`, base: this.base, secret: this.secret,
        heartbeatIntervalMs: this.opts.heartbeatIntervalMs, slotHeapMB: this.opts.slotHeapMB,
      };
      child.send(init, () => undefined);
    });
  }

  /**
   * Declares a process lost (once): kills it, fails its in-flight requests, tells the listener, and
   * starts a replacement. Called on exit, on a missed-heartbeat timeout and on a start timeout.
   */
  private lose(proc: ExecutorProcess, why: string): void {
    if (proc.lost) return;
    proc.lost = true;
    // SIGKILL also ends a stopped (SIGSTOP) process: it must never answer again.
    if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
    proc.child.channel?.unref();
    proc.child.unref();
    if (this.stopping) {
      this.failPending(proc, engineError('EXECUTOR_LOST', `executor process ${proc.index} ${why} while the context stopped`));
      return;
    }
    const slots = proc.ready ? proc.slots : [];
    const err = engineError('EXECUTOR_LOST', `executor process ${proc.index} (slots ${slots.join(', ') || 'none yet'}) was lost: it ${why}`);
    // The listener first: the failures below must find the slots already out of the offer set.
    if (slots.length > 0) this.listener?.executorLost(slots, err.message, this.opts.restartAttempts > 0);
    this.failPending(proc, err);
    if (proc.ready) {
      const r = this.replace(proc.index, slots);
      this.replacing.set(proc.index, r);
      void r.finally(() => { if (this.replacing.get(proc.index) === r) this.replacing.delete(proc.index); });
    }
  }

  private failPending(proc: ExecutorProcess, err: Error): void {
    const pending = [...proc.pending.values()];
    proc.pending.clear();
    this.inflight -= pending.length;
    this.holdLoop();
    for (const p of pending) p.reject(err);
  }

  /**
   * Starts replacements for a lost process until one is ready or restartAttempts consecutive starts
   * failed; a retry waits RESTART_BACKOFF_MS * 2^(k-1) first. On success the slots come back to the
   * listener; on giving up they are gone.
   */
  private async replace(index: number, slots: string[]): Promise<void> {
    let lastError = '';
    for (let attempt = 1; attempt <= this.opts.restartAttempts; attempt++) {
      if (this.stopping) return;
      if (attempt > 1) {
        await new Promise((r) => setTimeout(r, RESTART_BACKOFF_MS * 2 ** (attempt - 2)).unref());
        if (this.stopping) return;
      }
      this.restarts++;
      try {
        await this.startOne(index);
        this.holdLoop(this.procs[index]);
        this.listener?.executorAdded(this.procs[index].slots);
        return;
      } catch (e) {
        lastError = (e as Error).message;
      }
    }
    if (this.stopping) return;
    const why = this.opts.restartAttempts === 0
      ? 'flint.executor.restartAttempts is 0'
      : `${this.opts.restartAttempts} replacement${this.opts.restartAttempts === 1 ? '' : 's'} in a row failed to start (last: ${lastError})`;
    process.emitWarning(`flint: executor process ${index} (slots ${slots.join(', ')}) is gone for good: ${why}; the context continues on the remaining executors`, 'FlintExecutorWarning');
    if (this.opts.restartAttempts > 0) this.listener?.executorLost(slots, `executor process ${index} is gone: ${why}`, false);
  }

  private checkHeartbeats(): void {
    if (this.stopping) return;
    const now = performance.now();
    for (const p of this.procs) {
      if (p === undefined || p.lost || !p.ready) continue;
      const silent = now - p.lastSeen;
      if (silent > this.opts.networkTimeoutMs) {
        this.lose(p, `sent no heartbeat for ${Math.round(silent)} ms (flint.network.timeout = ${this.opts.networkTimeoutMs} ms; flint.executor.heartbeatInterval = ${this.opts.heartbeatIntervalMs} ms) and was killed`);
      }
    }
  }

  /** Refs every live process's channel while requests are in flight, unrefs them when none is. */
  private holdLoop(only?: ExecutorProcess): void {
    const hold = this.inflight > 0 && !this.stopping;
    for (const p of only === undefined ? this.procs : [only]) {
      if (p === undefined || p.lost) continue;
      if (hold) { p.child.ref(); p.child.channel?.ref(); } else { p.child.unref(); p.child.channel?.unref(); }
    }
  }

  private settled(_proc: ExecutorProcess): void {
    this.inflight--;
    if (this.inflight === 0) this.holdLoop();
  }

  private async request(executorId: string, msg: unknown): Promise<unknown> {
    const proc = this.bySlot.get(executorId);
    if (proc === undefined) throw engineError('INTERNAL', `no executor ${executorId} in the local-cluster backend`);
    if (proc.lost || !proc.ready) throw engineError('EXECUTOR_LOST', `slot ${executorId}: its executor process ${proc.index} is lost (a replacement may be starting); nothing was sent to it`);
    return this.ask(proc, (id) => ({ type: 'run', id, executorId, msg }));
  }

  /** Sends a request to an executor process and waits for its answer. */
  private ask(proc: ExecutorProcess, make: (id: number) => ToExecutorProcess): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      proc.pending.set(id, { resolve, reject });
      if (this.inflight++ === 0) this.holdLoop();
      proc.child.send(make(id), (err) => {
        if (err && proc.pending.delete(id)) {
          this.settled(proc);
          reject(err);
        }
      });
    });
  }

  /** Ready processes that are not lost. */
  private liveProcs(): ExecutorProcess[] {
    return this.procs.filter((p) => p.ready && !p.lost);
  }

  /**
   * Every process allocates its arena; each learns where the others' block services listen, so a
   * block goes from the producing thread straight to the consuming process. Replacements being
   * started are waited for first (bounded by the restart policy): a group that failed because an
   * executor was lost re-creates its exchange right away, and the replacement must hold its arena.
   */
  async createExchange(exchangeId: string, layout: ExchangeLayout): Promise<void> {
    await Promise.all(this.replacing.values());
    const procs = this.liveProcs();
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
    for (const p of this.liveProcs()) p.child.send({ type: 'exchangeAbort', exchangeId } satisfies ToExecutorProcess, () => undefined);
  }

  async destroyExchange(exchangeId: string): Promise<void> {
    await Promise.all(this.liveProcs().map((p) => this.ask(p, (id) => ({ type: 'exchangeDestroy', id, exchangeId })).catch(() => undefined)));
  }

  launch(executorId: string, msg: TaskMessage): Promise<TaskResult> {
    return this.request(executorId, msg) as Promise<TaskResult>;
  }

  control(executorId: string, msg: ControlMessage): Promise<unknown> {
    return this.request(executorId, msg);
  }

  /** Kills every process at once (synchronous; for process exit and signals, where nothing can be awaited). */
  killNow(): void {
    this.stopping = true;
    clearInterval(this.heartbeatCheck);
    for (const p of this.procs) if (p !== undefined && p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.heartbeatCheck);
    await Promise.all(this.procs.filter((p) => p !== undefined).map((p) => new Promise<void>((resolve) => {
      if (p.child.exitCode !== null || p.child.signalCode !== null) return resolve();
      p.child.ref();
      const timer = setTimeout(() => p.child.kill('SIGKILL'), 5000);
      p.child.once('exit', () => { clearTimeout(timer); resolve(); });
      const stop: ToExecutorProcess = { type: 'stop' };
      p.child.send(stop, (err) => { if (err) p.child.kill('SIGKILL'); });
    })));
  }
}
