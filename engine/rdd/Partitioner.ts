/**
 * Partitioners: HashPartitioner (keys by value hash), RangePartitioner (sorted key ranges, its bounds
 * given when it is built), and UserPartitioner, which carries a user's own Partitioner (a plain object
 * or a class instance) to executors as shipped source text.
 */
import type { Partitioner } from '../shuffle/api.ts';
import { compareKeys, hashKey } from '../serde/keys.ts';
import { isShippableInstance, registerShippable } from '../serde/plan.ts';
import { freeVariables, isGlobal, shipInternal, wellKnownGlobalName, type ShippedFn } from '../serde/closure.ts';
import { engineError } from '../catalogue.ts';
import type { RDD } from './RDD.ts';

export type { Partitioner } from '../shuffle/api.ts';

/** Places a key by `hashKey(key) mod numPartitions`: equal-by-value keys (tuples, objects) land together. */
export class HashPartitioner implements Partitioner {
  /** 0 partitions (as Spark's `partitions >= 0`) is what a shuffle of an RDD without partitions defaults to: it holds no keys. */
  constructor(readonly numPartitions: number) {
    if (!Number.isInteger(numPartitions) || numPartitions < 0) {
      throw engineError('BAD_ARGUMENT', `HashPartitioner needs a non-negative integer number of partitions; got ${numPartitions}`);
    }
  }
  getPartition(key: unknown): number {
    const h = hashKey(key) % this.numPartitions;
    return (h < 0 ? h + this.numPartitions : h) | 0; // | 0 turns -0 into 0
  }
  equals(other: unknown): boolean {
    return other instanceof HashPartitioner && other.numPartitions === this.numPartitions;
  }
}

/**
 * Places keys by sorted ranges: partition i holds keys k with bounds[i-1] < k <= bounds[i]
 * (reversed when descending), so keys fill bounds.length + 1 partitions. `numPartitions` may be
 * larger (never smaller): sortByKey asks for n partitions and keeps n, as PySpark's sortByKey does,
 * so when the keys have fewer distinct values than that the last partitions are empty, and the
 * count is known before the sampling job runs. Immutable: sortByKey builds one from the bounds its
 * sampling job found (Spark's RangePartitioner samples in its constructor; Flint's sampling is an
 * async job, so the ShuffledRDD runs it when it is prepared).
 */
export class RangePartitioner implements Partitioner {
  readonly bounds: readonly unknown[];
  readonly numPartitions: number;
  constructor(
    bounds: readonly unknown[],
    readonly ascending: boolean,
    /** A custom comparator (live on executors, shipped in plans), or undefined for compareKeys. */
    readonly ordering: ShippedFn | undefined,
    /** At least bounds.length + 1 (the default); 0 only without bounds (an empty input). */
    numPartitions?: number,
  ) {
    if (!Array.isArray(bounds)) throw engineError('BAD_ARGUMENT', `RangePartitioner needs an array of bounds; got ${typeof bounds}`);
    this.bounds = [...bounds];
    const n = numPartitions ?? bounds.length + 1;
    if (!Number.isInteger(n) || (n < bounds.length + 1 && !(n === 0 && bounds.length === 0))) {
      throw engineError('BAD_ARGUMENT', `RangePartitioner: numPartitions must be an integer of at least bounds.length + 1 (${bounds.length + 1}); got ${String(numPartitions)}`);
    }
    this.numPartitions = n;
  }

  getPartition(key: unknown): number {
    const bounds = this.bounds;
    const cmp = (this.ordering as unknown as ((a: unknown, b: unknown) => number) | undefined) ?? compareKeys;
    let lo = 0, hi = bounds.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cmp(key, bounds[mid]) > 0) lo = mid + 1;
      else hi = mid;
    }
    return this.ascending ? lo : bounds.length - lo;
  }

  equals(other: unknown): boolean {
    if (other === this) return true;
    if (!(other instanceof RangePartitioner)) return false;
    if (other.ascending !== this.ascending || other.ordering !== this.ordering || other.bounds.length !== this.bounds.length || other.numPartitions !== this.numPartitions) return false;
    return this.bounds.every((b, i) => compareKeys(b, other.bounds[i]) === 0);
  }
}

/**
 * A range partitioning still to be sampled (sortByKey): when the RDD is prepared, a job samples the
 * keys of `sampleFrom` and the RangePartitioner is built from the bounds it picks, at most
 * `numPartitions` partitions (fewer when the keys have fewer distinct values).
 */
export class RangeSampling {
  constructor(readonly numPartitions: number, readonly sampleFrom: RDD<[unknown, unknown]>) {}
}

/** Keys are partition ids already (repartition's round-robin positions): key k goes to partition k mod n. */
export class PartitionIdPassthrough implements Partitioner {
  constructor(readonly numPartitions: number) {}
  getPartition(key: unknown): number {
    return (key as number) % this.numPartitions;
  }
  equals(other: unknown): boolean {
    return other instanceof PartitionIdPassthrough && other.numPartitions === this.numPartitions;
  }
}

/**
 * A user's Partitioner in transit: a plain object (`{ numPartitions: 2, getPartition: k => k % 2 }`)
 * or an instance of a class the engine has not registered. It ships like any function: a plain
 * object's function fields travel as source text and its other fields as data; an instance's class
 * travels as source text with its own fields, and executors rebuild the instance on that class's
 * prototype, so its methods (and `this`) work there. Methods see only their own object's fields and
 * JS globals (CLOSURE_FREE_VARIABLE names anything else at the call that takes the partitioner).
 * `equals` decides co-partitioning on the driver: the user's `equals(other)` when it has one (called
 * with the other user partitioner, or an engine one), else identity of the user's object, as Spark's
 * default `equals`. A class registered with `registerShippable` travels as itself instead.
 */
export class UserPartitioner implements Partitioner {
  readonly numPartitions: number;
  /** The instance's class as a shipped function (its source text), or undefined for a plain object. */
  readonly cls: ShippedFn | undefined;
  /** The object's own data fields (structured-clonable). */
  readonly fields: Record<string, unknown>;
  /** The object's own function fields but equals (a plain object's getPartition; a class's arrow-function fields). */
  readonly methods: Record<string, ShippedFn>;
  /** Driver only: the user's object itself. */
  private readonly _live: Partitioner | undefined;
  /** Executor only: the object rebuilt from the fields above. */
  private _inst: Partitioner | undefined;

  constructor(live: Partitioner, site: string) {
    this._live = live;
    const n = live.numPartitions;
    if (!Number.isInteger(n) || n < 1) {
      throw engineError('BAD_ARGUMENT', `a Partitioner's numPartitions must be a positive integer; got ${String(n)}${site ? ` (at ${site})` : ''}`);
    }
    this.numPartitions = n;
    const proto = Object.getPrototypeOf(live);
    this.cls = proto === Object.prototype || proto === null ? undefined : shipPartitionerCode(proto.constructor, 'class', site);
    this.fields = {};
    this.methods = {};
    for (const key of Object.keys(live)) {
      const v = (live as unknown as Record<string, unknown>)[key];
      // equals runs only on the driver (co-partitioning is decided there): it stays with _live.
      if (typeof v === 'function') { if (key !== 'equals') this.methods[key] = shipPartitionerCode(v, key, site); }
      else this.fields[key] = v;
    }
    if (this.cls === undefined && this.methods.getPartition === undefined) {
      throw engineError('BAD_ARGUMENT', `a Partitioner needs a getPartition(key) function returning an integer in [0, numPartitions)${site ? ` (at ${site})` : ''}`);
    }
    try {
      structuredClone(this.fields);
    } catch (e) {
      throw engineError('CLOSURE_NOT_SHIPPABLE',
        `a Partitioner's fields travel to executors as data, and one of them cannot (${(e as Error).message}); keep only plain data in its fields${site ? ` (at ${site})` : ''}`);
    }
  }

  getPartition(key: unknown): number {
    return (this._live ?? (this._inst ??= this.rebuild())).getPartition(key);
  }

  equals(other: unknown): boolean {
    if (other === this) return true;
    const live = this._live;
    if (live === undefined) return false; // executors never compare partitioners
    const o = other instanceof UserPartitioner ? other._live : other;
    if (typeof (live as { equals?: unknown }).equals === 'function') return live.equals(o) === true;
    return live === o;
  }

  /** On an executor: the user's object on its class's prototype (or a plain object) with its fields and methods. */
  private rebuild(): Partitioner {
    const cls = this.cls as unknown as (new () => unknown) | undefined;
    const obj = cls === undefined ? {} : Object.create(cls.prototype);
    return Object.assign(obj, this.fields, this.methods) as Partitioner;
  }
}

/** A user partitioner's class or function field, shipped; outside names fail with a message for partitioners (there is no env to put them in). */
function shipPartitionerCode(fn: Function, what: string, site: string): ShippedFn {
  if (wellKnownGlobalName(fn) === undefined) {
    const text = Function.prototype.toString.call(fn);
    let free: string[] = [];
    try { free = freeVariables(`(${text})`); } catch { try { free = freeVariables(`Object.values({${text}})[0]`); } catch { /* shipInternal reports the parse error */ } }
    const missing = free.filter((name) => name === 'this' || !isGlobal(name));
    if (missing.length > 0) {
      const list = missing.map((n) => `'${n}'`).join(', ');
      throw engineError('CLOSURE_FREE_VARIABLE',
        `the Partitioner's ${what === 'class' ? `class ${fn.name || '(anonymous)'}` : `'${what}'`}${site ? ` (given at ${site})` : ''} uses ${list} from its enclosing scope; ` +
        `a Partitioner travels to executors with only its own fields, so keep such values in fields of the partitioner ` +
        `(read as this.name in its methods; a plain object's arrow functions cannot use this: write methods, getPartition(k) { ... }), ` +
        `or register its class with registerShippable(name, Class, import.meta.url) so executors import it`);
    }
  }
  return shipInternal(fn, {}, what === 'class' ? 'partitioner' : `partitioner.${what}`);
}

const userPartitioners = new WeakMap<object, UserPartitioner>();

/**
 * `p` as a Partitioner that can travel in plans: the engine's and registered classes' instances as
 * they are, a user's plain object or class instance wrapped in a UserPartitioner (the same wrapper
 * for the same object, so `rdd.partitioner` is stable).
 */
export function shippablePartitioner(p: Partitioner, site: string): Partitioner {
  if (isShippableInstance(p)) return p;
  let w = userPartitioners.get(p);
  if (w === undefined) {
    w = new UserPartitioner(p, site);
    userPartitioners.set(p, w);
  }
  return w;
}

registerShippable('UserPartitioner', UserPartitioner);
registerShippable('HashPartitioner', HashPartitioner);
registerShippable('PartitionIdPassthrough', PartitionIdPassthrough);
registerShippable('RangePartitioner', RangePartitioner);
