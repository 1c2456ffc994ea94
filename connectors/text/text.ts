/** The 'text' source format: plans byte-range splits of text files (Hadoop's FileInputFormat rule) and reads one split's lines, or whole files. */
import fs from 'node:fs';
import zlib from 'node:zlib';
import type { InputSplit } from '../../engine/sources.ts';
import { expandInputPaths, type InputFile } from './paths.ts';
import { badOption, badSplit, inputNotReadable } from './errors.ts';

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

/** A byte range [start, start + length) of one file; `gzip` files are always read whole. */
export interface TextSplit extends InputSplit {
  path: string;
  start: number;
  length: number;
  gzip: boolean;
}

/** A group of whole files, read as [path, content] pairs. */
export interface WholeFilesSplit extends InputSplit {
  paths: string[];
}

const DEFAULT_MAX_SPLIT = 32 << 20;
/** Hadoop's SPLIT_SLOP: the last split may be up to 10% bigger rather than leave a tiny tail split. */
const SPLIT_SLOP = 1.1;
const CHUNK = 4 << 20;
const NEWLINE = 10;
const CR = 13;

function isGzip(p: string): boolean {
  return p.toLowerCase().endsWith('.gz');
}

function positiveOption(options: Record<string, unknown>, name: string, dflt: number): number {
  const v = options[name];
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw badOption(name, v, 'a positive integer of bytes');
  return v;
}

/**
 * Plans the input splits of `input` (files, directories, globs; see expandInputPaths). Lines:
 * each splittable file is cut into byte ranges of splitSize = max(minSplitBytes, min(totalSize /
 * minPartitions, maxSplitBytes)), as Hadoop's FileInputFormat does; a .gz file is one split; an
 * empty file is one empty split. Whole files: files are packed in order into about minPartitions
 * groups of at most ceil(totalSize / minPartitions) bytes (Spark's wholeTextFiles).
 */
export async function planSplits(
  input: string | string[], minPartitions: number, options: Record<string, unknown> = {},
): Promise<InputSplit[]> {
  if (!Number.isInteger(minPartitions) || minPartitions < 1) throw badOption('minPartitions', minPartitions, 'a positive integer');
  const files = expandInputPaths(input);
  const total = files.reduce((s, f) => s + f.size, 0);
  if (options.wholeFiles === true) return planWholeFiles(files, total, minPartitions);
  if (options.wholeFiles !== undefined && options.wholeFiles !== false) throw badOption('wholeFiles', options.wholeFiles, 'true or false');
  const maxSplit = positiveOption(options, 'maxSplitBytes', DEFAULT_MAX_SPLIT);
  const minSplit = positiveOption(options, 'minSplitBytes', 1);
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
  const splits: TextSplit[] = [];
  const add = (path: string, start: number, length: number, gzip: boolean): void => {
    splits.push({ index: splits.length, path, start, length, gzip });
  };
  for (const f of files) {
    if (isGzip(f.path) || f.size === 0) {
      add(f.path, 0, f.size, isGzip(f.path));
      continue;
    }
    let remaining = f.size;
    while (remaining / splitSize > SPLIT_SLOP) {
      add(f.path, f.size - remaining, splitSize, false);
      remaining -= splitSize;
    }
    if (remaining > 0) add(f.path, f.size - remaining, remaining, false);
  }
  return splits;
}

function planWholeFiles(files: InputFile[], total: number, minPartitions: number): WholeFilesSplit[] {
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

/** Reads one split planned by planSplits: the lines of a byte range (or of a whole .gz file), or [path, content] pairs of whole files. */
export function readSplit(split: InputSplit, options: Record<string, unknown> = {}): Iterator<string> | Iterator<[string, string]> {
  if (Array.isArray((split as WholeFilesSplit).paths)) return readWholeFiles((split as WholeFilesSplit).paths);
  const s = split as TextSplit;
  if (typeof s.path !== 'string' || !Number.isInteger(s.start) || !Number.isInteger(s.length) || s.start < 0 || s.length < 0) {
    throw badSplit(JSON.stringify(split).slice(0, 200));
  }
  const chunk = positiveOption(options, 'chunkBytes', CHUNK);
  if (s.gzip) return readGzipLines(s.path);
  const holder: FdHolder = { fd: -1 };
  const lines = readLines(s.path, s.start, s.start + s.length, chunk, holder);
  leakedFds.register(lines, holder);
  return lines;
}

function readWholeFile(path: string): string {
  try {
    const raw = fs.readFileSync(path);
    return (isGzip(path) ? zlib.gunzipSync(raw) : raw).toString('utf8');
  } catch (e) {
    throw inputNotReadable(path, e);
  }
}

function* readWholeFiles(paths: string[]): Generator<[string, string], void, undefined> {
  for (const p of paths) yield [p, stripBom(readWholeFile(p))];
}

function stripBom(s: string): string {
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

function* readGzipLines(path: string): Generator<string, void, undefined> {
  const text = stripBom(readWholeFile(path));
  if (text.length === 0) return;
  const lines = text.split('\n');
  // A final newline ends the last line; it does not start an empty one.
  const n = text.charCodeAt(text.length - 1) === NEWLINE ? lines.length - 1 : lines.length;
  const hasCr = text.includes('\r');
  for (let i = 0; i < n; i++) yield hasCr ? stripCr(lines[i]) : lines[i];
}

function stripCr(line: string): string {
  return line.charCodeAt(line.length - 1) === CR ? line.slice(0, -1) : line;
}

/** Where a line iterator keeps its open file descriptor (-1 when closed), for the leak guard below. */
interface FdHolder {
  fd: number;
}

/**
 * Closes the file of a line iterator that was dropped without being finished or returned (a task
 * that failed mid-split): a generator's finally block does not run when it is garbage-collected.
 */
const leakedFds = new FinalizationRegistry<FdHolder>((h) => {
  if (h.fd >= 0) fs.close(h.fd, () => {});
});

/**
 * Lines of bytes [start, end) of a file, aligned as Hadoop's LineRecordReader aligns them: a split
 * owns the lines that begin in (start, end], plus the line at offset 0 for the first split. So a
 * split other than the first skips through its first newline at or after `start`, and every split
 * reads past `end` to the newline that finishes its last line. Lines end at \n; a \r before it is
 * dropped. The bytes are read in 4 MiB chunks; each chunk's complete lines are decoded with one
 * toString and cut with one split, so no multi-byte character is ever cut at a chunk edge.
 */
function* readLines(path: string, start: number, end: number, chunk: number, holder: FdHolder): Generator<string, void, undefined> {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (e) {
    throw inputNotReadable(path, e);
  }
  holder.fd = fd;
  try {
    let buf = Buffer.allocUnsafe(Math.min(chunk, Math.max(end - start + 1, 64 << 10)));
    let filePos = start;
    let len = 0;
    let eof = false;
    const fill = (): void => {
      // Reads more bytes after buf[0, len), growing the buffer when it is full (a line longer than it).
      if (len === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, len);
        buf = bigger;
      }
      let got: number;
      try {
        got = fs.readSync(fd, buf, len, buf.length - len, filePos);
      } catch (e) {
        throw inputNotReadable(path, e);
      }
      if (got === 0) eof = true;
      len += got;
      filePos += got;
    };

    let lineStart = 0; // index in buf of the first byte of the next line
    let bufFilePos = start; // file offset of buf[0]
    if (start > 0) {
      // Skip to just after the first newline at or after `start`; the line it ends belongs to the previous split.
      for (;;) {
        fill();
        const nl = buf.indexOf(NEWLINE, 0);
        if (nl >= 0 && nl < len) {
          if (bufFilePos + nl >= end) return;
          lineStart = nl + 1;
          break;
        }
        if (eof) return;
        bufFilePos += len;
        len = 0;
      }
    } else {
      while (len < 3 && !eof) fill();
      if (len >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) lineStart = 3;
    }

    for (;;) {
      // The lines that begin at or before `end` are ours: find the last newline in the buffer, and
      // stop at the first newline at or past `end` (it ends our last line).
      const endIdx = end - bufFilePos; // buffer index of file offset `end` (may be beyond len)
      let stopAfter = -1;
      if (endIdx < len) {
        const nl = buf.indexOf(NEWLINE, Math.max(lineStart, endIdx));
        if (nl >= 0 && nl < len) stopAfter = nl;
      }
      const last = stopAfter >= 0 ? stopAfter : lastNewline(buf, lineStart, len);
      if (last >= lineStart) {
        yield* emitLines(buf, lineStart, last);
        lineStart = last + 1;
      }
      if (stopAfter >= 0) return;
      if (eof) {
        if (lineStart < len && bufFilePos + lineStart <= end) yield stripCr(buf.toString('utf8', lineStart, len));
        return;
      }
      // Keep the partial line at the front and read on.
      if (lineStart > 0) {
        buf.copy(buf, 0, lineStart, len);
        len -= lineStart;
        bufFilePos += lineStart;
        lineStart = 0;
      }
      fill();
    }
  } finally {
    holder.fd = -1;
    fs.closeSync(fd);
  }
}

function lastNewline(buf: Buffer, from: number, to: number): number {
  // Guard: a negative offset would make lastIndexOf search from the end of the (partly unfilled) buffer.
  if (to <= from) return -1;
  const i = buf.lastIndexOf(NEWLINE, to - 1);
  return i >= from ? i : -1;
}

/** Yields the lines of buf[from, nlPos] (which ends with a newline). */
function* emitLines(buf: Buffer, from: number, nlPos: number): Generator<string, void, undefined> {
  const text = buf.toString('utf8', from, nlPos);
  const lines = text.split('\n');
  const cr = buf.indexOf(CR, from);
  if (cr >= 0 && cr < nlPos) {
    for (let i = 0; i < lines.length; i++) yield stripCr(lines[i]);
  } else {
    for (let i = 0; i < lines.length; i++) yield lines[i];
  }
}
