/** The reduce side of the sort-based shuffle: fetch one segment of every map output, then combine and/or sort it. */
import type { MapStatus, ShuffleReadSpec } from './api.ts';
import type { Pair } from './codec.ts';
import { readRange } from './runs.ts';
import { mergeChunk } from './files.ts';
import { mergeSorted } from './merge.ts';
import { ExternalAppendOnlyMap, type SpillMetrics } from './appendOnlyMap.ts';
import { externalSort } from './externalSort.ts';
import { ShuffleFetchFailedError, badSpec, unsortedSegment } from './errors.ts';

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
 */
export function readShuffle<K, V, C>(
  spec: ShuffleReadSpec<K, V, C>, metrics: ShuffleReadMetrics = newReadMetrics(),
): Iterator<[K, V | C]> & Iterable<[K, V | C]> {
  validateReadSpec(spec);
  return read(spec, metrics) as Generator<[K, V | C], void, undefined>;
}

function validateReadSpec(spec: ShuffleReadSpec<any, any, any>): void {
  if (!Array.isArray(spec.statuses)) throw badSpec('statuses must be an array of MapStatus');
  for (const s of spec.statuses) {
    if (s === undefined || s === null) throw badSpec(`shuffle ${spec.shuffleId} is missing a map status (a map output was lost)`);
    if (!(spec.reduceId >= 0 && spec.reduceId + 1 < s.offsets.length)) {
      throw badSpec(`reduceId ${spec.reduceId} is out of range for map ${s.mapId} of shuffle ${spec.shuffleId} (${s.offsets.length - 1} partitions)`);
    }
  }
  if (spec.mapSideCombine && spec.aggregator === undefined) throw badSpec(`shuffle ${spec.shuffleId} says mapSideCombine without an aggregator`);
}

function segment(spec: ShuffleReadSpec<any, any, any>, s: MapStatus, metrics: ShuffleReadMetrics, chunk?: number): Iterator<Pair> {
  const start = s.offsets[spec.reduceId], end = s.offsets[spec.reduceId + 1];
  metrics.bytesRead += end - start;
  metrics.recordsRead += s.recordCounts[spec.reduceId];
  return readRange(s.dataFile, start, end, (e) =>
    new ShuffleFetchFailedError(spec.shuffleId, s.mapId, spec.reduceId, s.executorId,
      `${s.dataFile}: ${(e as Error).message ?? String(e)}`, e), chunk);
}

function* read<K, V, C>(spec: ShuffleReadSpec<K, V, C>, metrics: ShuffleReadMetrics): Generator<Pair, void, undefined> {
  const live = spec.statuses.filter((s) => s.offsets[spec.reduceId + 1] > s.offsets[spec.reduceId]);
  const stem = `shuffle_${spec.shuffleId}_r${spec.reduceId}`;
  const ord = spec.keyOrdering;
  if (spec.aggregator === undefined) {
    if (ord === undefined) {
      for (const s of live) yield* iterable(segment(spec, s, metrics));
      return;
    }
    const chunk = mergeChunk(spec.memoryBytes, live.length);
    const sources = live.map((s) => segment(spec, s, metrics, chunk));
    yield* mergeSorted(sources, (a, b) => ord(a[0] as K, b[0] as K), (rank) => unsortedSegment(live[rank].dataFile));
    return;
  }
  const map = new ExternalAppendOnlyMap<K, V, C>(spec.aggregator, spec.mapSideCombine, spec.memoryBytes, spec.dir, stem, metrics);
  try {
    for (const s of live) {
      const it = segment(spec, s, metrics);
      for (let r = it.next(); !r.done; r = it.next()) map.insert(r.value[0] as K, r.value[1] as V | C);
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
