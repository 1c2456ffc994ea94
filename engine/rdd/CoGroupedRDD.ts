/** CoGroupedRDD: groups the values of several pair RDDs by key; parents already partitioned alike are read narrowly, the others through shuffles. */
import type { TaskContext } from '../executor/TaskContext.ts';
import type { Partitioner } from '../shuffle/api.ts';
import { cogroupIterators } from '../shuffle/index.ts';
import { registerShippable } from '../serde/plan.ts';
import type { FlintContext } from '../context.ts';
import { Dependency, OneToOneDependency, ShuffleDependency } from './Dependency.ts';
import { ArrayIter, drain, isAsyncIter, type Iter } from './iter.ts';
import { rddKinds } from './kinds.ts';
import { RDD, type Partition } from './RDD.ts';

/**
 * Record i is [key, [values of parent 0, values of parent 1, ...]]. Executor fields: `narrow[i]` is
 * parent i when it is read narrowly (same partitioner), else null and `shuffleIds[i]` names its shuffle.
 * The groups are built in the shuffle's spillable map (cogroupIterators), so cogroup and the joins
 * built on it stay within flint.shuffle.memoryBytes whatever the number of keys.
 */
export class CoGroupedRDD<K> extends RDD<[K, unknown[][]]> {
  readonly narrow: (RDD<[K, unknown]> | null)[];
  readonly shuffleIds: (number | null)[];
  private readonly _cgDeps: Dependency[];

  constructor(ctx: FlintContext, private readonly _rdds: RDD<[K, unknown]>[], private readonly _part: Partitioner) {
    super(ctx);
    this.narrow = [];
    this.shuffleIds = [];
    this._cgDeps = [];
    for (const r of _rdds) {
      if (r.partitioner !== undefined && r.partitioner.equals(_part)) {
        this.narrow.push(r);
        this.shuffleIds.push(null);
        this._cgDeps.push(new OneToOneDependency(r));
      } else {
        const id = ctx.newShuffleId();
        ctx.registerShuffle(this, id);
        this.narrow.push(null);
        this.shuffleIds.push(id);
        this._cgDeps.push(new ShuffleDependency(r, id, _part, undefined, false, undefined, false));
      }
    }
  }

  override get partitioner(): Partitioner {
    return this._part;
  }

  override knownNumPartitions(): number {
    return this._part.numPartitions;
  }

  protected getDependencies(): Dependency[] {
    return this._cgDeps;
  }

  protected getPartitions(): Partition[] {
    return Array.from({ length: this._part.numPartitions }, (_, index) => ({
      index,
      parents: this._rdds.map((r, i) => (this.narrow[i] !== null ? r.partitions[index] : null)),
    }));
  }

  compute(split: Partition, tc: TaskContext): Iter<[K, unknown[][]]> {
    const parents = split.parents as (Partition | null)[];
    const ex = tc.executor;
    const inputs: (Iterator<[K, unknown]> | Promise<Iterator<[K, unknown]>>)[] = this.narrow.map((rdd, i) => {
      if (rdd === null) {
        return ex.shuffleManager.read<K, unknown, unknown>({
          shuffleId: this.shuffleIds[i]!,
          reduceId: split.index,
          statuses: ex.mapStatuses(this.shuffleIds[i]!),
          mapSideCombine: false,
          memoryBytes: ex.shuffleMemoryBytes,
          dir: ex.spillDir,
        }, tc.shuffleRead) as Iterator<[K, unknown]>;
      }
      // The grouping map pulls sync iterators; an async parent (rare) is drained first.
      const it = rdd.iterator(parents[i]!, tc);
      return isAsyncIter(it) ? (drain(it) as Promise<[K, unknown][]>).then((xs) => new ArrayIter(xs)) : it;
    });
    const first = this.shuffleIds.find((id) => id !== null);
    const spec = {
      memoryBytes: ex.shuffleMemoryBytes,
      dir: ex.spillDir,
      stem: `${first !== undefined && first !== null ? `shuffle_${first}_` : ''}cogroup_rdd${this.id}_p${split.index}_t${tc.taskId}`,
    };
    if (inputs.every((x) => !(x instanceof Promise))) return cogroupIterators(inputs as Iterator<[K, unknown]>[], spec, tc.shuffleRead);
    return (async function* () {
      yield* cogroupIterators(await Promise.all(inputs), spec, tc.shuffleRead);
    })();
  }
}

registerShippable('CoGroupedRDD', CoGroupedRDD);
rddKinds.CoGroupedRDD = CoGroupedRDD;
