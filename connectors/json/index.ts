/** The json connector: registers the 'json' format (JSON lines reader, schema inference, writer) with the engine's source registry. */
import { registerFormat } from '../../engine/sources.ts';
import { moduleUrl } from '../../engine/moduleUrl.ts';

registerFormat('json', moduleUrl('./format.ts', import.meta.url));

export {};
