/** The json connector: registers the 'json' format (JSON lines reader, schema inference, writer) with the engine's source registry. */
import { registerFormat } from '../../engine/sources.ts';

registerFormat('json', new URL('./format.ts', import.meta.url).href);

export {};
