// The worker-thread bootstrap of a local task slot: loads the executor (see loadEntry.mjs for the TypeScript loader).
import { importEntry } from './loadEntry.mjs';

const worker = await importEntry('worker');
export default worker.default;
