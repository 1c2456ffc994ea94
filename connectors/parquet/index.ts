/** The parquet connector: registers the 'parquet' format (parquet-wasm reader and writer) with the engine's source registry. */
import { registerFormat } from '../../engine/sources.ts';

registerFormat('parquet', new URL('./format.ts', import.meta.url).href);

export {};
