// The worker-thread bootstrap of a local task slot: registers the TypeScript loader in this thread, then loads the executor.
// Why: with Node 20, a loader inherited through execArgv does not reliably serve dynamic import() of .ts
// files inside worker threads (format modules, moduleRef targets); registering it here does.
import { register } from 'tsx/esm/api';

register();
const worker = await import('./worker.ts');
export default worker.default;
