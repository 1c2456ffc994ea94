/** CartesianRDD: every pair of elements of two RDDs; partition (i, j) pairs partition i of the first with partition j of the second. */
import type { TaskContext } from '../executor/TaskContext.ts';
import { registerShippable } from '../serde/plan.ts';
import type { FlintContext } from '../context.ts';
import { Dependency, ListDependency } from './Dependency.ts';
import { asAsync, drain, isAsyncIter, type Iter } from './iter.ts';
import { rddKinds } from './kinds.ts';
import { RDD, type Partition } from './RDD.ts';

/** Partition = { index, s1, s2 }; the second side's partition is read once into memory per task. */
export class CartesianRDD<T, U> extends RDD<[T, U]> {
  constructor(ctx: FlintContext, readonly rdd1: RDD<T>, readonly rdd2: RDD<U>) {
    super(ctx);
  }

  override knownNumPartitions(): number | undefined {
    const a = this.rdd1.knownNumPartitions(), b = this.rdd2.knownNumPartitions();
    return a === undefined || b === undefined ? undefined : a * b;
  }

  protected getDependencies(): Dependency[] {
    return [
      new ListDependency(this.rdd1, (id) => [Math.floor(id / this.rdd2.partitions.length)]),
      new ListDependency(this.rdd2, (id) => [id % this.rdd2.partitions.length]),
    ];
  }

  protected getPartitions(): Partition[] {
    const out: Partition[] = [];
    for (const s1 of this.rdd1.partitions) for (const s2 of this.rdd2.partitions) out.push({ index: out.length, s1, s2 });
    return out;
  }

  compute(split: Partition, tc: TaskContext): Iter<[T, U]> {
    const left = this.rdd1.iterator(split.s1 as Partition, tc);
    const right = drain(this.rdd2.iterator(split.s2 as Partition, tc));
    if (!isAsyncIter(left) && !(right instanceof Promise)) {
      return (function* () {
        for (let r = left.next(); !r.done; r = left.next()) for (const y of right) yield [r.value, y] as [T, U];
      })();
    }
    return (async function* () {
      const ys = await right;
      for await (const x of asAsync(left)) for (const y of ys) yield [x, y] as [T, U];
    })();
  }
}

registerShippable('CartesianRDD', CartesianRDD);
rddKinds.CartesianRDD = CartesianRDD;
