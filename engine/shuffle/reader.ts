/** The reduce side of the sort-based shuffle: fetch one segment of every map output, then combine and/or sort it. */
import type { Aggregator, MapStatus, ShuffleReadSpec } from './api.ts';
import type { Pair } from './codec.ts';
import { BytesRecords, readRange, readSegmentFile } from './runs.ts';
import { mergeChunk } from './files.ts';
import { mergeSorted } from './merge.ts';
import { ExternalAppendOnlyMap, type SpillMetrics } from './appendOnlyMap.ts';
import { externalSort } from './externalSort.ts';
import { ShuffleFetchFailedError, shuffleBadSpec, shuffleUnsortedSegment } from '../catalogue.ts';

/** What a reduce task's shuffle read did (Spark's ShuffleReadMetrics plus the reader's own spills); counters only grow. */
export interface ShuffleReadMetrics extends SpillMetrics {
  recordsRead: number;
  bytesRead: number;
}

export function newReadMetrics(): ShuffleReadMetrics {
  return { recordsRead: 0, bytesRead: 0, spillCount: 0, spilledBytes: 0 };
}

/**
 * Reads reduce partition `spec.reduceId` from every map output in `spec.statuses`. Without an
 * aggregator, records stream through in map order, or merged by `keyOrdering` (map outputs are
 * already sorted by it). With an aggregator, values (or, with `mapSideCombine`, combiners) of equal
 * keys are combined in a map that spills past `memoryBytes`, and the result is sorted by
 * `keyOrdering` when given (an external sort, spilling too). A missing or short map output raises
 * ShuffleFetchFailedError naming the map. Spill files go when the iterator ends or is returned.
 * `fetched` holds segments already fetched from other executors (readSegmentBytes there), by
 * mapId; every other map output is read from its dataFile on this host.
 */
export function readShuffle<K, V, C>(
  spec: ShuffleReadSpec<K, V, C>, metrics: ShuffleReadMetrics = newReadMetrics(), fetched?: FetchedSegments,
): Iterator<[K, V | C]> & Iterable<[K, V | C]> {
  validateReadSpec(spec);
  let out: Iterator<Pair>;
  if (spec.aggregator !== undefined) out = combineSegments(spec, spec.aggregator, metrics, fetched);
  else if (spec.keyOrdering !== undefined) out = mergeSegments(spec, spec.keyOrdering, metrics, fetched);
  // The plain case (repartition, partitionBy): segments one after another, no generator in the loop.
  else out = new ConcatRecords(liveStatuses(spec).map((s) => () => segment(spec, s, metrics, fetched)));
  return out as unknown as IterableIterator<[K, V | C]>;
}

function liveStatuses(spec: ShuffleReadSpec<any, any, any>): MapStatus[] {
  return spec.statuses.filter((s) => s.offsets[spec.reduceId + 1] > s.offsets[spec.reduceId]);
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/** The records of several sources in order, each source opened when reached. */
class ConcatRecords implements IterableIterator<Pair> {
  private k = 0;
  private current: Iterator<Pair> | undefined;
  constructor(private readonly sources: (() => Iterator<Pair>)[]) {}

  next(): IteratorResult<Pair, undefined> {
    for (;;) {
      if (this.current === undefined) {
        if (this.k >= this.sources.length) return DONE;
        this.current = this.sources[this.k++]();
      }
      const r = this.current.next();
      if (!r.done) return r;
      this.current = undefined;
    }
  }

  return(): IteratorResult<Pair, undefined> {
    this.current?.return?.();
    this.current = undefined;
    this.k = this.sources.length;
    return DONE;
  }

  [Symbol.iterator](): IterableIterator<Pair> {
    return this;
  }
}

function validateReadSpec(spec: ShuffleReadSpec<any, any, any>): void {
  if (!Array.isArray(spec.statuses)) throw shuffleBadSpec('statuses must be an array of MapStatus');
  for (const s of spec.statuses) {
    if (s === undefined || s === null) throw shuffleBadSpec(`shuffle ${spec.shuffleId} is missing a map status (a map output was lost)`);
    if (!(spec.reduceId >= 0 && spec.reduceId + 1 < s.offsets.length)) {
      throw shuffleBadSpec(`reduceId ${spec.reduceId} is out of range for map ${s.mapId} of shuffle ${spec.shuffleId} (${s.offsets.length - 1} partitions)`);
    }
  }
  if (spec.mapSideCombine && spec.aggregator === undefined) throw shuffleBadSpec(`shuffle ${spec.shuffleId} says mapSideCombine without an aggregator`);
}

/** Segments of map outputs fetched from other executors, by mapId (see readShuffle). */
export type FetchedSegments = ReadonlyMap<number, Uint8Array>;

function fetchFailed(spec: { shuffleId: number }, s: MapStatus, reduceId: number) {
  return (e: unknown): Error => new ShuffleFetchFailedError(spec.shuffleId, s.mapId, reduceId, s.executorId,
    `${s.dataFile}: ${(e as Error).message ?? String(e)}`, e);
}

function segment(
  spec: ShuffleReadSpec<any, any, any>, s: MapStatus, metrics: ShuffleReadMetrics, fetched: FetchedSegments | undefined, chunk?: number,
): Iterator<Pair> {
  const start = s.offsets[spec.reduceId], end = s.offsets[spec.reduceId + 1];
  metrics.bytesRead += end - start;
  metrics.recordsRead += s.recordCounts[spec.reduceId];
  const bytes = fetched?.get(s.mapId);
  if (bytes !== undefined) {
    if (bytes.byteLength !== end - start) {
      throw fetchFailed(spec, s, spec.reduceId)(new Error(`fetched ${bytes.byteLength} bytes, the map status says ${end - start}`));
    }
    return new BytesRecords(bytes, `(segment ${spec.reduceId} of ${s.dataFile}, fetched)`);
  }
  return readRange(s.dataFile, start, end, fetchFailed(spec, s, spec.reduceId), chunk);
}

/**
 * The bytes of reduce partition `reduceId` of one map output, read from its data file: what an
 * executor serves when another executor fetches the segment (then handed to readShuffle as
 * `fetched`). A missing or short file raises ShuffleFetchFailedError.
 */
export function readSegmentBytes(shuffleId: number, status: MapStatus, reduceId: number): Buffer {
  return readSegmentFile(status.dataFile, status.offsets[reduceId], status.offsets[reduceId + 1], fetchFailed({ shuffleId }, status, reduceId));
}

/** Sorted reads without an aggregator: the map outputs are sorted already, so a streaming merge. */
function mergeSegments<K>(
  spec: ShuffleReadSpec<K, any, any>, ord: (a: K, b: K) => number, metrics: ShuffleReadMetrics, fetched: FetchedSegments | undefined,
): Iterator<Pair> {
  const live = liveStatuses(spec);
  const chunk = mergeChunk(spec.memoryBytes, live.length);
  const sources = live.map((s) => segment(spec, s, metrics, fetched, chunk));
  return mergeSorted(sources, (a, b) => ord(a[0] as K, b[0] as K), (rank) => shuffleUnsortedSegment(live[rank].dataFile));
}

/** Reads with an aggregator: combine in a spilling map, then sort when asked. */
function* combineSegments<K, V, C>(
  spec: ShuffleReadSpec<K, V, C>, agg: Aggregator<V, C>, metrics: ShuffleReadMetrics, fetched: FetchedSegments | undefined,
): Generator<Pair, void, undefined> {
  const stem = `shuffle_${spec.shuffleId}_r${spec.reduceId}`;
  const ord = spec.keyOrdering;
  const map = new ExternalAppendOnlyMap<K, V, C>(agg, spec.mapSideCombine, spec.memoryBytes, spec.dir, stem, metrics);
  try {
    for (const s of liveStatuses(spec)) {
      const it = segment(spec, s, metrics, fetched);
      // A throwing combine function must not leave this segment's file open until garbage collection.
      try {
        for (let r = it.next(); !r.done; r = it.next()) map.insert(r.value[0] as K, r.value[1] as V | C);
      } finally {
        it.return?.();
      }
    }
    const combined = map.entries() as Iterator<Pair>;
    if (ord === undefined) yield* iterable(combined);
    else yield* externalSort<K>(combined, ord, spec.memoryBytes, spec.dir, `${stem}_sort`, metrics);
  } finally {
    map.deleteRuns();
  }
}

function iterable<T>(it: Iterator<T>): Iterable<T> {
  return { [Symbol.iterator]: () => it };
}
