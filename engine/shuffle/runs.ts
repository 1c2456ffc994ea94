/** Sorted runs on disk: writing record buckets to a file and streaming a byte range of one back as records. */
import fs from 'node:fs';
import { encodeRecords, readBatch, type Pair } from './codec.ts';
import { BlockWriter, RangeReader } from './files.ts';
import { corrupt } from './errors.ts';

/** A file of `buckets.length` consecutive segments; segment i spans [offsets[i], offsets[i+1]). */
export interface RunFile {
  path: string;
  offsets: number[];
  counts: number[];
}

/** Writes each bucket as one segment of a new file at `path`. */
export function writeRun(path: string, buckets: readonly (readonly Pair[])[]): RunFile {
  const w = new BlockWriter(path);
  const offsets = [0];
  const counts: number[] = [];
  try {
    for (const bucket of buckets) {
      encodeRecords(w, bucket, 0, bucket.length);
      offsets.push(w.position);
      counts.push(bucket.length);
    }
    w.close();
  } catch (e) {
    w.discard();
    throw e;
  }
  return { path, offsets, counts };
}

/**
 * Streams the records of bytes [start, end) of `path`. I/O failures (a missing or short file) go
 * through `onIoError`; undecodable frames raise SHUFFLE_CORRUPT. `chunk` is the read buffer size.
 */
export function* readRange(
  path: string, start: number, end: number, onIoError: (e: unknown) => Error = (e) => e as Error, chunk?: number,
): Generator<Pair, void, undefined> {
  if (end <= start) return;
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (e) {
    throw onIoError(e);
  }
  try {
    const r = new RangeReader(fd, start, end, chunk);
    const where = (detail: string): Error => corrupt(path, r.offset, detail);
    for (;;) {
      let batch: Pair[] | undefined;
      try {
        batch = readBatch(r, where);
      } catch (e) {
        if ((e as { code?: string }).code === 'SHUFFLE_CORRUPT') throw e;
        throw onIoError(e);
      }
      if (batch === undefined) return;
      for (let i = 0; i < batch.length; i++) yield batch[i];
    }
  } finally {
    fs.closeSync(fd);
  }
}
