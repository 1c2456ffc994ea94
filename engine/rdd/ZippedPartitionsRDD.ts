/** ZippedPartitionsRDD: pairs the i-th elements of two RDDs partition by partition (zip). */
import { engineError } from '../catalogue.ts';
import type { TaskContext } from '../executor/TaskContext.ts';
import { registerShippable } from '../serde/plan.ts';
import type { FlintContext } from '../context.ts';
import { Dependency, OneToOneDependency } from './Dependency.ts';
import { asAsync, isAsyncIter, type Iter } from './iter.ts';
import { rddKinds } from './kinds.ts';
import { RDD, type Partition } from './RDD.ts';

/** Partition = { index, s1, s2 }. Both inputs must have equal partition counts and equal element counts per partition. */
export class ZippedPartitionsRDD<T, U> extends RDD<[T, U]> {
  constructor(ctx: FlintContext, readonly rdd1: RDD<T>, readonly rdd2: RDD<U>) {
    super(ctx);
  }

  override knownNumPartitions(): number | undefined {
    return this.rdd1.knownNumPartitions();
  }

  protected getDependencies(): Dependency[] {
    return [new OneToOneDependency(this.rdd1), new OneToOneDependency(this.rdd2)];
  }

  protected getPartitions(): Partition[] {
    const a = this.rdd1.partitions, b = this.rdd2.partitions;
    if (a.length !== b.length) {
      throw engineError('ZIP_MISMATCH', `zip of ${this.rdd1} (${a.length} partitions) and ${this.rdd2} (${b.length} partitions): both need the same number of partitions`);
    }
    return a.map((s1, index) => ({ index, s1, s2: b[index] }));
  }

  compute(split: Partition, tc: TaskContext): Iter<[T, U]> {
    const a = this.rdd1.iterator(split.s1 as Partition, tc);
    const b = this.rdd2.iterator(split.s2 as Partition, tc);
    const mismatch = () => engineError('ZIP_MISMATCH', `zip: partition ${split.index} has different numbers of elements on the two sides; zip needs equal counts per partition (use zipWithIndex and join instead)`);
    if (!isAsyncIter(a) && !isAsyncIter(b)) {
      return (function* () {
        for (;;) {
          const x = a.next(), y = b.next();
          if (x.done && y.done) return;
          if (x.done || y.done) throw mismatch();
          yield [x.value, y.value] as [T, U];
        }
      })();
    }
    return (async function* () {
      const ia = asAsync(a), ib = asAsync(b);
      for (;;) {
        const x = await ia.next(), y = await ib.next();
        if (x.done && y.done) return;
        if (x.done || y.done) throw mismatch();
        yield [x.value, y.value] as [T, U];
      }
    })();
  }
}

registerShippable('ZippedPartitionsRDD', ZippedPartitionsRDD);
rddKinds.ZippedPartitionsRDD = ZippedPartitionsRDD;
