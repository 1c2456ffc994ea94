/** The csv connector: registers the 'csv' format (reader, schema inference, writer) with the engine's source registry. */
import { registerFormat } from '../../engine/sources.ts';

registerFormat('csv', new URL('./format.ts', import.meta.url).href);

export { csvOptions, type CsvOptions } from './format.ts';
