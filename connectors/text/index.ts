/** The text connector: registers the 'text' format (textFile, wholeTextFiles) with the engine's source registry. */
import { registerFormat } from '../../engine/sources.ts';

registerFormat('text', new URL('./text.ts', import.meta.url).href);

export { expandInputPaths, type InputFile } from '../input/index.ts';
export type { TextOptions, TextSplit, WholeFilesSplit } from './text.ts';
