/** UnionRDD: the partitions of several RDDs one after another; when all share a partitioner, partition i merges partition i of each and keeps it. */
import type { TaskContext } from '../executor/TaskContext.ts';
import type { Partitioner } from '../shuffle/api.ts';
import { registerShippable } from '../serde/plan.ts';
import type { FlintContext } from '../context.ts';
import { Dependency, ListDependency, OneToOneDependency } from './Dependency.ts';
import { asAsync, isAsyncIter, type Iter } from './iter.ts';
import { rddKinds } from './kinds.ts';
import { RDD, type Partition } from './RDD.ts';

function* chainSync<T>(its: (() => Iter<T>)[]): Generator<T> {
  for (const make of its) {
    const it = make() as Iterator<T>;
    for (let r = it.next(); !r.done; r = it.next()) yield r.value;
  }
}

async function* chainAsync<T>(first: Iter<T>, rest: (() => Iter<T>)[]): AsyncGenerator<T> {
  yield* asAsync(first);
  for (const make of rest) yield* asAsync(make());
}

/** Concatenates `makes` lazily; async as soon as one part is. */
export function chain<T>(makes: (() => Iter<T>)[]): Iter<T> {
  if (makes.length === 0) return chainSync<T>([]);
  const first = makes[0]();
  if (isAsyncIter(first)) return chainAsync(first, makes.slice(1));
  let used = false;
  const firstOnce = () => { if (used) throw new Error('union part read twice'); used = true; return first; };
  const gen = chainSync<T>([firstOnce, ...makes.slice(1)]);
  return gen;
}

/**
 * Executor fields: `rdds`, `aligned`. Unaligned partition = { index, which, parent }; aligned
 * (all inputs share a partitioner) = { index, parents: [one per input] }.
 */
export class UnionRDD<T> extends RDD<T> {
  readonly aligned: boolean;

  constructor(ctx: FlintContext, readonly rdds: RDD<T>[]) {
    super(ctx);
    const p = rdds[0].partitioner;
    this.aligned = p !== undefined && rdds.every((r) => r.partitioner !== undefined && r.partitioner.equals(p));
  }

  override get partitioner(): Partitioner | undefined {
    return this.aligned ? this.rdds[0].partitioner : undefined;
  }

  override knownNumPartitions(): number | undefined {
    if (this.aligned) return this.rdds[0].partitioner!.numPartitions;
    const ns = this.rdds.map((r) => r.knownNumPartitions());
    return ns.every((n) => n !== undefined) ? (ns as number[]).reduce((a, b) => a + b, 0) : undefined;
  }

  protected getDependencies(): Dependency[] {
    if (this.aligned) return this.rdds.map((r) => new OneToOneDependency(r));
    // Offsets need the parents' partition counts, known only once they are prepared: computed lazily.
    const offsets = () => {
      const out = [0];
      for (const r of this.rdds) out.push(out[out.length - 1] + r.partitions.length);
      return out;
    };
    return this.rdds.map((r, i) => new ListDependency(r, (id) => {
      const o = offsets();
      return id >= o[i] && id < o[i + 1] ? [id - o[i]] : [];
    }));
  }

  protected getPartitions(): Partition[] {
    if (this.aligned) {
      const n = this.rdds[0].partitioner!.numPartitions;
      return Array.from({ length: n }, (_, index) => ({ index, parents: this.rdds.map((r) => r.partitions[index]) }));
    }
    const out: Partition[] = [];
    this.rdds.forEach((r, which) => {
      for (const parent of r.partitions) out.push({ index: out.length, which, parent });
    });
    return out;
  }

  compute(split: Partition, tc: TaskContext): Iter<T> {
    if (this.aligned) {
      const parents = split.parents as Partition[];
      return chain(this.rdds.map((r, i) => () => r.iterator(parents[i], tc)));
    }
    return this.rdds[split.which as number].iterator(split.parent as Partition, tc);
  }
}

registerShippable('UnionRDD', UnionRDD);
rddKinds.UnionRDD = UnionRDD;
