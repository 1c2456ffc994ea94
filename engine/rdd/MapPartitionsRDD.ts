/** MapPartitionsRDD: applies a function to each parent partition; chains of map/filter/flatMap fuse into one iterator at compute time. */
import type { TaskContext } from '../executor/TaskContext.ts';
import type { Partitioner } from '../shuffle/api.ts';
import type { ShippedFn } from '../serde/closure.ts';
import { registerShippable } from '../serde/plan.ts';
import { Dependency, OneToOneDependency } from './Dependency.ts';
import { fuse, runPartitionFn, toIter, type ElemOp, type Iter } from './iter.ts';
import { rddKinds } from './kinds.ts';
import { RDD, type Partition } from './RDD.ts';

/** 'map' | 'filter' | 'flatMap' are elementwise (fusable); 'partitions' gets f(it, tc); 'withIndex' gets f(index, it, tc). */
export type MapMode = 'map' | 'filter' | 'flatMap' | 'partitions' | 'withIndex';

/**
 * A partition-wise function of one parent. Partitions are the parent's; the partitioner is the
 * parent's only when `preservesPartitioning`. Elementwise steps over elementwise, unpersisted
 * parents run as one fused iterator (no per-step iterator objects).
 */
export class MapPartitionsRDD<U, T> extends RDD<U> {
  constructor(
    readonly prev: RDD<T>,
    readonly mode: MapMode,
    readonly f: ShippedFn,
    readonly preservesPartitioning: boolean,
    /** Engine-internal partition functions loop synchronously: an async parent is drained into memory first (see runPartitionFn). */
    readonly syncInput = false,
  ) {
    super(prev.context);
  }

  override get partitioner(): Partitioner | undefined {
    return this.preservesPartitioning ? this.prev.partitioner : undefined;
  }

  override knownNumPartitions(): number | undefined {
    return super.knownNumPartitions() ?? this.prev.knownNumPartitions();
  }

  protected getPartitions(): Partition[] {
    return this.prev.partitions;
  }

  protected getDependencies(): Dependency[] {
    return [new OneToOneDependency(this.prev)];
  }

  compute(split: Partition, tc: TaskContext): Iter<U> {
    const f = this.f as unknown as (...args: any[]) => any;
    if (this.mode === 'partitions' || this.mode === 'withIndex') {
      const what = `${this.mode === 'partitions' ? 'mapPartitions' : 'mapPartitionsWithIndex'} function${this.site ? ` (at ${this.site})` : ''}`;
      const apply = (it: unknown): Iter<U> => toIter<U>(this.mode === 'partitions' ? f(it, tc) : f(split.index, it, tc), what);
      return runPartitionFn(this.prev.iterator(split, tc), f, apply, what, this.syncInput);
    }
    const ops: ElemOp[] = [{ kind: this.mode, f }];
    let base: RDD<unknown> = this.prev;
    while (base instanceof MapPartitionsRDD && base.isElementwise && !base.storageLevel.isValid && base.planSubstitute() === undefined) {
      ops.unshift({ kind: base.mode as ElemOp['kind'], f: base.f as unknown as ElemOp['f'] });
      base = base.prev;
    }
    return fuse<U>(base.iterator(split, tc), ops);
  }

  get isElementwise(): boolean {
    return this.mode === 'map' || this.mode === 'filter' || this.mode === 'flatMap';
  }
}

registerShippable('MapPartitionsRDD', MapPartitionsRDD);
rddKinds.MapPartitionsRDD = MapPartitionsRDD;
