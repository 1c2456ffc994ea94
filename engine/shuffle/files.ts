/** Buffered synchronous file output and chunked segment input for shuffle data and spill files, and deleting a shuffle's files. */
import fs from 'node:fs';
import { threadId } from 'node:worker_threads';

const WRITE_BUFFER = 1 << 20;
const READ_CHUNK = 1 << 20;

/**
 * Appends bytes to a file through a 1 MiB buffer with fs.writeSync. Encoders `reserve` room, write
 * into `buf` at the returned offset and `commit` what they used; `position` is the file offset of the
 * next byte.
 */
export class BlockWriter {
  readonly path: string;
  buf: Buffer = Buffer.allocUnsafe(WRITE_BUFFER);
  private fd: number;
  private used = 0;
  private flushed = 0;

  constructor(path: string) {
    this.path = path;
    this.fd = fs.openSync(path, 'w');
  }

  get position(): number {
    return this.flushed + this.used;
  }

  /** Makes room for `n` bytes and returns the offset in `buf` where they go. */
  reserve(n: number): number {
    if (this.used + n <= this.buf.length) return this.used;
    this.flush();
    if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n);
    return 0;
  }

  commit(n: number): void {
    this.used += n;
  }

  writeBytes(src: Uint8Array): void {
    if (src.length >= this.buf.length) {
      this.flush();
      writeFully(this.fd, src, 0, src.length);
      this.flushed += src.length;
      return;
    }
    const at = this.reserve(src.length);
    this.buf.set(src, at);
    this.used += src.length;
  }

  flush(): void {
    if (this.used === 0) return;
    writeFully(this.fd, this.buf, 0, this.used);
    this.flushed += this.used;
    this.used = 0;
    if (this.buf.length > WRITE_BUFFER) this.buf = Buffer.allocUnsafe(WRITE_BUFFER);
  }

  /** Flushes and closes; the file is complete afterwards. */
  close(): void {
    if (this.fd < 0) return;
    try {
      this.flush();
    } finally {
      fs.closeSync(this.fd);
      this.fd = -1;
    }
  }

  /** Closes without flushing and deletes the file (error paths). */
  discard(): void {
    if (this.fd >= 0) {
      try { fs.closeSync(this.fd); } catch { /* already failing; the unlink below is what matters */ }
      this.fd = -1;
    }
    fs.rmSync(this.path, { force: true });
  }
}

function writeFully(fd: number, b: Uint8Array, off: number, len: number): void {
  while (len > 0) {
    const n = fs.writeSync(fd, b, off, len);
    off += n;
    len -= n;
  }
}

/** Copies bytes [start, end) of an open file to `out` in large chunks (no decoding). */
export function copyRange(fd: number, start: number, end: number, out: BlockWriter): void {
  let pos = start;
  while (pos < end) {
    const n = Math.min(end - pos, READ_CHUNK);
    const at = out.reserve(n);
    const got = fs.readSync(fd, out.buf, at, n, pos);
    if (got <= 0) throw new Error(`unexpected end of file at byte ${pos} (wanted up to ${end})`);
    out.commit(got);
    pos += got;
  }
}

/**
 * Reads a byte range of a file as a sequence of frames in chunks of about 1 MiB. `frameLength`
 * reads a frame's total length from its first `headerBytes` bytes; `next` returns the buffer and
 * offset of the next whole frame, or undefined at the end of the range.
 */
export class RangeReader {
  buf: Buffer;
  private start = 0;
  private limit = 0;
  private filePos: number;

  constructor(private readonly fd: number, from: number, private readonly end: number, chunk = READ_CHUNK) {
    this.filePos = from;
    this.buf = Buffer.allocUnsafe(Math.max(64, Math.min(chunk, end - from)));
  }

  /** File offset of the next unread byte (for error messages). */
  get offset(): number {
    return this.filePos - (this.limit - this.start);
  }

  /** Ensures `n` bytes are buffered at `this.pos()`; false when the range ends first. */
  fill(n: number): boolean {
    if (this.limit - this.start >= n) return true;
    const remaining = this.limit - this.start;
    if (remaining + (this.end - this.filePos) < n) return false;
    if (n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(n, this.buf.length * 2));
      this.buf.copy(bigger, 0, this.start, this.limit);
      this.buf = bigger;
    } else if (this.start > 0) {
      this.buf.copy(this.buf, 0, this.start, this.limit);
    }
    this.start = 0;
    this.limit = remaining;
    while (this.limit < n) {
      const want = Math.min(this.buf.length - this.limit, this.end - this.filePos);
      const got = fs.readSync(this.fd, this.buf, this.limit, want, this.filePos);
      if (got <= 0) throw new Error(`unexpected end of file at byte ${this.filePos}`);
      this.limit += got;
      this.filePos += got;
    }
    return true;
  }

  pos(): number {
    return this.start;
  }

  skip(n: number): void {
    this.start += n;
  }

  /** Whether bytes remain in the range. */
  hasMore(): boolean {
    return this.start < this.limit || this.filePos < this.end;
  }
}

/**
 * Read buffer size for each of `streams` files merged at once: their buffers together take about
 * half of `memoryBytes`, between 64 KiB and 1 MiB each.
 */
export function mergeChunk(memoryBytes: number, streams: number): number {
  return Math.max(64 << 10, Math.min(READ_CHUNK, Math.floor(memoryBytes / (2 * Math.max(1, streams)))));
}

let tempCounter = 0;

/** A fresh file path under `dir` for temporary output, unique across threads and processes. */
export function tempPath(dir: string, stem: string, suffix: string): string {
  const unique = `${process.pid}-${threadId}-${++tempCounter}-${Math.random().toString(36).slice(2, 8)}`;
  return `${dir}/${stem}.${unique}.${suffix}`;
}

/** Deletes every file of shuffle `shuffleId` under `dir` (map outputs, spills, temporaries); returns how many. */
export function removeShuffleFiles(shuffleId: number, dir: string): number {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw e;
  }
  const prefix = `shuffle_${shuffleId}_`;
  let removed = 0;
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    fs.rmSync(`${dir}/${name}`, { force: true });
    removed++;
  }
  return removed;
}
