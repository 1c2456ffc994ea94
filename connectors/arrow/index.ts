/** The arrow connector: registers the 'arrow' format (Arrow IPC files and streams) with the engine's source registry. */
import { registerFormat } from '../../engine/sources.ts';
import { moduleUrl } from '../../engine/moduleUrl.ts';

registerFormat('arrow', moduleUrl('./format.ts', import.meta.url));

export {};
