/** Compressed input files: which codec a file name implies, and reading a file whole through it. Compressed files are never split. */
import fs from 'node:fs';
import zlib from 'node:zlib';
import { inputNotReadable } from './errors.ts';
import { verifyWhole } from './checksum.ts';
import { checkPlannedSize } from './splits.ts';

/** The compression codecs the input layer reads, by the file-name suffix that selects them (Hadoop's codec factory rule). */
const CODECS = {
  gzip: { suffix: '.gz', decompress: (b: Buffer): Buffer => zlib.gunzipSync(b) },
} as const;

/** A codec name, or null for a plain file. */
export type Compression = keyof typeof CODECS | null;

/** The codec a file name selects ('data.csv.gz' -> 'gzip'), or null. */
export function compressionOf(path: string): Compression {
  const lower = path.toLowerCase();
  for (const [name, c] of Object.entries(CODECS)) if (lower.endsWith(c.suffix)) return name as keyof typeof CODECS;
  return null;
}

/**
 * A file's bytes, decompressed when its name selects a codec; fails with INPUT_NOT_READABLE naming the
 * file. The raw bytes are verified against the file's checksum sidecar when it has one, and with
 * `plannedSize` their count against the size the file had when it was planned (INPUT_CHANGED).
 */
export function readWholeFile(path: string, plannedSize?: number): Buffer {
  let raw: Buffer;
  try {
    raw = fs.readFileSync(path);
  } catch (e) {
    throw inputNotReadable(path, e);
  }
  checkPlannedSize(path, plannedSize, raw.length);
  verifyWhole(path, raw);
  const codec = compressionOf(path);
  if (codec === null) return raw;
  try {
    return CODECS[codec].decompress(raw);
  } catch (e) {
    throw inputNotReadable(path, e);
  }
}

/**
 * The first `maxBytes` (decompressed) bytes of a file, for schema inference from a sample, and whether
 * they are the whole file. INPUT_NOT_READABLE naming the file when it cannot be read.
 */
export function readFileHead(path: string, maxBytes: number): { bytes: Buffer; complete: boolean } {
  if (compressionOf(path) !== null) {
    const all = readWholeFile(path);
    return { bytes: all.subarray(0, maxBytes), complete: all.length <= maxBytes };
  }
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (e) {
    throw inputNotReadable(path, e);
  }
  try {
    const size = fs.fstatSync(fd).size;
    const buf = Buffer.alloc(Math.min(size, maxBytes));
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    return { bytes: buf.subarray(0, n), complete: n === size };
  } finally {
    fs.closeSync(fd);
  }
}
