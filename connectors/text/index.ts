/** The text connector: registers the 'text' format (textFile, wholeTextFiles) with the engine's source registry. */
import { registerFormat } from '../../engine/sources.ts';
import { moduleUrl } from '../../engine/moduleUrl.ts';

registerFormat('text', moduleUrl('./text.ts', import.meta.url));

export { expandInputPaths, type InputFile } from '../input/index.ts';
export type { TextOptions, TextSplit, WholeFilesSplit } from './text.ts';
