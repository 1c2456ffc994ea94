/** The csv connector: registers the 'csv' format (reader, schema inference, writer) with the engine's source registry. */
import { registerFormat } from '../../engine/sources.ts';
import { moduleUrl } from '../../engine/moduleUrl.ts';

registerFormat('csv', moduleUrl('./format.ts', import.meta.url));

export { csvOptions, type CsvOptions } from './format.ts';
