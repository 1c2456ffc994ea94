/** The shuffle: the pluggable ShuffleManager and its sort-based implementation (map-side writer, reduce-side reader, cleanup), and the contract types. */
export type { Aggregator, Partitioner, ShuffleWriteSpec, ShuffleReadSpec, MapStatus } from './api.ts';
export { writeShuffle, writeShuffleAsync, dataFilePath, newWriteMetrics, type ShuffleWriteMetrics } from './writer.ts';
export { readShuffle, readSegmentBytes, newReadMetrics, type ShuffleReadMetrics, type FetchedSegments } from './reader.ts';
export { cogroupIterators, type CoGroupSpec } from './cogroup.ts';
export type { SpillMetrics } from './appendOnlyMap.ts';
export { ShuffleFetchFailedError } from '../catalogue.ts';
export { encodeRecordArray, decodeRecordArray } from './codec.ts';
export { removeShuffleFiles as removeShuffle } from './files.ts';
export { shuffleManager, sortShuffleManager, SHUFFLE_MANAGERS, type ShuffleManager } from './manager.ts';
