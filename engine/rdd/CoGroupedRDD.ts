/** CoGroupedRDD: groups the values of several pair RDDs by key; parents already partitioned alike are read narrowly, the others through shuffles. */
import type { TaskContext } from '../executor/TaskContext.ts';
import type { Partitioner } from '../shuffle/api.ts';
import { readShuffle } from '../shuffle/index.ts';
import { compareKeys } from '../serde/keys.ts';
import { registerShippable } from '../serde/plan.ts';
import type { FlintContext } from '../context.ts';
import { Dependency, OneToOneDependency, ShuffleDependency } from './Dependency.ts';
import { ArrayIter, drain, type Iter } from './iter.ts';
import { rddKinds } from './kinds.ts';
import { RDD, type Partition } from './RDD.ts';

/** The current record of one sorted input of the merge. */
interface Head<K> {
  it: Iterator<[K, unknown]>;
  cur: IteratorResult<[K, unknown]>;
}

/** Merges inputs sorted by compareKeys into [key, [values of input 0, values of input 1, ...]], one key in memory at a time. */
function* mergeGroups<K>(inputs: Iterator<[K, unknown]>[]): Generator<[K, unknown[][]]> {
  const heads: Head<K>[] = inputs.map((it) => ({ it, cur: it.next() }));
  for (;;) {
    let min: K | undefined;
    let any = false;
    for (const h of heads) {
      if (h.cur.done) continue;
      if (!any || compareKeys(h.cur.value[0], min) < 0) min = h.cur.value[0];
      any = true;
    }
    if (!any) return;
    const groups: unknown[][] = heads.map(() => []);
    heads.forEach((h, i) => {
      while (!h.cur.done && compareKeys(h.cur.value[0], min) === 0) {
        groups[i].push(h.cur.value[1]);
        h.cur = h.it.next();
      }
    });
    yield [min as K, groups];
  }
}

function sortedByKey<K>(records: [K, unknown][]): Iterator<[K, unknown]> {
  return new ArrayIter(records.sort((a, b) => compareKeys(a[0], b[0])));
}

/**
 * Record i is [key, [values of parent 0, values of parent 1, ...]]. Executor fields: `narrow[i]` is
 * parent i when it is read narrowly (same partitioner), else null and `shuffleIds[i]` names its shuffle.
 * Shuffled parents are written sorted by key (compareKeys) and read as sorted streams (the shuffle
 * spills past its budget); narrow parents are sorted in memory; a merge then holds one key's values
 * at a time, so cogroup and the joins built on it stay within the shuffle's memory budget.
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
        this._cgDeps.push(new ShuffleDependency(r, id, _part, undefined, false, undefined, true));
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
    const inputs: (Iterator<[K, unknown]> | Promise<Iterator<[K, unknown]>>)[] = this.narrow.map((rdd, i) => {
      if (rdd === null) {
        return readShuffle<K, unknown, unknown>({
          shuffleId: this.shuffleIds[i]!,
          reduceId: split.index,
          statuses: tc.executor.mapStatuses(this.shuffleIds[i]!),
          mapSideCombine: false,
          keyOrdering: compareKeys,
          memoryBytes: tc.executor.shuffleMemoryBytes,
          dir: tc.executor.spillDir,
        }) as Iterator<[K, unknown]>;
      }
      const all = drain(rdd.iterator(parents[i]!, tc));
      return all instanceof Promise ? all.then(sortedByKey) : sortedByKey(all);
    });
    if (inputs.every((x) => !(x instanceof Promise))) return mergeGroups(inputs as Iterator<[K, unknown]>[]);
    return (async function* () {
      yield* mergeGroups(await Promise.all(inputs));
    })();
  }
}

registerShippable('CoGroupedRDD', CoGroupedRDD);
rddKinds.CoGroupedRDD = CoGroupedRDD;
