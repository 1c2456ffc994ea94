/** The sort-based shuffle: map-side writer, reduce-side reader, cleanup, and the contract types. */
import fs from 'node:fs';

export type { Aggregator, Partitioner, ShuffleWriteSpec, ShuffleReadSpec, MapStatus } from './api.ts';
export { writeShuffle, writeShuffleAsync, dataFilePath, newWriteMetrics, type ShuffleWriteMetrics } from './writer.ts';
export { readShuffle, readSegmentBytes, newReadMetrics, type ShuffleReadMetrics, type FetchedSegments } from './reader.ts';
export { cogroupIterators, type CoGroupSpec } from './cogroup.ts';
export type { SpillMetrics } from './appendOnlyMap.ts';
export { ShuffleFetchFailedError } from '../catalogue.ts';
export { encodeRecordArray, decodeRecordArray } from './codec.ts';

/** Deletes every file of shuffle `shuffleId` under `dir` (map outputs, spills, temporaries); returns how many. */
export function removeShuffle(shuffleId: number, dir: string): number {
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
