/** Sorted runs on disk: writing record buckets to a file and streaming a byte range of one back as records. */
import fs from 'node:fs';
import { MemorySource, encodeRecords, readBatch, type Pair } from './codec.ts';
import { BlockWriter, RangeReader } from './files.ts';
import { shuffleCorrupt } from '../catalogue.ts';

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
 * A class rather than a generator: it is the innermost loop of every shuffle read.
 */
export function readRange(
  path: string, start: number, end: number, onIoError: (e: unknown) => Error = (e) => e as Error, chunk?: number,
): RangeRecords {
  return new RangeRecords(path, start, end, onIoError, chunk);
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * Closes the file of a record stream that was dropped without being finished or returned (a
 * task that failed mid-read), when the stream is garbage-collected.
 */
const leakedFds = new FinalizationRegistry<number>((fd) => fs.close(fd, () => {}));

export class RangeRecords implements IterableIterator<Pair> {
  private fd = -1;
  private reader: RangeReader | undefined;
  private batch: Pair[] = [];
  private i = 0;
  private finished: boolean;

  constructor(
    private readonly path: string, private readonly start: number, private readonly end: number,
    private readonly onIoError: (e: unknown) => Error, private readonly chunk?: number,
  ) {
    this.finished = end <= start;
  }

  next(): IteratorResult<Pair, undefined> {
    if (this.i < this.batch.length) return { done: false, value: this.batch[this.i++] };
    return this.refill();
  }

  private refill(): IteratorResult<Pair, undefined> {
    while (!this.finished) {
      if (this.reader === undefined) this.open();
      let batch: Pair[] | undefined;
      try {
        batch = readBatch(this.reader!, (detail) => shuffleCorrupt(this.path, this.reader!.offset, detail));
      } catch (e) {
        this.close();
        if ((e as { code?: string }).code === 'SHUFFLE_CORRUPT') throw e;
        throw this.onIoError(e);
      }
      if (batch === undefined) {
        this.close();
        break;
      }
      if (batch.length === 0) continue;
      this.batch = batch;
      this.i = 1;
      return { done: false, value: batch[0] };
    }
    this.batch = [];
    this.i = 0;
    return DONE;
  }

  private open(): void {
    try {
      this.fd = fs.openSync(this.path, 'r');
    } catch (e) {
      this.finished = true;
      throw this.onIoError(e);
    }
    leakedFds.register(this, this.fd, this);
    this.reader = new RangeReader(this.fd, this.start, this.end, this.chunk);
  }

  private close(): void {
    this.finished = true;
    if (this.fd >= 0) {
      leakedFds.unregister(this);
      fs.closeSync(this.fd);
      this.fd = -1;
    }
  }

  return(): IteratorResult<Pair, undefined> {
    this.close();
    this.batch = [];
    return DONE;
  }

  [Symbol.iterator](): IterableIterator<Pair> {
    return this;
  }
}

/** The records of a segment already in memory (a map output fetched from another executor). */
export class BytesRecords implements IterableIterator<Pair> {
  private readonly src: MemorySource;
  private batch: Pair[] = [];
  private i = 0;

  constructor(bytes: Uint8Array, private readonly what: string) {
    this.src = new MemorySource(bytes);
  }

  next(): IteratorResult<Pair, undefined> {
    while (this.i >= this.batch.length) {
      const batch = readBatch(this.src, (detail) => shuffleCorrupt(this.what, this.src.offset, detail));
      if (batch === undefined) return DONE;
      this.batch = batch;
      this.i = 0;
    }
    return { done: false, value: this.batch[this.i++] };
  }

  return(): IteratorResult<Pair, undefined> {
    this.batch = [];
    this.i = 0;
    return DONE;
  }

  [Symbol.iterator](): IterableIterator<Pair> {
    return this;
  }
}

/**
 * The bytes of reduce partition `reduceId` in a map output's data file: what an executor serves
 * when another executor fetches that segment. Throws ShuffleFetchFailedError-worthy I/O errors
 * through `onIoError`.
 */
export function readSegmentFile(path: string, start: number, end: number, onIoError: (e: unknown) => Error): Buffer {
  const out = Buffer.allocUnsafe(end - start);
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (e) {
    throw onIoError(e);
  }
  try {
    let at = 0;
    while (at < out.length) {
      const n = fs.readSync(fd, out, at, out.length - at, start + at);
      if (n <= 0) throw onIoError(new Error(`unexpected end of file at byte ${start + at} (wanted up to ${end})`));
      at += n;
    }
  } catch (e) {
    if ((e as { code?: string }).code === 'SHUFFLE_FETCH_FAILED') throw e;
    throw onIoError(e);
  } finally {
    fs.closeSync(fd);
  }
  return out;
}
