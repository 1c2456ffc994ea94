/** The executor's BlockManager: a memory store with a byte budget and LRU eviction over a disk store, for cached RDD partitions and named blocks. */
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, writeFileSync, writeSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { serialize, deserialize } from 'node:v8';
import { engineError } from '../catalogue.ts';
import { estimateSize } from '../serde/keys.ts';
import { StorageLevel } from './StorageLevel.ts';

/** A change to the blocks an executor holds, reported to the driver with the task that made it. */
export interface BlockUpdate {
  blockId: string;
  executorId: string;
  /** Where the block now lives; both false means it was removed. */
  inMemory: boolean;
  onDisk: boolean;
  size: number;
}

interface MemEntry {
  values: unknown;
  size: number;
  level: StorageLevel;
}

/** Block id of RDD `rddId`'s partition `index`. */
export function rddBlockId(rddId: number, index: number): string {
  return `rdd_${rddId}_${index}`;
}

/**
 * Holds blocks for one executor. Invariants: `memoryUsed` is the sum of sizes in the memory store and
 * stays <= `memoryBytes`; a block is in memory, on disk, both, or absent; every change is appended to
 * `updates` for the driver. Blocks that tasks hand to each other (DL weight and gradient slices) are
 * not kept here but in a block exchange (exchange.ts), in memory.
 */
export class BlockManager {
  private readonly memory = new Map<string, MemEntry>();
  private readonly onDisk = new Set<string>();
  private memoryUsed = 0;
  /** Changes since the driver last collected them. */
  updates: BlockUpdate[] = [];

  constructor(
    readonly executorId: string,
    private readonly diskDir: string,
    readonly memoryBytes: number,
  ) {
    mkdirSync(diskDir, { recursive: true });
  }

  get memoryUsedBytes(): number {
    return this.memoryUsed;
  }

  /** The values of block `id`, from memory (touching it for LRU) or disk, or undefined. */
  get(id: string): unknown | undefined {
    const m = this.memory.get(id);
    if (m !== undefined) {
      this.memory.delete(id);
      this.memory.set(id, m);
      return m.values;
    }
    if (this.onDisk.has(id)) {
      const file = this.diskFile(id);
      if (existsSync(file)) return readDiskBlock(file);
      this.onDisk.delete(id);
      this.report(id);
    }
    return undefined;
  }

  has(id: string): boolean {
    return this.memory.has(id) || this.onDisk.has(id);
  }

  /**
   * Stores `values` under `level`: in memory when it fits the budget (evicting least recently used
   * blocks, which go to disk when their level allows), else on disk when allowed, else not at all.
   * Returns whether the block was stored.
   */
  put(id: string, values: unknown, level: StorageLevel, size = estimateSize(values)): boolean {
    this.remove(id, false);
    if (level.useMemory && size <= this.memoryBytes && this.evictFor(id, size)) {
      this.memory.set(id, { values, size, level });
      this.memoryUsed += size;
      this.report(id);
      return true;
    }
    if (level.useDisk) {
      this.writeDisk(id, values);
      this.report(id);
      return true;
    }
    this.report(id);
    return false;
  }

  /** Removes block `id` from memory and disk. */
  remove(id: string, reportIt = true): boolean {
    const m = this.memory.get(id);
    let had = false;
    if (m !== undefined) {
      this.memory.delete(id);
      this.memoryUsed -= m.size;
      had = true;
    }
    if (this.onDisk.delete(id)) {
      rmSync(this.diskFile(id), { force: true });
      had = true;
    }
    if (had && reportIt) this.report(id);
    return had;
  }

  /** Removes every block of RDD `rddId`. */
  removeRdd(rddId: number): number {
    const prefix = `rdd_${rddId}_`;
    let n = 0;
    for (const id of [...this.memory.keys(), ...this.onDisk]) if (id.startsWith(prefix) && this.remove(id)) n++;
    return n;
  }

  /** Block ids held (memory or disk). */
  blockIds(): string[] {
    return [...new Set([...this.memory.keys(), ...this.onDisk])];
  }

  /** Takes the pending updates for the driver. */
  takeUpdates(): BlockUpdate[] {
    const u = this.updates;
    this.updates = [];
    return u;
  }

  /**
   * Frees room for `size` bytes for block `id` by evicting least recently used blocks (to disk when
   * their level allows), never blocks of the same RDD: as Spark's MemoryStore, so that scanning an
   * RDD larger than memory keeps the partitions that fit instead of each new one evicting the one
   * read next (LRU over a cyclic scan would recompute every partition on every pass). Evicts
   * nothing and returns false when that cannot make enough room.
   */
  private evictFor(id: string, size: number): boolean {
    if (this.memoryUsed + size <= this.memoryBytes) return true;
    const sameRdd = /^rdd_\d+_/.exec(id)?.[0];
    const victims: string[] = [];
    let freed = 0;
    for (const [other, e] of this.memory) {
      if (this.memoryUsed - freed + size <= this.memoryBytes) break;
      if (sameRdd !== undefined && other.startsWith(sameRdd)) continue;
      victims.push(other);
      freed += e.size;
    }
    if (this.memoryUsed - freed + size > this.memoryBytes) return false;
    for (const other of victims) {
      const e = this.memory.get(other) as MemEntry;
      this.memory.delete(other);
      this.memoryUsed -= e.size;
      if (e.level.useDisk && !this.onDisk.has(other)) this.writeDisk(other, e.values);
      this.report(other);
    }
    return true;
  }

  private writeDisk(id: string, values: unknown): void {
    if (!Array.isArray(values)) {
      const file = this.diskFile(id);
      const tmp = `${file}.tmp`;
      writeFileSync(tmp, Buffer.concat([Buffer.from([DISK_SINGLE]), serialize(values)]));
      renameSync(tmp, file);
      this.onDisk.add(id);
      return;
    }
    const w = new DiskBlockWriter(this.diskFile(id));
    try {
      w.addAll(values);
      w.commit();
    } catch (e) {
      w.discard();
      throw e;
    }
    this.onDisk.add(id);
  }

  /**
   * A writer for block `id` on disk, for a partition too big to unroll in memory: records are
   * appended in batches, and `commit()` makes the block visible (a failed compute discards it).
   */
  diskWriter(id: string): DiskBlockWriter {
    this.remove(id, false);
    return new DiskBlockWriter(this.diskFile(id), () => {
      this.onDisk.add(id);
      this.report(id);
    });
  }

  /** The records of on-disk record-array block `id`, read one batch at a time (undefined when it is not on disk). */
  diskIterator(id: string): Iterator<unknown> | undefined {
    if (!this.onDisk.has(id) || !existsSync(this.diskFile(id))) return undefined;
    return diskBlockIterator(this.diskFile(id));
  }

  /** Whether block `id` is in the memory store. */
  inMemory(id: string): boolean {
    return this.memory.has(id);
  }

  private diskFile(id: string): string {
    return join(this.diskDir, `${id}.bin`);
  }

  private report(id: string): void {
    const m = this.memory.get(id);
    this.updates.push({ blockId: id, executorId: this.executorId, inMemory: m !== undefined, onDisk: this.onDisk.has(id), size: m?.size ?? 0 });
  }
}

/** Records per v8-serialized batch of a disk block. */
const DISK_BATCH = 1024;
/** First byte of a disk block: batches of records, or one v8-serialized value (a block that is not a record array). */
const DISK_BATCHES = 0;
const DISK_SINGLE = 1;

/**
 * Writes a disk block: a sequence of `[u32 length][v8 batch of up to DISK_BATCH records]`, under a
 * temporary name renamed into place by `commit()`. Batches let a block bigger than memory be written
 * and read back streaming.
 */
export class DiskBlockWriter {
  private readonly tmp: string;
  private fd: number;
  private batch: unknown[] = [];

  constructor(private readonly file: string, private readonly onCommit?: () => void) {
    this.tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`;
    this.fd = openSync(this.tmp, 'w');
    writeSync(this.fd, Buffer.from([DISK_BATCHES]));
  }

  add(record: unknown): void {
    this.batch.push(record);
    if (this.batch.length === DISK_BATCH) this.flush();
  }

  addAll(records: readonly unknown[]): void {
    for (let i = 0; i < records.length; i++) this.add(records[i]);
  }

  private flush(): void {
    if (this.batch.length === 0) return;
    const body = serialize(this.batch);
    const head = Buffer.allocUnsafe(4);
    head.writeUInt32LE(body.length, 0);
    writeSync(this.fd, head);
    for (let off = 0; off < body.length;) off += writeSync(this.fd, body, off, body.length - off);
    this.batch = [];
  }

  commit(): void {
    this.flush();
    closeSync(this.fd);
    this.fd = -1;
    renameSync(this.tmp, this.file);
    this.onCommit?.();
  }

  discard(): void {
    if (this.fd >= 0) {
      try { closeSync(this.fd); } catch { /* already failing; removing the file is what matters */ }
      this.fd = -1;
    }
    rmSync(this.tmp, { force: true });
  }
}

/** Reads a whole disk block (see writeDisk). */
function readDiskBlock(file: string): unknown {
  const bytes = readFileSync(file);
  if (bytes[0] === DISK_SINGLE) return deserialize(bytes.subarray(1));
  const out: unknown[] = [];
  // The buffer is fresh and never reused, so values deserialized as views into it stay intact.
  for (let pos = 1; pos < bytes.length;) {
    const len = bytes.readUInt32LE(pos);
    const batch = deserialize(bytes.subarray(pos + 4, pos + 4 + len)) as unknown[];
    for (let i = 0; i < batch.length; i++) out.push(batch[i]);
    pos += 4 + len;
  }
  return out;
}

/** Streams the records of a disk block, one batch in memory at a time; the file closes at the end or on return(). */
function diskBlockIterator(file: string): Iterator<unknown> & Iterable<unknown> {
  let fd = openSync(file, 'r');
  const size = fstatSync(fd).size;
  let pos = 1;
  let batch: unknown[] = [];
  let i = 0;
  const close = (): void => {
    if (fd >= 0) { closeSync(fd); fd = -1; }
  };
  const readExactly = (n: number): Buffer => {
    const b = Buffer.allocUnsafe(n);
    for (let got = 0; got < n;) {
      const k = readSync(fd, b, got, n - got, pos);
      if (k <= 0) throw engineError('BLOCK_MISSING', `disk block ${file} is truncated at byte ${pos}`);
      got += k;
      pos += k;
    }
    return b;
  };
  const it = {
    next(): IteratorResult<unknown> {
      while (i >= batch.length) {
        if (fd < 0 || pos >= size) {
          close();
          return { done: true, value: undefined };
        }
        // Each batch is read into its own fresh buffer, so deserialized typed arrays may view it safely.
        const len = readExactly(4).readUInt32LE(0);
        batch = deserialize(readExactly(len)) as unknown[];
        i = 0;
      }
      return { done: false, value: batch[i++] };
    },
    return(): IteratorResult<unknown> {
      close();
      return { done: true, value: undefined };
    },
    [Symbol.iterator]() { return it; },
  };
  return it;
}
