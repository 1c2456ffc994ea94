/**
 * Line-aligned byte-range splits for line-oriented formats (CSV, JSON lines), as Hadoop's LineRecordReader:
 * a line belongs to the split holding its first byte, so a split skips the partial line it starts in and
 * reads past its end to finish its last line. Every line is read by exactly one split.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { InputSplit } from '../sources.ts';
import { listInputFiles } from './files.ts';

/** A byte range of one file. */
export interface FileSplit extends InputSplit {
  path: string;
  start: number;
  /** Bytes in the range; lines starting in [start, start + length) are this split's. */
  length: number;
  /** Whether the range is a whole file (always true when splitting is off). */
  wholeFile: boolean;
}

/**
 * Plans splits for `path` (file, directory or glob). Files larger than the split size are cut into
 * ranges, unless `splittable` is false. Split size: `maxSplitBytes` when given, else total / minPartitions
 * clamped to [1 MiB, 128 MiB].
 */
export function planLineSplits(path: string | string[], minPartitions: number, options: Record<string, unknown>, splittable: boolean): FileSplit[] {
  const files = listInputFiles(path);
  const total = files.reduce((s, f) => s + f.size, 0);
  const size = options.maxSplitBytes !== undefined
    ? Math.max(1, Number(options.maxSplitBytes))
    : Math.min(128 << 20, Math.max(1 << 20, Math.ceil(total / Math.max(1, minPartitions))));
  const splits: FileSplit[] = [];
  for (const f of files) {
    if (!splittable || f.size <= size) {
      splits.push({ index: splits.length, path: f.path, start: 0, length: f.size, wholeFile: true });
      continue;
    }
    for (let s = 0; s < f.size; s += size) {
      splits.push({ index: splits.length, path: f.path, start: s, length: Math.min(size, f.size - s), wholeFile: false });
    }
  }
  return splits;
}

/** A run of whole lines of one split: bytes[0, bytes.length) starts at file offset `offset`. */
export interface LineChunk {
  bytes: Uint8Array;
  offset: number;
}

const NL = 10;

/**
 * The split's lines in chunks of whole lines (each ends in '\n' except perhaps the file's last).
 * Reads `blockBytes` at a time; a line longer than a block is carried over until its end is found.
 */
export function* lineChunks(split: FileSplit, blockBytes = 4 << 20): Generator<LineChunk> {
  const fd = openSync(split.path, 'r');
  try {
    const end = split.start + split.length;
    let pos = split.start;
    if (split.start > 0) {
      // Skip the line in progress: our first line starts after the first '\n' at or after start - 1.
      const probe = Buffer.allocUnsafe(64 * 1024);
      let p = split.start - 1;
      let found = -1;
      for (;;) {
        const n = readSync(fd, probe, 0, probe.length, p);
        if (n === 0) break;
        const i = probe.subarray(0, n).indexOf(NL);
        if (i >= 0) { found = p + i; break; }
        p += n;
      }
      if (found < 0 || found + 1 >= end) return;
      pos = found + 1;
    }
    let carry: Uint8Array = new Uint8Array(0);
    let carryOffset = pos;
    for (;;) {
      const buf = Buffer.allocUnsafe(blockBytes);
      const n = readSync(fd, buf, 0, blockBytes, pos);
      pos += n;
      const eof = n === 0;
      let data: Uint8Array = buf.subarray(0, n);
      if (carry.length > 0) {
        const joined = new Uint8Array(carry.length + n);
        joined.set(carry);
        joined.set(data, carry.length);
        data = joined;
      }
      const dataOffset = carryOffset;
      let complete = eof ? data.length : lastIndexOf(data, NL) + 1;
      // Lines starting at or after `end` belong to the next split: cut after the line holding byte end - 1.
      const cut = end - dataOffset;
      let done = eof;
      if (cut <= complete) {
        const i = indexOf(data, NL, Math.max(0, cut - 1));
        if (i >= 0 && i < complete) complete = i + 1;
        done = true;
      }
      if (complete > 0) yield { bytes: data.subarray(0, complete), offset: dataOffset };
      if (done) return;
      carry = data.subarray(complete);
      carryOffset = dataOffset + complete;
    }
  } finally {
    closeSync(fd);
  }
}

function lastIndexOf(a: Uint8Array, b: number): number {
  return Buffer.from(a.buffer, a.byteOffset, a.length).lastIndexOf(b);
}

function indexOf(a: Uint8Array, b: number, from: number): number {
  return Buffer.from(a.buffer, a.byteOffset, a.length).indexOf(b, from);
}

/** The 1-based line number of the line starting at byte `offset` of `path` (counts newlines before it; used for error messages). */
export function lineNumberAt(path: string, offset: number): number {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    let line = 1;
    let pos = 0;
    while (pos < offset) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, offset - pos), pos);
      if (n === 0) break;
      let i = -1;
      const view = buf.subarray(0, n);
      while ((i = view.indexOf(NL, i + 1)) >= 0) line++;
      pos += n;
    }
    return line;
  } finally {
    closeSync(fd);
  }
}
