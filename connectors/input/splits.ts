/**
 * The one split planner of the file formats (text, CSV, JSON lines): byte ranges of files by Hadoop's
 * FileInputFormat rule, compressed files whole, and whole-file groups for wholeTextFiles.
 */
import type { InputSplit } from '../../engine/sources.ts';
import { compressionOf, type Compression } from './compression.ts';
import { badInputOption, inputChanged } from './errors.ts';
import { expandInputPaths, type InputFile } from './paths.ts';

/** A byte range [start, start + length) of one file; a compressed file is always one split of its whole (compressed) size. */
export interface FileSplit extends InputSplit {
  path: string;
  start: number;
  length: number;
  /** The codec the file is read through (whole), or null for a plain file. */
  compression: Compression;
  /** The file's size when the split was planned: a reader whose file has another size fails with INPUT_CHANGED. */
  fileSize?: number;
}

/** A group of whole files, read as [path, content] pairs (wholeTextFiles). */
export interface WholeFilesSplit extends InputSplit {
  paths: string[];
}

/** The largest split by default: Hadoop's local block size. */
export const DEFAULT_MAX_SPLIT_BYTES = 32 << 20;
/** Hadoop's SPLIT_SLOP: the last split may be up to 10% bigger rather than leave a tiny tail split. */
const SPLIT_SLOP = 1.1;

/**
 * A positive integer option of a reader: a number, or a string of digits (DataFrameReader options are
 * often strings, as in Spark). `dflt` when absent; BAD_INPUT_OPTION naming `format` otherwise.
 */
export function positiveIntOption(options: Record<string, unknown>, name: string, dflt: number, format: string): number {
  const v = options[name];
  if (v === undefined) return dflt;
  const n = typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw badInputOption(format, name, v, 'a positive integer of bytes');
  return n;
}

function checkMinPartitions(minPartitions: number, format: string): void {
  if (!Number.isInteger(minPartitions) || minPartitions < 1) throw badInputOption(format, 'minPartitions', minPartitions, 'a positive integer');
}

/** The split of a whole file. */
export function wholeFileSplit(file: InputFile, index = 0): FileSplit {
  return { index, path: file.path, start: 0, length: file.size, compression: compressionOf(file.path), fileSize: file.size };
}

/** INPUT_CHANGED when `file` no longer has the size it had when its splits were planned (`plannedSize` undefined: not checked). */
export function checkPlannedSize(file: string, plannedSize: number | undefined, size: number): void {
  if (plannedSize !== undefined && size !== plannedSize) throw inputChanged(file, plannedSize, size);
}

/**
 * Plans the splits of `input` (files, directories, globs: see expandInputPaths). Each splittable file
 * is cut into byte ranges of splitSize = max(minSplitBytes, min(totalSize / minPartitions,
 * maxSplitBytes)), as Hadoop's FileInputFormat does, the last piece up to 10% over. When maxSplitBytes
 * binds, the count Hadoop would make is rounded up to a multiple of minPartitions and the size evened
 * out, so every slot gets the same work. A compressed file is one split; so is every file when
 * `splittable` is false (CSV multiLine); an empty file is one empty split.
 * Options: `maxSplitBytes` (default 32 MiB), `minSplitBytes` (default 1).
 */
export function planFileSplits(
  input: string | readonly string[], minPartitions: number, options: Record<string, unknown>,
  { format, splittable = true }: { format: string; splittable?: boolean },
): FileSplit[] {
  checkMinPartitions(minPartitions, format);
  const maxSplit = positiveIntOption(options, 'maxSplitBytes', DEFAULT_MAX_SPLIT_BYTES, format);
  const minSplit = positiveIntOption(options, 'minSplitBytes', 1, format);
  const files = expandInputPaths(input);
  const total = files.reduce((s, f) => s + f.size, 0);
  const goal = Math.ceil(total / minPartitions);
  let splitSize = Math.max(minSplit, Math.min(goal, maxSplit));
  if (goal > maxSplit && splitSize === maxSplit) {
    // Hadoop's rule would cut 200 MB at 32 MiB into six full splits and an 8 MB one: seven tasks on
    // two slots leave one slot idle through the last round (at most 200/128 = 1.56x on two slots).
    // The count is rounded up to a multiple of minPartitions and the size evened out: 8 x 25 MB.
    let count = 0;
    for (let rest = total; rest > 0; rest -= maxSplit) {
      count++;
      if (rest / maxSplit <= SPLIT_SLOP) break;
    }
    count = Math.ceil(count / minPartitions) * minPartitions;
    splitSize = Math.max(minSplit, Math.ceil(total / count));
  }
  const splits: FileSplit[] = [];
  for (const f of files) {
    const compression = compressionOf(f.path);
    if (!splittable || compression !== null || f.size === 0) {
      splits.push({ index: splits.length, path: f.path, start: 0, length: f.size, compression, fileSize: f.size });
      continue;
    }
    let remaining = f.size;
    while (remaining / splitSize > SPLIT_SLOP) {
      splits.push({ index: splits.length, path: f.path, start: f.size - remaining, length: splitSize, compression, fileSize: f.size });
      remaining -= splitSize;
    }
    if (remaining > 0) splits.push({ index: splits.length, path: f.path, start: f.size - remaining, length: remaining, compression, fileSize: f.size });
  }
  return splits;
}

/** Packs the files of `input` in order into about minPartitions groups of at most ceil(totalSize / minPartitions) bytes (Spark's wholeTextFiles). */
export function planWholeFiles(input: string | readonly string[], minPartitions: number, format: string): WholeFilesSplit[] {
  checkMinPartitions(minPartitions, format);
  const files = expandInputPaths(input);
  const total = files.reduce((s, f) => s + f.size, 0);
  const maxBytes = Math.max(1, Math.ceil(total / minPartitions));
  const splits: WholeFilesSplit[] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const f of files) {
    if (current.length > 0 && bytes + f.size > maxBytes) {
      splits.push({ index: splits.length, paths: current });
      current = [];
      bytes = 0;
    }
    current.push(f.path);
    bytes += f.size;
  }
  if (current.length > 0) splits.push({ index: splits.length, paths: current });
  return splits;
}
