/** Cogroup of several keyed record streams in bounded memory: Spark's CoGroupedRDD combine step on an ExternalAppendOnlyMap. */
import type { Aggregator } from './api.ts';
import { ExternalAppendOnlyMap, type SpillMetrics } from './appendOnlyMap.ts';

/** Where and how much the cogroup may hold before it spills. */
export interface CoGroupSpec {
  memoryBytes: number;
  /** Directory for spill files. */
  dir: string;
  /** Spill file name stem; starting it with `shuffle_<id>_` lets removeShuffle clean up after a crash. */
  stem: string;
}

/**
 * Groups the values of every input by key: yields [key, [values from input 0, values from input
 * 1, ...]] once per key present in any input (missing inputs give empty arrays). Keys compare by
 * value. Inputs are drained in order; past `memoryBytes` the groups spill to disk (sorted by key
 * hash) and are merged back, so memory stays bounded whatever the number of keys.
 */
export function* cogroupIterators<K>(
  inputs: Iterator<[K, unknown]>[], spec: CoGroupSpec, metrics: SpillMetrics = { spillCount: 0, spilledBytes: 0 },
): Generator<[K, unknown[][]], void, undefined> {
  const n = inputs.length;
  const agg: Aggregator<[number, unknown], unknown[][]> = {
    createCombiner: ([i, v]) => {
      const groups: unknown[][] = Array.from({ length: n }, () => []);
      groups[i].push(v);
      return groups;
    },
    mergeValue: (groups, [i, v]) => {
      groups[i].push(v);
      return groups;
    },
    mergeCombiners: (a, b) => {
      for (let i = 0; i < n; i++) {
        const bi = b[i];
        for (let j = 0; j < bi.length; j++) a[i].push(bi[j]);
      }
      return a;
    },
  };
  const map = new ExternalAppendOnlyMap<K, [number, unknown], unknown[][]>(agg, false, spec.memoryBytes, spec.dir, spec.stem, metrics);
  try {
    for (let i = 0; i < n; i++) {
      const it = inputs[i];
      for (let r = it.next(); !r.done; r = it.next()) map.insert(r.value[0], [i, r.value[1]]);
    }
    yield* map.entries();
  } finally {
    map.deleteRuns();
    for (const it of inputs) it.return?.();
  }
}
