/** ParallelCollectionRDD: a driver-side array sliced into partitions by Spark's rule (slice i holds [floor(i*n/k), floor((i+1)*n/k))). */
import type { TaskContext } from '../executor/TaskContext.ts';
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

/** Partition = { index, start, count, step }: numbers computed on the executor, never materialised on the driver. */
export class RangeRDD extends RDD<number> {
  constructor(ctx: FlintContext, private readonly _start: number, private readonly _end: number, private readonly _step: number, private readonly _numSlices: number) {
    super(ctx);
  }

  override knownNumPartitions(): number {
    return this._numSlices;
  }

  protected getDependencies(): Dependency[] {
    return [];
  }

  protected getPartitions(): Partition[] {
    const total = Math.max(0, Math.ceil((this._end - this._start) / this._step));
    return slicePositions(total, this._numSlices).map(([s, e], index) => ({ index, start: this._start + s * this._step, count: e - s, step: this._step }));
  }

  compute(split: Partition, _tc: TaskContext): Iter<number> {
    const start = split.start as number, count = split.count as number, step = split.step as number;
    let i = 0;
    return {
      next: () => (i < count ? { done: false, value: start + step * i++ } : { done: true, value: undefined }),
      [Symbol.iterator]() { return this; },
    } as IterableIterator<number>;
  }
}

registerShippable('RangeRDD', RangeRDD);

/** An RDD with no partitions. */
export class EmptyRDD<T> extends RDD<T> {
  override knownNumPartitions(): number {
    return 0;
  }
  protected getDependencies(): Dependency[] {
    return [];
  }
  protected getPartitions(): Partition[] {
    return [];
  }
  compute(): Iter<T> {
    return new ArrayIter<T>([]);
  }
}

registerShippable('EmptyRDD', EmptyRDD);
