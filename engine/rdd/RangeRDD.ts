/** RangeRDD: numbers start, start + step, ... sliced like parallelize and computed on executors, never materialised on the driver. */
import type { TaskContext } from '../executor/TaskContext.ts';
import { registerShippable } from '../serde/plan.ts';
import type { FlintContext } from '../context.ts';
import type { Dependency } from './Dependency.ts';
import type { Iter } from './iter.ts';
import { slicePositions } from './ParallelCollectionRDD.ts';
import { RDD, type Partition } from './RDD.ts';

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
