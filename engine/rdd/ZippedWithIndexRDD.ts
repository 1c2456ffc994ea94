/** ZippedWithIndexRDD: pairs each element with its position in the RDD; a count job over all but the last partition finds each partition's first index. */
import type { TaskContext } from '../executor/TaskContext.ts';
import { registerShippable } from '../serde/plan.ts';
import { Dependency, OneToOneDependency } from './Dependency.ts';
import { fuse, type Iter } from './iter.ts';
import { rddKinds } from './kinds.ts';
import { RDD, type Partition } from './RDD.ts';

/** Partition = { index, parent, start }. */
export class ZippedWithIndexRDD<T> extends RDD<[T, number]> {
  private _starts: number[] | undefined;

  constructor(readonly prev: RDD<T>) {
    super(prev.context);
  }

  override knownNumPartitions(): number | undefined {
    return this.prev.knownNumPartitions();
  }

  protected getDependencies(): Dependency[] {
    return [new OneToOneDependency(this.prev)];
  }

  protected override async doPrepare(): Promise<void> {
    const n = this.prev.partitions.length;
    const starts = [0];
    if (n > 1) {
      const counts = await this._ctx.runJob<number>(this.prev, 'count', {}, Array.from({ length: n - 1 }, (_, i) => i));
      for (const c of counts) starts.push(starts[starts.length - 1] + c);
    }
    this._starts = starts;
  }

  protected getPartitions(): Partition[] {
    return this.prev.partitions.map((parent, index) => ({ index, parent, start: this._starts![index] }));
  }

  compute(split: Partition, tc: TaskContext): Iter<[T, number]> {
    let i = split.start as number;
    return fuse(this.prev.iterator(split.parent as Partition, tc), [{ kind: 'map', f: (x: unknown) => [x, i++] }]);
  }
}

registerShippable('ZippedWithIndexRDD', ZippedWithIndexRDD);
rddKinds.ZippedWithIndexRDD = ZippedWithIndexRDD;
