/** The 'text' source format: plans byte-range splits of text files and reads one split's lines, or whole files, through the file input layer. */
import type { InputSplit } from '../../engine/sources.ts';
import {
  asFileSplit, badInputOption, DEFAULT_CHUNK_BYTES, planFileSplits, planWholeFiles, positiveIntOption, readLines, readWholeFile,
  type FileSplit, type WholeFilesSplit,
} from '../input/index.ts';

/**
 * Options of the text format.
 * - `wholeFiles`: plan for wholeTextFiles; readSplit then yields [path, content] per file.
 * - `maxSplitBytes`: the largest byte range of one split (Hadoop's block size; default 32 MiB).
 * - `minSplitBytes`: the smallest (default 1).
 * - `chunkBytes`: how many bytes readSplit reads at a time (default 4 MiB; a longer line grows it).
 */
export interface TextOptions {
  wholeFiles?: boolean;
  maxSplitBytes?: number;
  minSplitBytes?: number;
  chunkBytes?: number;
}

/** A split of the text format: a byte range of one file (a compressed file whole). */
export type TextSplit = FileSplit;
export type { WholeFilesSplit };

/**
 * Plans the input splits of `input` (files, directories, globs; see expandInputPaths): line splits by
 * the input layer's planner (planFileSplits), or with `wholeFiles`, files packed into about
 * minPartitions groups (Spark's wholeTextFiles).
 */
export async function planSplits(
  input: string | string[], minPartitions: number, options: Record<string, unknown> = {},
): Promise<InputSplit[]> {
  if (options.wholeFiles === true) return planWholeFiles(input, minPartitions, 'text');
  if (options.wholeFiles !== undefined && options.wholeFiles !== false) throw badInputOption('text', 'wholeFiles', options.wholeFiles, 'true or false');
  return planFileSplits(input, minPartitions, options, { format: 'text' });
}

/** Reads one split planned by planSplits: the lines of a byte range (or of a whole compressed file), or [path, content] pairs of whole files. */
export function readSplit(split: InputSplit, options: Record<string, unknown> = {}): Iterator<string> | Iterator<[string, string]> {
  if (Array.isArray((split as WholeFilesSplit).paths)) return readWholeFiles((split as WholeFilesSplit).paths);
  const s = asFileSplit(split, 'text');
  return readLines(s, positiveIntOption(options, 'chunkBytes', DEFAULT_CHUNK_BYTES, 'text'));
}

function* readWholeFiles(paths: string[]): Generator<[string, string], void, undefined> {
  for (const p of paths) {
    const text = readWholeFile(p).toString('utf8');
    yield [p, text.charCodeAt(0) === 0xfeff ? text.slice(1) : text];
  }
}
