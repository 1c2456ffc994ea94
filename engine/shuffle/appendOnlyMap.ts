/** A key -> combiner map that spills hash-sorted runs to disk past its budget and merges them back (Spark's ExternalAppendOnlyMap). */
import fs from 'node:fs';
import type { Aggregator } from './api.ts';
import { KeyMap, hashKey, keyEquals } from '../serde/keys.ts';
import type { Pair } from './codec.ts';
import { mergeChunk, tempPath } from './files.ts';
import { readRange, writeRun, type RunFile } from './runs.ts';
import { mergeSorted } from './merge.ts';
import { MapSizer } from './sizing.ts';

/** Spill counters shared by the reduce side's spilling structures. */
export interface SpillMetrics {
  spillCount: number;
  spilledBytes: number;
}

type Hashed = [number, unknown, unknown];

/**
 * Combines values (or, with `combiners`, map-side combiners) by key. Spilled runs are sorted by
 * hashKey, so the final merge meets every copy of a key among the records of one hash and combines
 * them with keyEquals. Iterate once with `entries()`; spill files go when it ends or is returned.
 */
export class ExternalAppendOnlyMap<K, V, C> {
  private map = new KeyMap<K, C>();
  private readonly sizer: MapSizer<K, C>;
  private readonly runs: RunFile[] = [];
  private pending = 0;

  constructor(
    private readonly agg: Aggregator<V, C>,
    /** Whether inserted values are already combiners (merged with mergeCombiners). */
    private readonly combiners: boolean,
    private readonly memoryBytes: number,
    private readonly dir: string,
    private readonly stem: string,
    private readonly metrics: SpillMetrics,
  ) {
    this.sizer = new MapSizer<K, C>((k) => this.map.get(k));
  }

  insert(k: K, v: V | C): void {
    const map = this.map;
    const c = map.get(k);
    if (c !== undefined || map.has(k)) {
      map.set(k, this.combiners ? this.agg.mergeCombiners(c as C, v as C) : this.agg.mergeValue(c as C, v as V));
    } else {
      map.set(k, this.combiners ? (v as C) : this.agg.createCombiner(v as V));
      this.sizer.added(k);
    }
    if (++this.pending === 64) {
      this.pending = 0;
      if (this.sizer.bytesAfterUpdates(map.size, 64) > this.memoryBytes) this.spill();
    }
  }

  private spill(): void {
    const sorted = hashSorted(this.map);
    const run = writeRun(tempPath(this.dir, this.stem, 'spill'), [sorted.map((h) => [h[1], h[2]] as Pair)]);
    this.runs.push(run);
    this.metrics.spillCount++;
    this.metrics.spilledBytes += run.offsets[1];
    this.map = new KeyMap<K, C>();
    this.sizer.reset();
  }

  /** Every key with its combiner, each key once. */
  *entries(): Generator<[K, C], void, undefined> {
    try {
      if (this.runs.length === 0) {
        yield* this.map.entries();
        return;
      }
      const chunk = mergeChunk(this.memoryBytes, this.runs.length);
      const sources: Iterator<Hashed>[] = this.runs.map((r) => withHashes(readRange(r.path, 0, r.offsets[1], undefined, chunk)));
      sources.push(hashSorted(this.map)[Symbol.iterator]());
      this.map = new KeyMap<K, C>();
      // Records of one hash arrive together; among them, equal keys are combined.
      let group: Pair[] = [];
      let groupHash = 0;
      for (const [h, k, c] of mergeSorted(sources, (a, b) => a[0] - b[0])) {
        if (h !== groupHash || group.length === 0) {
          for (const e of group) yield e as [K, C];
          group = [];
          groupHash = h;
        }
        let merged = false;
        for (const e of group) {
          if (keyEquals(e[0], k)) {
            e[1] = this.agg.mergeCombiners(e[1] as C, c as C);
            merged = true;
            break;
          }
        }
        if (!merged) group.push([k, c]);
      }
      for (const e of group) yield e as [K, C];
    } finally {
      this.deleteRuns();
    }
  }

  deleteRuns(): void {
    for (const r of this.runs) fs.rmSync(r.path, { force: true });
    this.runs.length = 0;
  }
}

function hashSorted<K, C>(map: KeyMap<K, C>): Hashed[] {
  const out: Hashed[] = [];
  for (const [k, c] of map.entries()) out.push([hashKey(k), k, c]);
  return out.sort((a, b) => a[0] - b[0]);
}

function* withHashes(records: Iterator<Pair>): Generator<Hashed, void, undefined> {
  try {
    for (let it = records.next(); !it.done; it = records.next()) yield [hashKey(it.value[0]), it.value[0], it.value[1]];
  } finally {
    records.return?.();
  }
}
