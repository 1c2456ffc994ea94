/** The engine's error catalogue: every coded error engine/ raises, its class (user, not-implemented, internal) and what it means. */
import { FlintError, FlintInternalError, FlintNotImplementedError, FlintUserError } from './errors.ts';

type Kind = 'user' | 'notImplemented' | 'internal';

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
  SYNC_LOOP_OVER_ASYNC_INPUT: { kind: 'user', doc: 'an async partition function looped synchronously over a partition that comes from an async parent' },
  UNSUPPORTED_KEY: { kind: 'user', doc: 'a value of a kind that cannot be hashed or compared was used as a key' },
  KEY_TOO_DEEP: { kind: 'user', doc: 'a key nests too deeply or refers to itself' },
  UNKNOWN_FORMAT: { kind: 'user', doc: 'a read names a data format no module has registered' },
  FORMAT_ALREADY_REGISTERED: { kind: 'user', doc: 'a format name is already registered by another module' },
  EMPTY_COLLECTION: { kind: 'user', doc: 'reduce/first/max/min/mean on an RDD with no elements' },
  ZIP_MISMATCH: { kind: 'user', doc: 'zip of RDDs whose partitions or elements do not line up' },
  NO_CHECKPOINT_DIR: { kind: 'user', doc: 'checkpoint() before ctx.setCheckpointDir(dir)' },
  OUTPUT_EXISTS: { kind: 'user', doc: 'saveAsTextFile into a path that already exists' },
  BROADCAST_DESTROYED: { kind: 'user', doc: 'a destroyed broadcast was used' },
  ACCUMULATOR_ON_EXECUTOR: { kind: 'user', doc: 'an accumulator value was read inside a task' },
  JOB_FAILED: { kind: 'user', doc: 'a task failed more than the allowed number of times; carries the user error as cause' },
  JOB_CANCELLED: { kind: 'user', doc: 'the job was cancelled (context stopped while it ran)' },
  TASK_RESULT_NOT_CLONABLE: { kind: 'user', doc: 'a task result or env value cannot be structured-cloned between threads' },
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

/** Builds the catalogued error for `code`, of the class its kind says. */
export function engineError(code: EngineErrorCode, message: string, options?: { cause?: unknown }): FlintError {
  const kind: Kind = ENGINE_ERRORS[code].kind;
  if (kind === 'user') return new FlintUserError(code, message, options);
  if (kind === 'notImplemented') return new FlintNotImplementedError(code, message, options);
  return new FlintInternalError(code, message, options);
}
