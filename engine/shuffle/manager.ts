/**
 * The pluggable shuffle (Spark's ShuffleManager): the interface the executor and the shuffled RDDs use
 * to write map outputs, read a reduce partition and delete a shuffle's files, and the implementations
 * by the short name `flint.shuffle.manager` selects. 'sort' is the sort-based shuffle of this folder.
 */
import { namedImplementation } from '../catalogue.ts';
import type { MapStatus, ShuffleReadSpec, ShuffleWriteSpec } from './api.ts';
import { readShuffle, type FetchedSegments, type ShuffleReadMetrics } from './reader.ts';
import { removeShuffleFiles } from './files.ts';
import { writeShuffle, writeShuffleAsync, type ShuffleWriteMetrics } from './writer.ts';

/** A shuffle implementation. One instance serves every task of an executor; it keeps no per-task state. */
export interface ShuffleManager {
  /** The short name `flint.shuffle.manager` selects it by. */
  readonly name: string;
  /** Map side: writes one map task's records (partitioned, combined, sorted as `spec` says) and reports where they are. */
  write<K, V, C>(spec: ShuffleWriteSpec<K, V, C>, records: Iterator<[K, V]>, executorId: string, metrics: ShuffleWriteMetrics): MapStatus;
  /** writeShuffle over an async record stream (a map stage whose chain awaits). */
  writeAsync<K, V, C>(spec: ShuffleWriteSpec<K, V, C>, records: AsyncIterator<[K, V]>, executorId: string, metrics: ShuffleWriteMetrics): Promise<MapStatus>;
  /** Reduce side: the records of reduce partition `spec.reduceId` (combined, merged in order as `spec` says). */
  read<K, V, C>(spec: ShuffleReadSpec<K, V, C>, metrics: ShuffleReadMetrics, fetched?: FetchedSegments): Iterator<[K, V | C]>;
  /** Deletes what shuffle `shuffleId` left under `dir` (the driver calls it when the shuffle's RDD is collected, and at stop); returns how many files. */
  remove(shuffleId: number, dir: string): number;
}

/** The sort-based shuffle (Spark's SortShuffleManager): one data file per map task with a segment per reduce partition. */
export const sortShuffleManager: ShuffleManager = {
  name: 'sort',
  write: (spec, records, executorId, metrics) => writeShuffle(spec, records, executorId, metrics),
  writeAsync: (spec, records, executorId, metrics) => writeShuffleAsync(spec, records, executorId, metrics),
  read: (spec, metrics, fetched) => readShuffle(spec, metrics, fetched),
  remove: (shuffleId, dir) => removeShuffleFiles(shuffleId, dir),
};

/**
 * The shuffle implementations by name (CONVENTIONS 4 and 17: a table, not a guess). Every executor
 * thread and process loads this module, so a name in this table resolves the same everywhere; an
 * implementation is added here (the cluster's network shuffle will be).
 */
export const SHUFFLE_MANAGERS = new Map<string, ShuffleManager>([[sortShuffleManager.name, sortShuffleManager]]);

/** The implementation named `name`; BAD_CONF naming the conf key and the known names otherwise. */
export function shuffleManager(name: string): ShuffleManager {
  return namedImplementation(SHUFFLE_MANAGERS, 'flint.shuffle.manager', 'shuffle manager', name);
}
