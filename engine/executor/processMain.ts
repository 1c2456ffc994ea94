/** An executor process of `local-cluster[N,cores,memMB]`: hosts `cores` task slots (worker threads) and relays the driver's task and control messages to them over IPC. */
import { LocalBackend } from '../scheduler/backends/LocalBackend.ts';
import type { ExecutorConfig } from './Executor.ts';
import type { ControlMessage, TaskMessage } from '../scheduler/protocol.ts';
import { toTaskError } from './Executor.ts';

/** Messages between the driver and an executor process. */
export type ToExecutorProcess =
  | { type: 'init'; cores: number; prefix: string; base: Omit<ExecutorConfig, 'executorId'> }
  | { type: 'run'; id: number; executorId: string; msg: unknown }
  | { type: 'stop' };

export type FromExecutorProcess =
  | { type: 'ready'; slots: string[] }
  | { type: 'result'; id: number; ok: true; value: unknown }
  | { type: 'result'; id: number; ok: false; error: ReturnType<typeof toTaskError> };

let backend: LocalBackend | undefined;

function send(m: FromExecutorProcess): void {
  process.send!(m);
}

process.on('message', (m: ToExecutorProcess) => {
  switch (m.type) {
    case 'init':
      backend = new LocalBackend(m.cores, m.base, m.prefix);
      send({ type: 'ready', slots: backend.slots });
      return;
    case 'run': {
      const b = backend!;
      const msg = m.msg as TaskMessage | ControlMessage;
      const p = msg.kind === 'task' ? b.launch(m.executorId, msg) : b.control(m.executorId, msg);
      p.then(
        (value) => send({ type: 'result', id: m.id, ok: true, value }),
        (e) => send({ type: 'result', id: m.id, ok: false, error: toTaskError(e) }),
      );
      return;
    }
    case 'stop':
      void (backend?.stop() ?? Promise.resolve()).finally(() => process.exit(0));
      return;
  }
});

// The driver going away (its IPC channel closing) ends this process too.
process.on('disconnect', () => process.exit(0));
