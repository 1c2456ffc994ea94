/** ParallelCollectionRDD: a driver-side array sliced into partitions by Spark's rule (slice i holds [floor(i*n/k), floor((i+1)*n/k))). */
import { registerShippable } from '../serde/plan.ts';
import type { FlintContext } from '../context.ts';
import type { Dependency } from './Dependency.ts';
import { ArrayIter, type Iter } from './iter.ts';
import { RDD, type Partition } from './RDD.ts';

/** Spark's ParallelCollectionRDD.slice positions: `numSlices` near-equal contiguous ranges of [0, length). */
export function slicePositions(length: number, numSlices: number): [number, number][] {
  return Array.from({ length: numSlices }, (_, i) => [Math.floor((i * length) / numSlices), Math.floor(((i + 1) * length) / numSlices)]);
}

/** Partition = { index, values }: each task carries its own slice. */
export class ParallelCollectionRDD<T> extends RDD<T> {
  constructor(ctx: FlintContext, private readonly _data: readonly T[], private readonly _numSlices: number) {
    super(ctx);
  }

  override knownNumPartitions(): number {
    return this._numSlices;
  }

  protected getDependencies(): Dependency[] {
    return [];
  }

  protected getPartitions(): Partition[] {
    return slicePositions(this._data.length, this._numSlices).map(([s, e], index) => ({ index, values: this._data.slice(s, e) }));
  }

  compute(split: Partition): Iter<T> {
    return new ArrayIter(split.values as T[]);
  }
}

registerShippable('ParallelCollectionRDD', ParallelCollectionRDD);
