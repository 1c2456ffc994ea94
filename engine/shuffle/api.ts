/** The contract between the scheduler/executor and the sort-based shuffle: what a map task writes and a reduce task reads. */

/** Combines values of one key: Spark's Aggregator (createCombiner, mergeValue, mergeCombiners). */
export interface Aggregator<V, C> {
  createCombiner(v: V): C;
  mergeValue(c: C, v: V): C;
  mergeCombiners(a: C, b: C): C;
}

/** Maps a key to a reduce partition in [0, numPartitions). Two partitioners that `equals` place every key alike. */
export interface Partitioner {
  readonly numPartitions: number;
  getPartition(key: unknown): number;
  equals(other: unknown): boolean;
}

/** Everything a map task needs to write its shuffle output. */
export interface ShuffleWriteSpec<K, V, C> {
  shuffleId: number;
  mapId: number;
  partitioner: Partitioner;
  /** With `mapSideCombine`, values of equal keys are combined before they are written. */
  aggregator?: Aggregator<V, C>;
  mapSideCombine: boolean;
  /** Set for sortByKey / repartitionAndSortWithinPartitions: records of each reduce partition are written in this order. */
  keyOrdering?: (a: K, b: K) => number;
  /** `flint.shuffle.memoryBytes`: past this estimated in-memory size the writer spills sorted runs to disk. */
  memoryBytes: number;
  /** The executor's shuffle directory; the writer owns files named after shuffleId and mapId there. */
  dir: string;
}

/** What a finished map task reports: where its output lives and how many bytes each reduce partition has. */
export interface MapStatus {
  shuffleId: number;
  mapId: number;
  /** The executor that holds the files (for remote fetch and for lineage recompute when it is lost). */
  executorId: string;
  /** One data file with a segment per reduce partition. */
  dataFile: string;
  /** Byte offset of each reduce partition's segment in dataFile; length numPartitions + 1. */
  offsets: number[];
  /** Records written per reduce partition (after map-side combine). */
  recordCounts: number[];
}

/** Everything a reduce task needs to read one reduce partition. */
export interface ShuffleReadSpec<K, V, C> {
  shuffleId: number;
  reduceId: number;
  /** One status per map task of the shuffle, in mapId order. */
  statuses: MapStatus[];
  aggregator?: Aggregator<V, C>;
  /** Whether the map side already combined: the reader then merges combiners rather than values. */
  mapSideCombine: boolean;
  keyOrdering?: (a: K, b: K) => number;
  memoryBytes: number;
  /** Directory for the reader's own spill files. */
  dir: string;
}
