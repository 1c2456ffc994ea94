// The entry of a local-cluster executor process: starts the executor host (see loadEntry.mjs for the TypeScript loader).
import { importEntry } from './loadEntry.mjs';

await importEntry('processMain');
