/** EmptyRDD: an RDD with no partitions (ctx.emptyRDD()). */
import { registerShippable } from '../serde/plan.ts';
import type { Dependency } from './Dependency.ts';
import { ArrayIter, type Iter } from './iter.ts';
import { RDD, type Partition } from './RDD.ts';

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
