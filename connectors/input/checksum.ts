/**
 * Checksum sidecars of written part files, in Hadoop's ChecksumFileSystem format, and their
 * verification on read. For `dir/part-00000.parquet` the sidecar is `dir/.part-00000.parquet.crc`
 * (hidden, so readers never list it as data): the bytes `crc\0`, the chunk size as a big-endian
 * int32 (512), then one big-endian CRC32 (zlib's polynomial, java.util.zip.CRC32) per 512-byte chunk
 * of the file, the last chunk short. Chunked sums let a reader of a byte range verify only the
 * chunks it reads. Flint's writers (Parquet, CSV, JSON lines, Arrow) write one per part file; every
 * reader verifies the bytes it reads when a sidecar is present and fails with
 * INPUT_CHECKSUM_MISMATCH naming the file and the byte range (Parquet adds the row group).
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { inputChecksumMismatch, inputNotReadable } from './errors.ts';

/** Bytes per checksum (Hadoop's io.bytes.per.checksum default). */
export const BYTES_PER_CHECKSUM = 512;
const MAGIC = Buffer.from([0x63, 0x72, 0x63, 0x00]); // "crc\0"

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC32 of `data` continuing from `prev` (zlib.crc32 where Node has it, added in 20.15; a table otherwise). */
export const crc32: (data: Uint8Array, prev?: number) => number = typeof (zlib as { crc32?: unknown }).crc32 === 'function'
  ? (data, prev = 0) => (zlib as unknown as { crc32(d: Uint8Array, p: number): number }).crc32(data, prev)
  : (data, prev = 0) => {
    let c = (prev ^ 0xffffffff) >>> 0;
    for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };

/** The sidecar path of `file`: `.name.crc` beside it. */
export function checksumPath(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.crc`);
}

/**
 * Computes a sidecar while a file is written in pieces (CSV, JSON lines): `update` with every byte
 * written, in order, then `bytes()` is the sidecar's content.
 */
export class ChecksumBuilder {
  private readonly sums: number[] = [];
  private crc = 0;
  private have = 0;

  constructor(readonly bytesPerChecksum = BYTES_PER_CHECKSUM) {}

  update(data: Uint8Array): void {
    let off = 0;
    while (off < data.length) {
      const take = Math.min(data.length - off, this.bytesPerChecksum - this.have);
      this.crc = crc32(data.subarray(off, off + take), this.crc);
      this.have += take;
      off += take;
      if (this.have === this.bytesPerChecksum) {
        this.sums.push(this.crc);
        this.crc = 0;
        this.have = 0;
      }
    }
  }

  bytes(): Buffer {
    const n = this.sums.length + (this.have > 0 ? 1 : 0);
    const out = Buffer.alloc(8 + 4 * n);
    MAGIC.copy(out, 0);
    out.writeInt32BE(this.bytesPerChecksum, 4);
    this.sums.forEach((s, i) => out.writeUInt32BE(s, 8 + 4 * i));
    if (this.have > 0) out.writeUInt32BE(this.crc, 8 + 4 * this.sums.length);
    return out;
  }
}

/** Writes `data` to `file` and its sidecar. */
export function writeFileWithChecksum(file: string, data: Uint8Array): void {
  fs.writeFileSync(file, data);
  const b = new ChecksumBuilder();
  b.update(data);
  fs.writeFileSync(checksumPath(file), b.bytes());
}

/**
 * A file written with writeSync in pieces, its sidecar computed on the way: `write` strings or
 * bytes, then `close` (which writes the sidecar). `abort` closes without one.
 */
export class ChecksummedFile {
  private readonly fd: number;
  private readonly sums = new ChecksumBuilder();

  constructor(readonly file: string) {
    this.fd = fs.openSync(file, 'w');
  }

  write(data: string | Uint8Array): void {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    fs.writeSync(this.fd, bytes);
    this.sums.update(bytes);
  }

  close(): void {
    fs.closeSync(this.fd);
    fs.writeFileSync(checksumPath(this.file), this.sums.bytes());
  }

  abort(): void {
    fs.closeSync(this.fd);
  }
}

/** A parsed sidecar: the chunk size and one CRC per chunk. */
export interface Checksums {
  bytesPerChecksum: number;
  sums: Uint32Array;
}

/** The sidecar of `file` when it has one (undefined otherwise); INPUT_CHECKSUM_MISMATCH when it is not a checksum file. */
export function loadChecksums(file: string): Checksums | undefined {
  let raw: Buffer;
  try {
    raw = fs.readFileSync(checksumPath(file));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw inputNotReadable(checksumPath(file), e);
  }
  const bpc = raw.length >= 8 ? raw.readInt32BE(4) : 0;
  if (raw.length < 8 || !raw.subarray(0, 4).equals(MAGIC) || bpc < 1 || (raw.length - 8) % 4 !== 0) {
    throw inputChecksumMismatch(file, `its checksum file ${checksumPath(file)} is not in the crc format (corrupt or written by something else)`);
  }
  const sums = new Uint32Array((raw.length - 8) / 4);
  for (let i = 0; i < sums.length; i++) sums[i] = raw.readUInt32BE(8 + 4 * i);
  return { bytesPerChecksum: bpc, sums };
}

/** Fails when the sidecar does not cover exactly `size` bytes (the file was truncated or extended after it was written). */
function checkCoverage(file: string, c: Checksums, size: number): void {
  const chunks = Math.ceil(size / c.bytesPerChecksum);
  if (chunks !== c.sums.length) {
    throw inputChecksumMismatch(file, `the file has ${size} bytes but its checksums cover ${c.sums.length} chunks of ${c.bytesPerChecksum} bytes (truncated or changed after it was written)`);
  }
}

/** Describes where a bad chunk lies (Parquet adds its row group); by default its byte range. */
export type ChunkDescriber = (start: number, end: number) => string;

/** Verifies all of `data`, the whole content of `file`, against its sidecar when it has one. */
export function verifyWhole(file: string, data: Uint8Array, describe?: ChunkDescriber): void {
  const c = loadChecksums(file);
  if (c === undefined) return;
  checkCoverage(file, c, data.length);
  const bpc = c.bytesPerChecksum;
  for (let i = 0; i < c.sums.length; i++) {
    const start = i * bpc, end = Math.min(data.length, start + bpc);
    if (crc32(data.subarray(start, end)) !== c.sums[i]) throw mismatchAt(file, start, end, describe);
  }
}

function mismatchAt(file: string, start: number, end: number, describe?: ChunkDescriber): Error {
  const where = describe?.(start, end) ?? `bytes ${start}-${end - 1}`;
  return inputChecksumMismatch(file, `${where} do not match the checksum written with the file (corrupted on disk or changed after it was written)`);
}

/**
 * Verifies the bytes a reader reads in order from offset `from` of `file` (open as `fd`, `size`
 * bytes): `feed` each read, then `finish` when the reader has all it wants, which reads the rest of
 * the last chunk begun so that it can be checked too. Created by `rangeVerifier`.
 */
export class RangeVerifier {
  private chunk: number;
  private crc = 0;
  private have = 0;
  private readonly bpc: number;

  constructor(
    private readonly file: string, private readonly c: Checksums, private readonly fd: number, from: number, private readonly size: number,
    private readonly describe?: ChunkDescriber,
  ) {
    this.bpc = c.bytesPerChecksum;
    this.chunk = Math.floor(from / this.bpc);
    const chunkStart = this.chunk * this.bpc;
    if (from > chunkStart) this.feed(this.readAt(chunkStart, from - chunkStart), 0, from - chunkStart);
  }

  /** Counts `n` bytes of `buf` from `off`, the next bytes of the file. */
  feed(buf: Uint8Array, off: number, n: number): void {
    while (n > 0) {
      const chunkStart = this.chunk * this.bpc;
      const chunkLen = Math.min(this.bpc, this.size - chunkStart);
      if (chunkLen <= 0) return; // reads past the planned size are the size check's business
      const take = Math.min(n, chunkLen - this.have);
      this.crc = crc32(buf.subarray(off, off + take), this.crc);
      this.have += take;
      off += take;
      n -= take;
      if (this.have === chunkLen) this.check(chunkStart, chunkStart + chunkLen);
    }
  }

  /** Checks the chunk begun last, reading its remaining bytes. */
  finish(): void {
    if (this.have === 0) return;
    const chunkStart = this.chunk * this.bpc;
    const end = Math.min(this.size, chunkStart + this.bpc);
    const rest = end - chunkStart - this.have;
    if (rest > 0) this.feed(this.readAt(chunkStart + this.have, rest), 0, rest);
  }

  private check(start: number, end: number): void {
    if (this.crc !== this.c.sums[this.chunk]) throw mismatchAt(this.file, start, end, this.describe);
    this.chunk++;
    this.crc = 0;
    this.have = 0;
  }

  private readAt(pos: number, n: number): Buffer {
    const b = Buffer.alloc(n);
    try {
      fs.readSync(this.fd, b, 0, n, pos);
    } catch (e) {
      throw inputNotReadable(this.file, e);
    }
    return b;
  }
}

/** A verifier for reading `file` (open as `fd`, `size` bytes) from offset `from`, or undefined when it has no sidecar. */
export function rangeVerifier(file: string, fd: number, from: number, size: number, describe?: ChunkDescriber): RangeVerifier | undefined {
  const c = loadChecksums(file);
  if (c === undefined) return undefined;
  checkCoverage(file, c, size);
  return new RangeVerifier(file, c, fd, from, size, describe);
}
