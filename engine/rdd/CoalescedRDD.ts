/** CoalescedRDD: fewer partitions without a shuffle; each new partition reads a contiguous group of parent partitions. */
import type { TaskContext } from '../executor/TaskContext.ts';
import { registerShippable } from '../serde/plan.ts';
import { Dependency, ListDependency } from './Dependency.ts';
import { chain } from './UnionRDD.ts';
import type { Iter } from './iter.ts';
import { rddKinds } from './kinds.ts';
import { RDD, type Partition } from './RDD.ts';

/** Partition = { index, parents: parent partitions }; never more partitions than the parent has. */
export class CoalescedRDD<T> extends RDD<T> {
  constructor(readonly prev: RDD<T>, private readonly _target: number) {
    super(prev.context);
  }

  override knownNumPartitions(): number | undefined {
    const n = this.prev.knownNumPartitions();
    return n === undefined ? undefined : Math.min(n, this._target);
  }

  private groups(): number[][] {
    const n = this.prev.partitions.length;
    const k = Math.min(n, this._target);
    return Array.from({ length: k }, (_, i) => {
      const out: number[] = [];
      for (let p = Math.floor((i * n) / k); p < Math.floor(((i + 1) * n) / k); p++) out.push(p);
      return out;
    });
  }

  protected getDependencies(): Dependency[] {
    return [new ListDependency(this.prev, (id) => this.groups()[id] ?? [])];
  }

  protected getPartitions(): Partition[] {
    const parts = this.prev.partitions;
    return this.groups().map((g, index) => ({ index, parents: g.map((p) => parts[p]) }));
  }

  compute(split: Partition, tc: TaskContext): Iter<T> {
    return chain((split.parents as Partition[]).map((p) => () => this.prev.iterator(p, tc)));
  }
}

registerShippable('CoalescedRDD', CoalescedRDD);
rddKinds.CoalescedRDD = CoalescedRDD;
