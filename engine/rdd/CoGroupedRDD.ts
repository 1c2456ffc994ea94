/** CoGroupedRDD: groups the values of several pair RDDs by key; parents already partitioned alike are read narrowly, the others through shuffles. */
import type { TaskContext } from '../executor/TaskContext.ts';
import type { Partitioner } from '../shuffle/api.ts';
import { readShuffle } from '../shuffle/index.ts';
import { KeyMap } from '../serde/keys.ts';
import { registerShippable } from '../serde/plan.ts';
import type { FlintContext } from '../context.ts';
import { Dependency, OneToOneDependency, ShuffleDependency } from './Dependency.ts';
import { ArrayIter, forEachRecord, type Iter } from './iter.ts';
import { rddKinds } from './kinds.ts';
import { RDD, type Partition } from './RDD.ts';

/**
 * Record i is [key, [values of parent 0, values of parent 1, ...]]. Executor fields: `narrow[i]` is
 * parent i when it is read narrowly (same partitioner), else null and `shuffleIds[i]` names its shuffle.
 * A partition holds one KeyMap of all its keys in memory (cogroup does not spill yet).
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
    const n = this.narrow.length;
    const groups = new KeyMap<K, unknown[][]>();
    const parents = split.parents as (Partition | null)[];
    const pending: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      const add = (kv: [K, unknown]) => {
        let g = groups.get(kv[0]);
        if (g === undefined) {
          g = Array.from({ length: n }, () => []);
          groups.set(kv[0], g);
        }
        g[i].push(kv[1]);
      };
      const rdd = this.narrow[i];
      const it: Iter<[K, unknown]> = rdd !== null
        ? rdd.iterator(parents[i]!, tc)
        : readShuffle<K, unknown, unknown>({
          shuffleId: this.shuffleIds[i]!,
          reduceId: split.index,
          statuses: tc.executor.mapStatuses(this.shuffleIds[i]!),
          mapSideCombine: false,
          memoryBytes: tc.executor.shuffleMemoryBytes,
          dir: tc.executor.spillDir,
        }) as Iter<[K, unknown]>;
      const r = forEachRecord(it, add);
      if (r instanceof Promise) pending.push(r);
    }
    if (pending.length === 0) return new ArrayIter([...groups.entries()]);
    return (async function* () {
      await Promise.all(pending);
      yield* groups.entries();
    })();
  }
}

registerShippable('CoGroupedRDD', CoGroupedRDD);
rddKinds.CoGroupedRDD = CoGroupedRDD;
