/** The arrow connector: registers the 'arrow' format (Arrow IPC files and streams) with the engine's source registry. */
import { registerFormat } from '../../engine/sources.ts';

registerFormat('arrow', new URL('./format.ts', import.meta.url).href);

export {};
