/** ShuffledRDD: the reduce side of a shuffle; its parent's records are partitioned (and optionally combined, sorted) by a ShuffleDependency. */
import type { TaskContext } from '../executor/TaskContext.ts';
import type { Aggregator, Partitioner } from '../shuffle/api.ts';
import { moduleRef, shipInternal, type ShippedFn } from '../serde/closure.ts';
import { compareKeys } from '../serde/keys.ts';
import { registerShippable } from '../serde/plan.ts';
import { Dependency, ShuffleDependency } from './Dependency.ts';
import type { Iter } from './iter.ts';
import { rddKinds } from './kinds.ts';
import { RangePartitioner, RangeSampling } from './Partitioner.ts';
import { engineError } from '../catalogue.ts';
import { RDD, type Partition } from './RDD.ts';
import { moduleUrl } from '../moduleUrl.ts';

const KEYS_URL = moduleUrl('../serde/keys.ts', import.meta.url);

/** Shipped aggregator: createCombiner / mergeValue / mergeCombiners as shipped functions (live on executors). */
export interface ShippedAggregator {
  createCombiner: ShippedFn;
  mergeValue: ShippedFn;
  mergeCombiners: ShippedFn;
}

/** Sorting of a shuffle: by `ordering` (default compareKeys), descending when !ascending. */
export interface ShuffleSort {
  ordering: ShippedFn | undefined;
  ascending: boolean;
  /** The user's comparator itself, for sorting samples on the driver. */
  live?: (a: any, b: any) => number;
}

/** Samples per reduce partition for range bounds (Spark samples 20 per partition, 3x over). */
const SAMPLES_PER_PARTITION = 60;

/**
 * Reads partition i of shuffle `shuffleId`. Executor fields: shuffleId, aggregator, mapSideCombine,
 * keyOrdering (undefined with `sorted` means compareKeys). The parent stays on the driver.
 */
export class ShuffledRDD<K, V, C> extends RDD<[K, C]> {
  readonly shuffleId: number;
  readonly keyOrdering: ShippedFn | undefined;
  readonly sorted: boolean;
  private readonly _dep: ShuffleDependency;
  /** The partitioner; undefined until a range sampling has run. */
  private _part: Partitioner | undefined;
  private readonly _sampling: { numPartitions: number; sampleFrom: RDD<[unknown, unknown]>; sort: ShuffleSort } | undefined;

  /** `partitioner` places the records, or with a sort, `{ numPartitions, sampleFrom }` asks for a sampled RangePartitioner. */
  constructor(
    prev: RDD<[K, V]>,
    partitioner: Partitioner | RangeSampling,
    readonly aggregator: ShippedAggregator | undefined,
    readonly mapSideCombine: boolean,
    private readonly _sort?: ShuffleSort,
  ) {
    super(prev.context);
    this.shuffleId = this._ctx.newShuffleId();
    this._ctx.registerShuffle(this, this.shuffleId);
    this.sorted = _sort !== undefined;
    let ordering = _sort?.ordering;
    if (_sort !== undefined && !_sort.ascending) {
      ordering = ordering === undefined
        ? shipInternal((a: unknown, b: unknown) => compareKeys(b, a), { compareKeys: moduleRef(KEYS_URL, 'compareKeys') }, 'sortByKey')
        : shipInternal((a: unknown, b: unknown) => cmp(b, a), { cmp: ordering }, 'sortByKey');
    }
    this.keyOrdering = ordering;
    if (partitioner instanceof RangeSampling) {
      if (_sort === undefined) throw engineError('INTERNAL', 'a range sampling needs a sort');
      this._sampling = { numPartitions: partitioner.numPartitions, sampleFrom: partitioner.sampleFrom, sort: _sort };
    } else {
      this._part = partitioner;
    }
    this._dep = new ShuffleDependency(prev, this.shuffleId, () => this.requirePartitioner(), aggregator as unknown as Aggregator<unknown, unknown> | undefined,
      mapSideCombine && aggregator !== undefined, ordering, this.sorted);
  }

  /** The partitioner (a sortByKey's RangePartitioner exists once the RDD is prepared: undefined before). */
  override get partitioner(): Partitioner | undefined {
    return this._part;
  }

  private requirePartitioner(): Partitioner {
    if (this._part === undefined) throw engineError('INTERNAL', `${this} was used before its range bounds were sampled (prepare() runs first)`);
    return this._part;
  }

  override knownNumPartitions(): number | undefined {
    return this._part?.numPartitions ?? this._sampling?.numPartitions;
  }

  /** The shuffle dependency (driver only). */
  get shuffleDependency(): ShuffleDependency {
    return this._dep;
  }

  protected getDependencies(): Dependency[] {
    return [this._dep];
  }

  protected getPartitions(): Partition[] {
    return Array.from({ length: this.requirePartitioner().numPartitions }, (_, index) => ({ index }));
  }

  protected override async doPrepare(): Promise<void> {
    const s = this._sampling;
    if (s === undefined || this._part !== undefined) return;
    this._part = new RangePartitioner(await this.sampleBounds(s.sampleFrom, s.numPartitions, s.sort), s.sort.ascending, s.sort.ordering, s.numPartitions);
  }

  /** Range bounds from a sample of the keys of `from`: at most `want` - 1, increasing by the sort's order. */
  private async sampleBounds(from: RDD<[unknown, unknown]>, want: number, sort: ShuffleSort): Promise<unknown[]> {
    const parentParts = from.partitions.length;
    if (want <= 1 || parentParts === 0) return [];
    const perPartition = Math.ceil((SAMPLES_PER_PARTITION * want) / parentParts);
    const samples = await this._ctx.runJob<{ count: number; keys: unknown[] }>(from, 'sampleKeys', { size: perPartition, seed: this.id });
    const weighted: [unknown, number][] = [];
    for (const s of samples) {
      if (s.keys.length === 0) continue;
      const w = s.count / s.keys.length;
      for (const k of s.keys) weighted.push([k, w]);
    }
    const live: (a: unknown, b: unknown) => number = sort.live ?? compareKeys;
    weighted.sort((a, b) => live(a[0], b[0]));
    const total = weighted.reduce((acc, [, w]) => acc + w, 0);
    const step = total / want;
    const bounds: unknown[] = [];
    let cum = 0;
    let target = step;
    for (const [k, w] of weighted) {
      cum += w;
      if (cum >= target && bounds.length < want - 1) {
        if (bounds.length === 0 || live(k, bounds[bounds.length - 1]) > 0) bounds.push(k);
        target += step;
      }
    }
    return bounds;
  }

  compute(split: Partition, tc: TaskContext): Iter<[K, C]> {
    const ex = tc.executor;
    const keyOrdering = this.keyOrdering as unknown as ((a: K, b: K) => number) | undefined;
    return ex.shuffleManager.read<K, V, C>({
      shuffleId: this.shuffleId,
      reduceId: split.index,
      statuses: ex.mapStatuses(this.shuffleId),
      aggregator: this.aggregator as unknown as Aggregator<V, C> | undefined,
      mapSideCombine: this.mapSideCombine && this.aggregator !== undefined,
      keyOrdering: keyOrdering ?? (this.sorted ? compareKeys : undefined),
      memoryBytes: ex.shuffleMemoryBytes,
      dir: ex.spillDir,
    }, tc.shuffleRead) as Iter<[K, C]>;
  }
}

declare const cmp: (a: unknown, b: unknown) => number;

registerShippable('ShuffledRDD', ShuffledRDD);
rddKinds.ShuffledRDD = ShuffledRDD;
