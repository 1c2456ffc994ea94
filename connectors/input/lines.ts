/**
 * The one line reader of the file formats: the lines of a split, aligned as Hadoop's LineRecordReader
 * aligns them, as chunks of whole lines (CSV and JSON parse bytes) or as strings (text). Compressed
 * files are read whole through their codec.
 */
import fs from 'node:fs';
import type { InputSplit } from '../../engine/sources.ts';
import { rangeVerifier, type RangeVerifier } from './checksum.ts';
import { readWholeFile } from './compression.ts';
import { badInputSplit, inputNotReadable } from './errors.ts';
import { checkPlannedSize, type FileSplit } from './splits.ts';

/**
 * A run of whole lines of one split: `bytes` starts at (decompressed) file offset `offset`; every line
 * in it ends with '\n' except perhaps the file's last. `bytes` is a view of the reader's buffer, valid
 * until the iterator is advanced: copy what must outlive that.
 */
export interface LineChunk {
  bytes: Buffer;
  offset: number;
}

/** How many bytes a reader reads at a time by default (a longer line grows its buffer). */
export const DEFAULT_CHUNK_BYTES = 4 << 20;
const NEWLINE = 10;
const CR = 13;

/** Checks that `split` is a FileSplit (it came from planFileSplits); BAD_INPUT_SPLIT naming `format` otherwise. */
export function asFileSplit(split: InputSplit, format: string): FileSplit {
  const s = split as FileSplit;
  if (typeof s.path !== 'string' || !Number.isInteger(s.start) || !Number.isInteger(s.length) || s.start < 0 || s.length < 0) {
    throw badInputSplit(format, JSON.stringify(split).slice(0, 200));
  }
  return s;
}

/** Where a chunk iterator keeps its open file descriptor (-1 when closed), for the leak guard below. */
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
 * The lines of a split in chunks of whole lines. A split owns the lines that begin in (start, end],
 * plus the line at offset 0 for the first split (Hadoop's LineRecordReader): a split other than the
 * first skips through its first newline at or after `start`, and every split reads past `end` to the
 * newline that finishes its last line. A UTF-8 byte order mark at offset 0 is dropped. `chunkBytes`
 * bytes are read at a time; a line longer than that grows the buffer.
 */
export function lineChunks(split: FileSplit, chunkBytes = DEFAULT_CHUNK_BYTES): Generator<LineChunk, void, undefined> {
  if (split.compression !== null && split.compression !== undefined) return wholeChunk(split.path, split.fileSize);
  const holder: FdHolder = { fd: -1 };
  const chunks = readChunks(split.path, split.start, split.start + split.length, chunkBytes, holder, split.fileSize);
  leakedFds.register(chunks, holder);
  return chunks;
}

function bomLength(b: Uint8Array, len: number): number {
  return len >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
}

function* wholeChunk(path: string, plannedSize: number | undefined): Generator<LineChunk, void, undefined> {
  const bytes = readWholeFile(path, plannedSize);
  const from = bomLength(bytes, bytes.length);
  if (bytes.length > from) yield { bytes: bytes.subarray(from), offset: from };
}

/**
 * The chunks of lines of [start, end] of `path`. The file must still have the size it was planned
 * with (INPUT_CHANGED otherwise: a truncated file would lose the lines of later splits, a grown one
 * repeat or cut them), and when it has a checksum sidecar every byte read is verified against it.
 */
function* readChunks(path: string, start: number, end: number, chunk: number, holder: FdHolder, plannedSize: number | undefined): Generator<LineChunk, void, undefined> {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (e) {
    throw inputNotReadable(path, e);
  }
  holder.fd = fd;
  try {
    const size = fs.fstatSync(fd).size;
    checkPlannedSize(path, plannedSize, size);
    const verifier = rangeVerifier(path, fd, start, size);
    yield* splitChunks(path, fd, start, end, chunk, verifier);
    // Only a reader that took every line checks the rest of its last chunk: one stopped early (take) read less.
    verifier?.finish();
  } finally {
    holder.fd = -1;
    fs.closeSync(fd);
  }
}

function* splitChunks(path: string, fd: number, start: number, end: number, chunk: number, verifier: RangeVerifier | undefined): Generator<LineChunk, void, undefined> {
  {
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
      else verifier?.feed(buf, len, got);
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
      lineStart = bomLength(buf, len);
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
        yield { bytes: buf.subarray(lineStart, last + 1), offset: bufFilePos + lineStart };
        lineStart = last + 1;
      }
      if (stopAfter >= 0) return;
      if (eof) {
        if (lineStart < len && bufFilePos + lineStart <= end) yield { bytes: buf.subarray(lineStart, len), offset: bufFilePos + lineStart };
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
  }
}

function lastNewline(buf: Buffer, from: number, to: number): number {
  // Guard: a negative offset would make lastIndexOf search from the end of the (partly unfilled) buffer.
  if (to <= from) return -1;
  const i = buf.lastIndexOf(NEWLINE, to - 1);
  return i >= from ? i : -1;
}

/**
 * The lines of a split as strings: lines end at '\n', a '\r' before it is dropped. Each chunk's lines
 * are decoded with one toString and cut with one split, so no multi-byte character is ever cut.
 */
export function* readLines(split: FileSplit, chunkBytes = DEFAULT_CHUNK_BYTES): Generator<string, void, undefined> {
  for (const { bytes } of lineChunks(split, chunkBytes)) {
    const n = bytes.length;
    const lines = bytes.toString('utf8', 0, bytes[n - 1] === NEWLINE ? n - 1 : n).split('\n');
    if (bytes.indexOf(CR) >= 0) {
      for (let i = 0; i < lines.length; i++) yield stripCr(lines[i]);
    } else {
      for (let i = 0; i < lines.length; i++) yield lines[i];
    }
  }
}

function stripCr(line: string): string {
  return line.charCodeAt(line.length - 1) === CR ? line.slice(0, -1) : line;
}

/** The 1-based line number of the line starting at (decompressed) byte `offset` of the split's file, for error messages. */
export function lineNumberAt(split: FileSplit, offset: number): number {
  if (split.compression !== null && split.compression !== undefined) {
    const bytes = readWholeFile(split.path);
    let line = 1;
    for (let i = bytes.indexOf(NEWLINE); i >= 0 && i < offset; i = bytes.indexOf(NEWLINE, i + 1)) line++;
    return line;
  }
  const fd = fs.openSync(split.path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    let line = 1;
    let pos = 0;
    while (pos < offset) {
      const n = fs.readSync(fd, buf, 0, Math.min(buf.length, offset - pos), pos);
      if (n === 0) break;
      const view = buf.subarray(0, n);
      for (let i = view.indexOf(NEWLINE); i >= 0; i = view.indexOf(NEWLINE, i + 1)) line++;
      pos += n;
    }
    return line;
  } finally {
    fs.closeSync(fd);
  }
}
