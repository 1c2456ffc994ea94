/**
 * The engine's error catalogue (the one for all of engine/ outside engine/sql: context, RDDs, scheduler,
 * executors, serde, shuffle): every coded error, its class (user, not-implemented, internal, fetch
 * failure) and what it means, with a factory per error that carries structured fields or a fixed message.
 */
import { FlintError, FlintInternalError, FlintNotImplementedError, FlintUserError } from './errors.ts';

type Kind = 'user' | 'notImplemented' | 'internal' | 'fetchFailed';

/**
 * Stable codes. A code's meaning never changes; messages may improve. Each message names what was
 * wrong, where (argument, operation, stage, partition, file) and how to fix it.
 */
export const ENGINE_ERRORS = {
  BAD_MASTER: { kind: 'user', doc: 'the master URL is not one of local, local[N], local[*], local[N,F]' },
  BAD_CONF: { kind: 'user', doc: 'a conf value has the wrong type or range' },
  BAD_ARGUMENT: { kind: 'user', doc: 'an argument to an RDD or context method is invalid' },
  CONTEXT_STOPPED: { kind: 'user', doc: 'the FlintContext was stopped; create a new one' },
  FOREIGN_RDD: { kind: 'user', doc: 'RDDs of two different contexts were combined' },
  CLOSURE_FREE_VARIABLE: { kind: 'user', doc: 'a shipped function uses outside variables missing from its env argument' },
  CLOSURE_UNPARSABLE: { kind: 'user', doc: 'a shipped function\'s source text could not be parsed' },
  CLOSURE_NOT_SHIPPABLE: { kind: 'user', doc: 'a value cannot travel to executors (native/bound function, bad env name)' },
  MODULE_REF_NOT_FOUND: { kind: 'user', doc: 'a moduleRef names a file that does not exist or an export the module lacks' },
  BAD_FUNCTION_RESULT: { kind: 'user', doc: 'a user function returned a value of the wrong shape (e.g. mapPartitions without an iterable)' },
  UNDEFINED_RECORD: { kind: 'user', doc: 'reduce/fold/aggregate met an undefined record or function result (usually a map function without a return)' },
  NOT_A_NUMBER: { kind: 'user', doc: 'sum/mean/stats/variance met a record that is not a number' },
  SYNC_LOOP_OVER_ASYNC_INPUT: { kind: 'user', doc: 'an async partition function looped synchronously over a partition that comes from an async parent' },
  UNSUPPORTED_KEY: { kind: 'user', doc: 'a function, symbol, Map, Set or Promise was used as a key' },
  KEY_TOO_DEEP: { kind: 'user', doc: 'a key nests deeper than 64 levels or refers to itself' },
  UNKNOWN_FORMAT: { kind: 'user', doc: 'a read names a data format no module has registered' },
  FORMAT_ALREADY_REGISTERED: { kind: 'user', doc: 'a format name is already registered by another module' },
  PARTITIONS_NOT_PLANNED: { kind: 'user', doc: 'getNumPartitions() on an RDD whose partitions need I/O to plan (a file source); use getNumPartitionsAsync()' },
  EMPTY_COLLECTION: { kind: 'user', doc: 'reduce/first/max/min/mean on an RDD with no elements' },
  ZIP_MISMATCH: { kind: 'user', doc: 'zip of RDDs whose partitions or elements do not line up' },
  NO_CHECKPOINT_DIR: { kind: 'user', doc: 'checkpoint() before ctx.setCheckpointDir(dir)' },
  OUTPUT_EXISTS: { kind: 'user', doc: 'saveAsTextFile into a path that already exists' },
  BROADCAST_DESTROYED: { kind: 'user', doc: 'a destroyed broadcast was used' },
  ACCUMULATOR_ON_EXECUTOR: { kind: 'user', doc: 'an accumulator value was read inside a task' },
  JOB_FAILED: { kind: 'user', doc: 'a task failed more than the allowed number of times; carries the user error as cause' },
  JOB_CANCELLED: { kind: 'user', doc: 'the job was cancelled (context stopped while it ran)' },
  TASK_RESULT_NOT_CLONABLE: { kind: 'user', doc: 'a task result or env value cannot be structured-cloned between threads' },
  SHUFFLE_RECORD_NOT_PAIR: { kind: 'user', doc: 'a record given to a shuffle is not a [key, value] pair' },
  SHUFFLE_RECORD_NOT_DATA: { kind: 'user', doc: 'a shuffled key or value is a function or a class instance, which cannot cross a shuffle intact' },
  SHUFFLE_BAD_PARTITION: { kind: 'user', doc: 'a partitioner returned a partition outside [0, numPartitions)' },
  SHUFFLE_FETCH_FAILED: { kind: 'fetchFailed', doc: 'a map output is missing or short; the scheduler recomputes that map (Spark FetchFailed)' },
  SHUFFLE_BAD_SPEC: { kind: 'internal', doc: 'a shuffle write or read spec is inconsistent (caller bug)' },
  SHUFFLE_CORRUPT: { kind: 'internal', doc: 'a shuffle or spill file does not decode' },
  SHUFFLE_UNSORTED_SEGMENT: { kind: 'internal', doc: 'a map output meant to be sorted is not sorted by the reader\'s keyOrdering' },
  SHUFFLE_OUTPUT_MISSING: { kind: 'internal', doc: 'a reduce task found no map output for a shuffle' },
  BLOCK_MISSING: { kind: 'internal', doc: 'a block the driver knew of is gone from its executor' },
  EXCHANGE_ABORTED: { kind: 'user', doc: 'a block exchange was aborted (another task of the group failed) while a task waited on it' },
  EXCHANGE_TIMEOUT: { kind: 'user', doc: 'a task waited past flint.network.timeout for an exchange block no task published' },
  EXECUTOR_LOST: { kind: 'user', doc: 'an executor process was lost (it exited, was killed, or missed heartbeats past flint.network.timeout); its tasks failed, or a task pinned to its slot had no executor to run on' },
  EXCHANGE_UNKNOWN: { kind: 'internal', doc: 'a task used an exchange its executor does not hold (destroyed, or the executor was replaced)' },
  INTERNAL: { kind: 'internal', doc: 'a broken engine invariant' },
  NOT_IMPLEMENTED: { kind: 'notImplemented', doc: 'a valid request the engine does not implement yet' },
} as const satisfies Record<string, { kind: Kind; doc: string }>;

export type EngineErrorCode = keyof typeof ENGINE_ERRORS;

type KindOf<C extends EngineErrorCode> = (typeof ENGINE_ERRORS)[C]['kind'];
/** The codes `engineError` builds: all but the fetch failure, which has its own class with structured fields. */
export type PlainEngineErrorCode = { [C in EngineErrorCode]: KindOf<C> extends 'fetchFailed' ? never : C }[EngineErrorCode];
/** The error class a code's kind gives. */
export type EngineErrorOf<C extends PlainEngineErrorCode> =
  KindOf<C> extends 'user' ? FlintUserError : KindOf<C> extends 'notImplemented' ? FlintNotImplementedError : FlintInternalError;

/**
 * The implementation `name` of a pluggable part (CONVENTIONS 4: a table of implementations by short
 * name, chosen by conf key `key`); BAD_CONF naming the key and the known names otherwise.
 */
export function namedImplementation<T>(table: ReadonlyMap<string, T>, key: string, what: string, name: string): T {
  const impl = table.get(name);
  if (impl === undefined) {
    throw engineError('BAD_CONF', `conf '${key}' names no ${what}: '${name}'; use one of: ${[...table.keys()].sort().join(', ')}`);
  }
  return impl;
}

/** Builds the catalogued error for `code`, of the class its kind says (typed: a user code gives a FlintUserError). */
export function engineError<C extends PlainEngineErrorCode>(code: C, message: string, options?: { cause?: unknown }): EngineErrorOf<C> {
  const kind: Kind = ENGINE_ERRORS[code].kind;
  if (kind === 'user') return new FlintUserError(code, message, options) as EngineErrorOf<C>;
  if (kind === 'notImplemented') return new FlintNotImplementedError(code, message, options) as EngineErrorOf<C>;
  return new FlintInternalError(code, message, options) as EngineErrorOf<C>;
}

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
export function shuffleRecordNotPair(shuffleId: number, mapId: number, record: unknown): FlintUserError {
  const shown = typeof record === 'string' ? JSON.stringify(record.slice(0, 60)) : typeof record === 'object' ? (record === null ? 'null' : record.constructor?.name ?? 'object') : String(record);
  return engineError('SHUFFLE_RECORD_NOT_PAIR',
    `shuffle ${shuffleId} (map ${mapId}) got a record that is not a [key, value] pair: ${shown}; pair RDD operations need RDD<[K, V]>, e.g. .map(x => [key(x), x])`);
}

/** A shuffled key or value is not plain data (`what` says what it is). Code: SHUFFLE_RECORD_NOT_DATA. */
export function shuffleRecordNotData(shuffleId: number, mapId: number, which: 'key' | 'value', what: string): FlintUserError {
  return engineError('SHUFFLE_RECORD_NOT_DATA',
    `shuffle ${shuffleId} (map ${mapId}) got a record whose ${which} is ${what}: records cross a shuffle as serialized data, so functions cannot travel and class instances would lose their methods; ` +
    `shuffle plain data (objects, arrays, numbers, strings, typed arrays), e.g. .map(([k, p]) => [k, { ...p }]), and rebuild instances after the shuffle`);
}

/** The partitioner returned a partition outside [0, numPartitions). Code: SHUFFLE_BAD_PARTITION. */
export function shuffleBadPartition(shuffleId: number, partition: unknown, numPartitions: number, key: unknown): FlintUserError {
  let shownKey: string;
  try { shownKey = JSON.stringify(key)?.slice(0, 80) ?? String(key); } catch { shownKey = String(key); }
  return engineError('SHUFFLE_BAD_PARTITION',
    `the partitioner of shuffle ${shuffleId} returned ${String(partition)} for key ${shownKey}; getPartition must return an integer in [0, ${numPartitions})`);
}

/** The shuffle spec is inconsistent (a bug in the caller). Code: SHUFFLE_BAD_SPEC. */
export function shuffleBadSpec(detail: string): FlintInternalError {
  return engineError('SHUFFLE_BAD_SPEC', `invalid shuffle spec: ${detail}`);
}

/** A shuffle or spill file does not decode: a Flint bug or disk corruption. Code: SHUFFLE_CORRUPT. */
export function shuffleCorrupt(file: string, offset: number, detail: string): FlintInternalError {
  return engineError('SHUFFLE_CORRUPT', `shuffle file ${file} is corrupt at byte ${offset}: ${detail}`);
}

/** Map-side sorted output came back out of order: the writer and reader disagree on keyOrdering. Code: SHUFFLE_UNSORTED_SEGMENT. */
export function shuffleUnsortedSegment(file: string): FlintInternalError {
  return engineError('SHUFFLE_UNSORTED_SEGMENT',
    `shuffle segment in ${file} is not sorted by the reader's keyOrdering; the map side must be given the same keyOrdering as the reduce side`);
}
