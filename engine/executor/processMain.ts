/** An executor process of `local-cluster[N,cores,memMB]`: hosts `cores` task slots (worker threads) and relays the driver's task and control messages to them over IPC. */
import { LocalBackend } from '../scheduler/backends/LocalBackend.ts';
import type { ExchangeLayout, ExchangeRoutes } from '../storage/exchange.ts';
import { BlockService } from '../storage/exchangeTransport.ts';
import type { ExecutorConfig } from './Executor.ts';
import type { ControlMessage, TaskMessage } from '../scheduler/protocol.ts';
import { toTaskError } from './Executor.ts';
import { launchError } from '../scheduler/TaskScheduler.ts';

/** Messages between the driver and an executor process. */
export type ToExecutorProcess =
  | { type: 'init'; cores: number; prefix: string; base: Omit<ExecutorConfig, 'executorId'>; secret: string; heartbeatIntervalMs: number; slotHeapMB: number }
  | { type: 'run'; id: number; executorId: string; msg: unknown }
  | { type: 'exchangeCreate'; id: number; exchangeId: string; layout: ExchangeLayout; routes: ExchangeRoutes }
  | { type: 'exchangeDestroy'; id: number; exchangeId: string }
  | { type: 'exchangeAbort'; exchangeId: string }
  | { type: 'stop' };

export type FromExecutorProcess =
  | { type: 'ready'; slots: string[]; blockPort: number }
  | { type: 'heartbeat' }
  | { type: 'result'; id: number; ok: true; value: unknown }
  | { type: 'result'; id: number; ok: false; error: ReturnType<typeof toTaskError> };

let backend: LocalBackend | undefined;
let blocks: BlockService | undefined;

function reply(id: number, p: Promise<unknown>): void {
  p.then(
    (value) => send({ type: 'result', id, ok: true, value }),
    (e) => send({ type: 'result', id, ok: false, error: toTaskError(e) }),
  );
}

function send(m: FromExecutorProcess): void {
  // After the driver disconnected (the process is about to exit) there is no one to tell.
  if (process.connected) process.send!(m, undefined, undefined, () => undefined);
}

process.on('message', (m: ToExecutorProcess) => {
  switch (m.type) {
    case 'init': {
      const b = new LocalBackend(m.cores, m.base, m.prefix, { maxOldGenerationSizeMb: m.slotHeapMB });
      backend = b;
      // Heartbeats come from this main thread, which only relays messages: tasks run on the slots'
      // threads, so a long task never delays one, while a stopped or wedged process stops them all.
      setInterval(() => send({ type: 'heartbeat' }), m.heartbeatIntervalMs).unref();
      // The block service receives exchange blocks other executor processes send (executor to executor).
      blocks = new BlockService(m.secret, (id) => b.arenas.get(id));
      void blocks.start().then((blockPort) => send({ type: 'ready', slots: b.slots, blockPort }));
      return;
    }
    case 'run': {
      const b = backend!;
      const msg = m.msg as TaskMessage | ControlMessage;
      // A task whose result its slot could not post (piscina's bare DataCloneError object) is named
      // here as local mode's TaskScheduler names it, so every mode reports the same message.
      reply(m.id, msg.kind === 'task'
        ? b.launch(m.executorId, msg).catch((e: unknown) => ({ ok: false, error: launchError(e), blockUpdates: [] }))
        : b.control(m.executorId, msg));
      return;
    }
    case 'exchangeCreate':
      reply(m.id, backend!.createExchange(m.exchangeId, m.layout, m.routes));
      return;
    case 'exchangeDestroy':
      reply(m.id, backend!.destroyExchange(m.exchangeId));
      return;
    case 'exchangeAbort':
      // Handled here, not in a slot's queue: the slots' threads are the ones waiting.
      backend?.abortExchange(m.exchangeId);
      return;
    case 'stop':
      blocks?.stop();
      void (backend?.stop() ?? Promise.resolve()).finally(() => process.exit(0));
      return;
  }
});

// The driver going away (its IPC channel closing) ends this process too.
process.on('disconnect', () => process.exit(0));
