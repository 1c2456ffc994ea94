/** The shuffle's error catalogue: stable codes for bad records, bad partitioners, lost map outputs and corrupt files. */
import { FlintError, FlintInternalError, FlintUserError } from '../errors.ts';

/** Stable codes of the shuffle: a code's meaning never changes; messages may improve. */
export const SHUFFLE_ERRORS = {
  SHUFFLE_RECORD_NOT_PAIR: { kind: 'user', doc: 'a record given to a shuffle is not a [key, value] pair' },
  SHUFFLE_RECORD_NOT_DATA: { kind: 'user', doc: 'a shuffled key or value is a function or a class instance, which cannot cross a shuffle intact' },
  SHUFFLE_BAD_PARTITION: { kind: 'user', doc: 'a partitioner returned a partition outside [0, numPartitions)' },
  SHUFFLE_FETCH_FAILED: { kind: 'fetchFailed', doc: 'a map output is missing or short; the scheduler recomputes that map (Spark FetchFailed)' },
  SHUFFLE_BAD_SPEC: { kind: 'internal', doc: 'a write or read spec is inconsistent (caller bug)' },
  SHUFFLE_CORRUPT: { kind: 'internal', doc: 'a shuffle or spill file does not decode' },
  SHUFFLE_UNSORTED_SEGMENT: { kind: 'internal', doc: 'a map output meant to be sorted is not sorted by the reader\'s keyOrdering' },
} as const;

/**
 * A map output could not be read (its file is gone, short or unreadable). The scheduler treats this
 * as Spark's FetchFailed: it resubmits the map stage that produced `mapId` of `shuffleId`.
 * Code: SHUFFLE_FETCH_FAILED.
 */
export class ShuffleFetchFailedError extends FlintError {
  readonly shuffleId: number;
  readonly mapId: number;
  readonly reduceId: number;
  readonly executorId: string;
  constructor(shuffleId: number, mapId: number, reduceId: number, executorId: string, detail: string, cause?: unknown) {
    super('SHUFFLE_FETCH_FAILED',
      `cannot read shuffle ${shuffleId} output of map ${mapId} for reduce partition ${reduceId} on executor ${executorId}: ${detail}; the map stage must be recomputed`,
      { cause });
    this.shuffleId = shuffleId;
    this.mapId = mapId;
    this.reduceId = reduceId;
    this.executorId = executorId;
  }
}

/** A record given to a shuffle is not a [key, value] pair. Code: SHUFFLE_RECORD_NOT_PAIR. */
export function recordNotPair(shuffleId: number, mapId: number, record: unknown): FlintUserError {
  const shown = typeof record === 'string' ? JSON.stringify(record.slice(0, 60)) : typeof record === 'object' ? (record === null ? 'null' : record.constructor?.name ?? 'object') : String(record);
  return new FlintUserError('SHUFFLE_RECORD_NOT_PAIR',
    `shuffle ${shuffleId} (map ${mapId}) got a record that is not a [key, value] pair: ${shown}; pair RDD operations need RDD<[K, V]>, e.g. .map(x => [key(x), x])`);
}

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

/** A shuffled key or value is not plain data (see notData). Code: SHUFFLE_RECORD_NOT_DATA. */
export function recordNotData(shuffleId: number, mapId: number, which: 'key' | 'value', what: string): FlintUserError {
  return new FlintUserError('SHUFFLE_RECORD_NOT_DATA',
    `shuffle ${shuffleId} (map ${mapId}) got a record whose ${which} is ${what}: records cross a shuffle as serialized data, so functions cannot travel and class instances would lose their methods; ` +
    `shuffle plain data (objects, arrays, numbers, strings, typed arrays), e.g. .map(([k, p]) => [k, { ...p }]), and rebuild instances after the shuffle`);
}

/** The partitioner returned a partition outside [0, numPartitions). Code: SHUFFLE_BAD_PARTITION. */
export function badPartition(shuffleId: number, partition: unknown, numPartitions: number, key: unknown): FlintUserError {
  let shownKey: string;
  try { shownKey = JSON.stringify(key)?.slice(0, 80) ?? String(key); } catch { shownKey = String(key); }
  return new FlintUserError('SHUFFLE_BAD_PARTITION',
    `the partitioner of shuffle ${shuffleId} returned ${String(partition)} for key ${shownKey}; getPartition must return an integer in [0, ${numPartitions})`);
}

/** The shuffle spec is inconsistent (a bug in the caller). Code: SHUFFLE_BAD_SPEC. */
export function badSpec(detail: string): FlintInternalError {
  return new FlintInternalError('SHUFFLE_BAD_SPEC', `invalid shuffle spec: ${detail}`);
}

/** A shuffle or spill file does not decode: a Flint bug or disk corruption. Code: SHUFFLE_CORRUPT. */
export function corrupt(file: string, offset: number, detail: string): FlintInternalError {
  return new FlintInternalError('SHUFFLE_CORRUPT', `shuffle file ${file} is corrupt at byte ${offset}: ${detail}`);
}

/** Map-side sorted output came back out of order: the writer and reader disagree on keyOrdering. Code: SHUFFLE_UNSORTED_SEGMENT. */
export function unsortedSegment(file: string): FlintInternalError {
  return new FlintInternalError('SHUFFLE_UNSORTED_SEGMENT',
    `shuffle segment in ${file} is not sorted by the reader's keyOrdering; the map side must be given the same keyOrdering as the reduce side`);
}
