/** Partitioners: HashPartitioner (keys by value hash) and RangePartitioner (sorted key ranges, its bounds given when it is built). */
import type { Partitioner } from '../shuffle/api.ts';
import { compareKeys, hashKey } from '../serde/keys.ts';
import { registerShippable } from '../serde/plan.ts';
import type { ShippedFn } from '../serde/closure.ts';
import { engineError } from '../catalogue.ts';
import type { RDD } from './RDD.ts';

export type { Partitioner } from '../shuffle/api.ts';

/** Places a key by `hashKey(key) mod numPartitions`: equal-by-value keys (tuples, objects) land together. */
export class HashPartitioner implements Partitioner {
  constructor(readonly numPartitions: number) {
    if (!Number.isInteger(numPartitions) || numPartitions < 1) {
      throw engineError('BAD_ARGUMENT', `HashPartitioner needs a positive integer number of partitions; got ${numPartitions}`);
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
 * (reversed when descending), so there are bounds.length + 1 partitions. Immutable: sortByKey
 * builds one from the bounds its sampling job found (Spark's RangePartitioner samples in its
 * constructor; Flint's sampling is an async job, so the ShuffledRDD runs it when it is prepared).
 */
export class RangePartitioner implements Partitioner {
  readonly bounds: readonly unknown[];
  constructor(
    bounds: readonly unknown[],
    readonly ascending: boolean,
    /** A custom comparator (live on executors, shipped in plans), or undefined for compareKeys. */
    readonly ordering: ShippedFn | undefined,
  ) {
    if (!Array.isArray(bounds)) throw engineError('BAD_ARGUMENT', `RangePartitioner needs an array of bounds; got ${typeof bounds}`);
    this.bounds = [...bounds];
  }

  get numPartitions(): number {
    return this.bounds.length + 1;
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
    if (other.ascending !== this.ascending || other.ordering !== this.ordering || other.bounds.length !== this.bounds.length) return false;
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

registerShippable('HashPartitioner', HashPartitioner);
registerShippable('PartitionIdPassthrough', PartitionIdPassthrough);
registerShippable('RangePartitioner', RangePartitioner);
