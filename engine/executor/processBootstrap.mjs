// The entry of a local-cluster executor process: registers the TypeScript loader in this process, then starts the executor host.
import { register } from 'tsx/esm/api';

register();
await import('./processMain.ts');
