/** The parquet connector: registers the 'parquet' format (parquet-wasm reader and writer) with the engine's source registry. */
import { registerFormat } from '../../engine/sources.ts';
import { moduleUrl } from '../../engine/moduleUrl.ts';

registerFormat('parquet', moduleUrl('./format.ts', import.meta.url));

export {};
