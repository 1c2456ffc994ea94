/** Sorting a record stream of any size by key: in-memory sorted runs spilled to disk past the budget, then a k-way merge. */
import fs from 'node:fs';
import type { Pair } from './codec.ts';
import { mergeChunk, tempPath } from './files.ts';
import { readRange, writeRun, type RunFile } from './runs.ts';
import { mergeSorted } from './merge.ts';
import { ListSizer } from './sizing.ts';
import type { SpillMetrics } from './appendOnlyMap.ts';

/** Yields `records` sorted by `cmp` on their keys, holding at most about `memoryBytes` in memory. */
export function* externalSort<K>(
  records: Iterator<Pair>, cmp: (a: K, b: K) => number, memoryBytes: number, dir: string, stem: string,
  metrics: SpillMetrics,
): Generator<Pair, void, undefined> {
  const byKey = (a: Pair, b: Pair): number => cmp(a[0] as K, b[0] as K);
  const runs: RunFile[] = [];
  const sizer = new ListSizer();
  let buffer: Pair[] = [];
  try {
    for (let it = records.next(); !it.done; it = records.next()) {
      buffer.push(it.value);
      sizer.add(it.value);
      if ((buffer.length & 63) === 0 && sizer.bytes > memoryBytes) {
        const run = writeRun(tempPath(dir, stem, 'sort.spill'), [buffer.sort(byKey)]);
        runs.push(run);
        metrics.spillCount++;
        metrics.spilledBytes += run.offsets[1];
        buffer = [];
        sizer.reset();
      }
    }
    buffer.sort(byKey);
    if (runs.length === 0) {
      yield* buffer;
      return;
    }
    const chunk = mergeChunk(memoryBytes, runs.length);
    const sources: Iterator<Pair>[] = runs.map((r) => readRange(r.path, 0, r.offsets[1], undefined, chunk));
    sources.push(buffer[Symbol.iterator]());
    buffer = [];
    yield* mergeSorted(sources, byKey);
  } finally {
    records.return?.();
    for (const r of runs) fs.rmSync(r.path, { force: true });
  }
}
