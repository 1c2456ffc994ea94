/** Dependencies between RDDs: narrow ones (a child partition reads a few parent partitions, same task) and shuffle ones (a stage boundary). */
import type { Aggregator, Partitioner } from '../shuffle/api.ts';
import type { ShippedFn } from '../serde/closure.ts';
import type { RDD } from './RDD.ts';

/** Base of all dependencies: `rdd` is the parent. */
export abstract class Dependency {
  constructor(readonly rdd: RDD<any>) {}
}

/** Each child partition depends on a few parent partitions, computed in the same task. */
export abstract class NarrowDependency extends Dependency {
  /** The parent partitions that child partition `partitionId` reads. */
  abstract getParents(partitionId: number): number[];
}

/** Child partition i reads parent partition i. */
export class OneToOneDependency extends NarrowDependency {
  getParents(partitionId: number): number[] {
    return [partitionId];
  }
}

/** Child partitions [outStart, outStart + length) read parent partitions [inStart, ...) (union). */
export class RangeDependency extends NarrowDependency {
  constructor(rdd: RDD<any>, private readonly inStart: number, private readonly outStart: number, private readonly length: number) {
    super(rdd);
  }
  getParents(partitionId: number): number[] {
    return partitionId >= this.outStart && partitionId < this.outStart + this.length ? [partitionId - this.outStart + this.inStart] : [];
  }
}

/** Narrow dependency with an explicit parent list per child partition (coalesce, cartesian, zip). */
export class ListDependency extends NarrowDependency {
  constructor(rdd: RDD<any>, private readonly parents: (partitionId: number) => number[]) {
    super(rdd);
  }
  getParents(partitionId: number): number[] {
    return this.parents(partitionId);
  }
}

/**
 * A stage boundary: the parent's records are partitioned by `partitioner` (optionally combined by
 * `aggregator` on the map side) and written as shuffle `shuffleId`, whose map outputs outlive the job.
 * The partitioner may be given as a function: a sortByKey's RangePartitioner exists only once its
 * sampling job has run, when the RDD is prepared, before any stage of the shuffle is submitted.
 */
export class ShuffleDependency extends Dependency {
  constructor(
    rdd: RDD<any>,
    readonly shuffleId: number,
    private readonly _partitioner: Partitioner | (() => Partitioner),
    readonly aggregator: Aggregator<any, any> | undefined,
    readonly mapSideCombine: boolean,
    /** Shipped comparator for sorted shuffles; `compareKeys` when `sorted` and this is undefined. */
    readonly keyOrdering: ShippedFn | undefined,
    readonly sorted: boolean,
  ) {
    super(rdd);
  }

  /** How the map side places records. */
  get partitioner(): Partitioner {
    return typeof this._partitioner === 'function' ? this._partitioner() : this._partitioner;
  }
}
