/**
 * The options objects of RDD operations and how their arguments are read: a plain object in an
 * optional argument's place is that operation's options (PySpark's keyword arguments, in camelCase),
 * never an env. The one exception is a shuffle's partitioning argument, where a plain object with a
 * `getPartition` function is a Partitioner (`{ numPartitions: 2, getPartition: k => k % 2 }`): no
 * options object has that key, so the two cannot be confused.
 */
import { engineError } from '../catalogue.ts';
import type { Partitioner } from '../shuffle/api.ts';
import type { Comparator, Env } from './RDD.ts';

/** Where a shuffle sends keys (give one of the two), and the values shipped functions use. */
export interface ShuffleOptions {
  /** A HashPartitioner of this many partitions. */
  numPartitions?: number;
  /** Any Partitioner: an engine one, a plain object or an instance of the user's class (it ships like a function). */
  partitioner?: Partitioner;
  /** Values the operation's functions use from outside (see Shipping user functions). */
  env?: Env;
}

/** combineByKey's options: ShuffleOptions and whether values are combined on the map side (default true). */
export interface CombineOptions extends ShuffleOptions {
  mapSideCombine?: boolean;
}

/** mapPartitions / mapPartitionsWithIndex options. */
export interface MapPartitionsOptions {
  /** The function keeps every record's key in its partition, so the parent's partitioner still holds (default false). */
  preservesPartitioning?: boolean;
}

/** sortBy / sortByKey options. */
export interface SortOptions<K = unknown> {
  ascending?: boolean;
  numPartitions?: number;
  /** sortByKey only: the key order (default: value order of keys). */
  compare?: Comparator<K>;
  env?: Env;
}

/** groupBy options. */
export interface GroupByOptions {
  numPartitions?: number;
  env?: Env;
}

/** Whether `x` is a plain object (`{...}`): the only kind of value read as an options object. */
export function isOptionsObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** Whether `x` is a plain-object Partitioner: it has a `getPartition` function. */
export function isPlainPartitioner(x: unknown): x is Partitioner {
  return isOptionsObject(x) && typeof x.getPartition === 'function';
}

/** `o`'s fields, failing with BAD_ARGUMENT on a key `op` does not take (the message shows where captured values go). */
export function checkOptions<O extends object>(op: string, o: Record<string, unknown>, allowed: readonly (keyof O & string)[]): O {
  for (const key of Object.keys(o)) {
    if (!(allowed as readonly string[]).includes(key)) {
      throw engineError('BAD_ARGUMENT',
        `${op} options: unknown option '${key}' (options: ${allowed.join(', ')}); captured values go in the env option, e.g. ${op}(fn, { env: { ${key} } })`);
    }
  }
  return o as O;
}

/**
 * Reads the (partitioning?, env?) tail of a shuffle operation: `partitioning` is a partition count,
 * a Partitioner, or an options object (then `env` must not be given apart).
 */
export function readShuffleArgs<O extends ShuffleOptions>(
  op: string, partitioning: number | Partitioner | O | undefined, env: Env | undefined, extra: readonly (keyof O & string)[] = [],
): { part?: number | Partitioner; env?: Env; options: O } {
  if (!isOptionsObject(partitioning) || isPlainPartitioner(partitioning)) return { part: partitioning as number | Partitioner | undefined, env, options: {} as O };
  const o = checkOptions<O>(op, partitioning, ['numPartitions', 'partitioner', 'env', ...extra] as (keyof O & string)[]);
  if (env !== undefined) throw engineError('BAD_ARGUMENT', `${op}: env was given both in the options and as the next argument; give it once, in the options`);
  if (o.numPartitions !== undefined && o.partitioner !== undefined) {
    throw engineError('BAD_ARGUMENT', `${op}: give numPartitions or partitioner, not both`);
  }
  return { part: o.partitioner ?? o.numPartitions, env: o.env, options: o };
}
