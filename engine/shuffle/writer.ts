/** The map side of the sort-based shuffle (Spark's SortShuffleWriter + ExternalSorter): combine, partition, spill sorted runs, write one data file. */
import fs from 'node:fs';
import type { Aggregator, MapStatus, Partitioner, ShuffleWriteSpec } from './api.ts';
import { KeyMap, estimateSize } from '../serde/keys.ts';
import { encodeRecords, type Pair } from './codec.ts';
import { BlockWriter, copyRange, mergeChunk, tempPath } from './files.ts';
import { readRange, writeRun, type RunFile } from './runs.ts';
import { mergeSorted } from './merge.ts';
import { ListSizer, MapSizer } from './sizing.ts';
import { shuffleBadPartition, shuffleBadSpec, shuffleRecordNotData, shuffleRecordNotPair } from '../catalogue.ts';

/**
 * What is wrong with `v` as a shuffled key or value, or undefined when it is data that survives
 * serialization: primitives, plain objects, arrays, typed arrays, Buffers, Dates, RegExps, Maps,
 * Sets, Errors. Class instances would arrive as plain objects without their methods (records cross
 * a shuffle through v8 serialization) and functions cannot travel at all. Checked on the key and
 * value of each record (not nested fields), which costs one `typeof` for primitives.
 */
export function notData(v: unknown): string | undefined {
  if (typeof v === 'function') return `a function (${(v as Function).name || 'anonymous'})`;
  if (typeof v !== 'object' || v === null) return undefined;
  const proto = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null || proto === Array.prototype || ArrayBuffer.isView(v)) return undefined;
  if (v instanceof Date || v instanceof Map || v instanceof Set || v instanceof RegExp || v instanceof ArrayBuffer || v instanceof Error) return undefined;
  if (v instanceof Boolean || v instanceof Number || v instanceof String || v instanceof BigInt) return undefined;
  return `an instance of class ${(proto as { constructor?: { name?: string } }).constructor?.name || '(anonymous)'}`;
}

/** How often (in records) the in-memory estimate is compared with the budget. */
const CHECK_EVERY = 64;

/** What a map task's shuffle write did (Spark's ShuffleWriteMetrics plus spill counts); counters only grow. */
export interface ShuffleWriteMetrics {
  recordsWritten: number;
  bytesWritten: number;
  /** Sorted runs written to disk because the in-memory data passed memoryBytes. */
  spillCount: number;
  spilledBytes: number;
}

export function newWriteMetrics(): ShuffleWriteMetrics {
  return { recordsWritten: 0, bytesWritten: 0, spillCount: 0, spilledBytes: 0 };
}

/** The final data file of a map task: `shuffle_<shuffleId>_<mapId>.data` in the shuffle directory. */
export function dataFilePath(dir: string, shuffleId: number, mapId: number): string {
  return `${dir}/shuffle_${shuffleId}_${mapId}.data`;
}

/**
 * Writes the shuffle output of one map task and returns its MapStatus. Records are partitioned by
 * `spec.partitioner`; with `mapSideCombine` values of equal keys (by value) are combined first;
 * with `keyOrdering` each partition's segment is sorted by key. Past `spec.memoryBytes` of
 * estimated in-memory data the writer spills sorted runs under `spec.dir` and merges them at the
 * end. `metrics` (optional) accumulates counts and spills. The data file appears atomically (written under a temporary name, then renamed); spill
 * files are deleted whatever happens. `executorId` goes into the status as is.
 */
export function writeShuffle<K, V, C>(
  spec: ShuffleWriteSpec<K, V, C>, records: Iterator<[K, V]>, executorId = 'local',
  metrics: ShuffleWriteMetrics = newWriteMetrics(),
): MapStatus {
  validateWriteSpec(spec);
  const sorter = new MapOutputSorter<K, V, C>(spec, metrics);
  try {
    if (spec.mapSideCombine) sorter.insertCombining(records);
    else sorter.insertAll(records);
    return { shuffleId: spec.shuffleId, mapId: spec.mapId, executorId, ...sorter.writeDataFile() };
  } finally {
    sorter.deleteSpills();
  }
}

/** Records writeShuffleAsync pulls before handing them to the sorter. */
const ASYNC_BATCH = 1024;

/**
 * writeShuffle over an async record stream (a map stage whose chain awaits, e.g. a mapPartitions
 * returning an async generator): records are pulled in batches of ASYNC_BATCH and inserted as they
 * come, so the map task spills past memoryBytes exactly as the sync writer does instead of holding
 * its whole partition first.
 */
export async function writeShuffleAsync<K, V, C>(
  spec: ShuffleWriteSpec<K, V, C>, records: AsyncIterator<[K, V]>, executorId = 'local',
  metrics: ShuffleWriteMetrics = newWriteMetrics(),
): Promise<MapStatus> {
  validateWriteSpec(spec);
  const sorter = new MapOutputSorter<K, V, C>(spec, metrics);
  try {
    const batch: [K, V][] = [];
    for (;;) {
      const r = await records.next();
      if (!r.done) batch.push(r.value);
      if (batch.length === ASYNC_BATCH || (r.done === true && batch.length > 0)) {
        if (spec.mapSideCombine) sorter.insertCombining(batch[Symbol.iterator]());
        else sorter.insertAll(batch[Symbol.iterator]());
        batch.length = 0;
      }
      if (r.done) break;
    }
    return { shuffleId: spec.shuffleId, mapId: spec.mapId, executorId, ...sorter.writeDataFile() };
  } finally {
    sorter.deleteSpills();
  }
}

function validateWriteSpec(spec: ShuffleWriteSpec<any, any, any>): void {
  const n = spec.partitioner?.numPartitions;
  if (!Number.isInteger(n) || n < 1) throw shuffleBadSpec(`partitioner.numPartitions must be a positive integer, got ${n}`);
  if (spec.mapSideCombine && spec.aggregator === undefined) throw shuffleBadSpec(`shuffle ${spec.shuffleId} asks for mapSideCombine without an aggregator`);
  if (!(spec.memoryBytes > 0)) throw shuffleBadSpec(`memoryBytes must be positive, got ${spec.memoryBytes}`);
  if (typeof spec.dir !== 'string' || spec.dir === '') throw shuffleBadSpec('dir must name the shuffle directory');
}

class MapOutputSorter<K, V, C> {
  private readonly numPartitions: number;
  private readonly partitioner: Partitioner;
  private readonly ordering: ((a: Pair, b: Pair) => number) | undefined;
  private readonly spills: RunFile[] = [];
  /** List mode: the records of each partition since the last spill. */
  private buckets: Pair[][] = [];
  private readonly listSizer = new ListSizer();
  /** Combine mode: key -> combiner since the last spill. */
  private map = new KeyMap<K, C>();
  private readonly mapSizer = new MapSizer();

  constructor(private readonly spec: ShuffleWriteSpec<K, V, C>, private readonly metrics: ShuffleWriteMetrics) {
    this.numPartitions = spec.partitioner.numPartitions;
    this.partitioner = spec.partitioner;
    const ord = spec.keyOrdering;
    this.ordering = ord === undefined ? undefined : (a, b) => ord(a[0] as K, b[0] as K);
    this.buckets = this.emptyBuckets();
  }

  private emptyBuckets(): Pair[][] {
    return Array.from({ length: this.numPartitions }, () => []);
  }

  private checkData(r: Pair): void {
    const badKey = notData(r[0]);
    if (badKey !== undefined) throw shuffleRecordNotData(this.spec.shuffleId, this.spec.mapId, 'key', badKey);
    const badValue = notData(r[1]);
    if (badValue !== undefined) throw shuffleRecordNotData(this.spec.shuffleId, this.spec.mapId, 'value', badValue);
  }

  private partitionOf(k: unknown): number {
    if (this.numPartitions === 1) return 0;
    const p = this.partitioner.getPartition(k);
    if ((p >>> 0) !== p || p >= this.numPartitions) throw shuffleBadPartition(this.spec.shuffleId, p, this.numPartitions, k);
    return p;
  }

  insertAll(records: Iterator<[K, V]>): void {
    let n = 0;
    for (let it = records.next(); !it.done; it = records.next()) {
      const r = it.value as unknown as Pair;
      if (!Array.isArray(r)) throw shuffleRecordNotPair(this.spec.shuffleId, this.spec.mapId, r);
      if (typeof r[0] === 'object' || typeof r[1] === 'object' || typeof r[0] === 'function' || typeof r[1] === 'function') this.checkData(r);
      this.buckets[this.partitionOf(r[0])].push(r);
      this.listSizer.add(r);
      if (++n % CHECK_EVERY === 0 && this.listSizer.bytes > this.spec.memoryBytes) {
        this.spillBuckets(this.buckets);
        this.buckets = this.emptyBuckets();
        this.listSizer.reset();
      }
    }
  }

  insertCombining(records: Iterator<[K, V]>): void {
    const agg = this.spec.aggregator as Aggregator<V, C>;
    const budget = this.spec.memoryBytes;
    let map = this.map;
    // The sizer lives on the sorter: writeShuffleAsync feeds the map in batches, one call each.
    const sizer = this.mapSizer;
    let pending = 0;
    for (let it = records.next(); !it.done; it = records.next()) {
      const r = it.value;
      if (!Array.isArray(r)) throw shuffleRecordNotPair(this.spec.shuffleId, this.spec.mapId, r);
      if (typeof r[0] === 'object' || typeof r[1] === 'object' || typeof r[0] === 'function' || typeof r[1] === 'function') this.checkData(r as unknown as Pair);
      const k = r[0];
      const c = map.get(k);
      if (c !== undefined || map.has(k)) {
        if (sizer.sampleUpdate()) {
          // Measured before the merge: mergeValue may grow the combiner in place.
          const before = estimateSize(c);
          const merged = agg.mergeValue(c as C, r[1]);
          map.set(k, merged);
          sizer.grew(before, estimateSize(merged));
        } else map.set(k, agg.mergeValue(c as C, r[1]));
      } else {
        const created = agg.createCombiner(r[1]);
        map.set(k, created);
        sizer.added(k, created);
      }
      // The budget check runs every CHECK_EVERY records: the map overshoots by at most that many updates.
      if (++pending === CHECK_EVERY) {
        pending = 0;
        if (sizer.bytes > budget) {
          this.spillBuckets(this.bucketsOfMap());
          map = this.map = new KeyMap<K, C>();
          sizer.reset();
        }
      }
    }
  }

  /** The combine map's entries bucketed by partition. */
  private bucketsOfMap(): Pair[][] {
    const buckets = this.emptyBuckets();
    if (this.numPartitions === 1) buckets[0] = [...this.map.entries()] as Pair[];
    else for (const e of this.map.entries()) buckets[this.partitionOf(e[0])].push(e as Pair);
    return buckets;
  }

  private sortBuckets(buckets: Pair[][]): void {
    if (this.ordering !== undefined) for (const b of buckets) b.sort(this.ordering);
  }

  private spillBuckets(buckets: Pair[][]): void {
    this.sortBuckets(buckets);
    const path = tempPath(this.spec.dir, `shuffle_${this.spec.shuffleId}_${this.spec.mapId}`, 'spill');
    const run = writeRun(path, buckets);
    this.spills.push(run);
    this.metrics.spillCount++;
    this.metrics.spilledBytes += run.offsets[run.offsets.length - 1];
  }

  writeDataFile(): { dataFile: string; offsets: number[]; recordCounts: number[] } {
    const memBuckets = this.spec.mapSideCombine ? this.bucketsOfMap() : this.buckets;
    this.map = new KeyMap<K, C>();
    this.buckets = [];
    this.sortBuckets(memBuckets);
    const dataFile = dataFilePath(this.spec.dir, this.spec.shuffleId, this.spec.mapId);
    const tmp = tempPath(this.spec.dir, `shuffle_${this.spec.shuffleId}_${this.spec.mapId}`, 'data.tmp');
    const out = new BlockWriter(tmp);
    const offsets = [0];
    const recordCounts: number[] = [];
    const fds = this.spills.map((s) => fs.openSync(s.path, 'r'));
    try {
      for (let p = 0; p < this.numPartitions; p++) {
        const mem = memBuckets[p];
        let count = mem.length;
        for (const s of this.spills) count += s.counts[p];
        if (this.spills.length === 0) encodeRecords(out, mem, 0, mem.length);
        else if (this.ordering === undefined) {
          // Unordered segments are concatenated byte for byte: no decoding of spilled data.
          for (let i = 0; i < this.spills.length; i++) copyRange(fds[i], this.spills[i].offsets[p], this.spills[i].offsets[p + 1], out);
          encodeRecords(out, mem, 0, mem.length);
        } else {
          const chunk = mergeChunk(this.spec.memoryBytes, this.spills.length);
          const sources: Iterator<Pair>[] = this.spills.map((s) => readRange(s.path, s.offsets[p], s.offsets[p + 1], undefined, chunk));
          sources.push(mem[Symbol.iterator]());
          writeStream(out, mergeSorted(sources, this.ordering));
        }
        offsets.push(out.position);
        recordCounts.push(count);
      }
      out.close();
      fs.renameSync(tmp, dataFile);
      this.metrics.bytesWritten += offsets[offsets.length - 1];
      for (const c of recordCounts) this.metrics.recordsWritten += c;
    } catch (e) {
      out.discard();
      throw e;
    } finally {
      for (const fd of fds) fs.closeSync(fd);
    }
    return { dataFile, offsets, recordCounts };
  }

  deleteSpills(): void {
    for (const s of this.spills) fs.rmSync(s.path, { force: true });
    this.spills.length = 0;
  }
}

/** Encodes a stream of records in batches. */
export function writeStream(out: BlockWriter, records: Iterator<Pair>): number {
  const batch: Pair[] = [];
  let n = 0;
  for (let it = records.next(); !it.done; it = records.next()) {
    batch.push(it.value);
    if (batch.length === 4096) {
      encodeRecords(out, batch, 0, batch.length);
      n += batch.length;
      batch.length = 0;
    }
  }
  encodeRecords(out, batch, 0, batch.length);
  return n + batch.length;
}
