/** The RDD base class: an immutable, partitioned, lazily computed collection, with every transformation and action Flint offers. */
import { engineError } from '../catalogue.ts';
import { shipFunction, shipInternal, moduleRef, callSite, type ShippedFn } from '../serde/closure.ts';
import { compareKeys, keyEquals, KeyMap, KeySet } from '../serde/keys.ts';
import { StorageLevel } from '../storage/StorageLevel.ts';
import type { Partitioner } from '../shuffle/api.ts';
import type { TaskContext } from '../executor/TaskContext.ts';
import type { FlintContext } from '../context.ts';
import { Dependency, OneToOneDependency } from './Dependency.ts';
import { HashPartitioner, PartitionIdPassthrough, RangeSampling } from './Partitioner.ts';
import { StatCounter } from './StatCounter.ts';
import { seededRandom } from './random.ts';
import { rddKinds } from './kinds.ts';
import { BlockCache } from './blockCache.ts';
import type { Iter } from './iter.ts';

/**
 * One slice of an RDD as a task sees it. It must be structured-clonable (it travels with the task)
 * and self-contained: a partition carries the parent partitions its compute reads.
 */
export interface Partition {
  readonly index: number;
  readonly [field: string]: unknown;
}

/** Values a shipped function sees as variables (see ARCHITECTURE.md, Shipping user functions). */
export type Env = Record<string, unknown>;

/** A comparator: negative, zero or positive like Array.prototype.sort's. */
export type Comparator<T> = (a: T, b: T) => number;

/** Key and value types of a pair RDD. */
type K_<T> = T extends readonly [infer K, unknown] ? K : never;
type V_<T> = T extends readonly [unknown, infer V] ? V : never;

const KEYS_URL = new URL('../serde/keys.ts', import.meta.url).href;
const RANDOM_URL = new URL('./random.ts', import.meta.url).href;

/** Reads a trailing (partitions-or-partitioner?, env?) argument pair. */
function partArgs(a: unknown, b: unknown): { part?: number | Partitioner; env?: Env } {
  if (typeof a === 'number' || isPartitioner(a)) return { part: a as number | Partitioner, env: b as Env | undefined };
  if (a === undefined) return { env: b as Env | undefined };
  return { env: a as Env };
}

function isPartitioner(x: unknown): x is Partitioner {
  return typeof x === 'object' && x !== null && typeof (x as Partitioner).getPartition === 'function' && typeof (x as Partitioner).numPartitions === 'number';
}

function cloneZero<T>(zero: T): T {
  return typeof zero === 'object' && zero !== null ? structuredClone(zero) : zero;
}

function checkPositiveInt(what: string, n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw engineError('BAD_ARGUMENT', `${what} must be a positive integer; got ${String(n)}`);
  }
  return n;
}

/**
 * A Resilient Distributed Dataset. Every RDD has five properties (Spark's):
 * - `partitions`: its slices (planned lazily: some kinds need a job or a file listing first, so the
 *   engine calls `prepare()` over the lineage before it schedules a job);
 * - `compute(split, tc)`: an iterator over one partition's records, run on an executor;
 * - `dependencies`: its parents, narrow (same task) or shuffle (a stage boundary);
 * - `partitioner` (optional): how a pair RDD's keys are placed, when known;
 * - `preferredLocations(split)`: executors where a partition is cheap to compute.
 *
 * Transformations only build nodes; actions return Promises and run jobs. Fields whose names start
 * with `_` stay on the driver; the others travel to executors inside stage plans.
 */
export abstract class RDD<T> {
  readonly id: number;
  /** Where the user created this RDD (file:line), for stage names and errors. */
  readonly site: string;
  storageLevel: StorageLevel = StorageLevel.NONE;
  name: string | undefined;
  _ctx: FlintContext;
  private _partitions: Partition[] | undefined;
  private _deps: Dependency[] | undefined;
  private _prepared: Promise<void> | undefined;
  /** Set by checkpoint(); holds the reader once the checkpoint is written. */
  _checkpoint: { state: 'marked' | 'written'; rdd?: RDD<T> } | undefined;

  constructor(ctx: FlintContext) {
    this._ctx = ctx;
    this.id = ctx.newRddId();
    this.site = callSite();
  }

  /** The context this RDD belongs to. */
  get context(): FlintContext {
    return this._ctx;
  }

  // ---- the five properties ----

  /** Plans the partitions (called once, after prepare()). */
  protected abstract getPartitions(): Partition[];
  /** Lists the parents (called once). */
  protected abstract getDependencies(): Dependency[];
  /** Computes one partition on an executor. */
  abstract compute(split: Partition, tc: TaskContext): Iter<T>;

  /** How keys are placed, when this RDD knows (pair RDDs after a shuffle, or operations that preserve it). */
  get partitioner(): Partitioner | undefined {
    return undefined;
  }

  /** Executors where `split` is cheap to compute (beyond cached blocks, which the scheduler knows). */
  preferredLocations(_split: Partition): string[] {
    return [];
  }

  /** Async planning work before partitions are known (listing files, sampling for range bounds). */
  protected async doPrepare(): Promise<void> {}

  /** The partitions; available once the lineage is prepared. */
  get partitions(): Partition[] {
    if (this._checkpoint?.rdd !== undefined) return this._checkpoint.rdd.partitions;
    return (this._partitions ??= this.getPartitions());
  }

  /** The parents; a written checkpoint replaces the lineage. */
  get dependencies(): Dependency[] {
    if (this._checkpoint?.rdd !== undefined) return [new OneToOneDependency(this._checkpoint.rdd)];
    return (this._deps ??= this.getDependencies());
  }

  /** Prepares this RDD and its lineage (idempotent). The engine calls it before each job. */
  prepare(): Promise<void> {
    if (this._prepared === undefined) {
      const p = (async () => {
        for (const dep of this.dependencies) await dep.rdd.prepare();
        await this.doPrepare();
        void this.partitions;
      })();
      this._prepared = p;
      // A failed plan (a missing input file) is retried by the next action, not remembered.
      p.catch(() => { if (this._prepared === p) this._prepared = undefined; });
    }
    return this._prepared;
  }

  /** The partition count once known synchronously, else undefined (a lazily planned source). */
  knownNumPartitions(): number | undefined {
    return this._partitions?.length;
  }

  /** The number of partitions (plans the lineage if needed). */
  async getNumPartitions(): Promise<number> {
    await this.prepare();
    return this.partitions.length;
  }

  /** Reads a partition: from the block cache when persisted, else compute. Runs on executors. */
  iterator(split: Partition, tc: TaskContext): Iter<T> {
    if (this.storageLevel.isValid) return BlockCache.getOrCompute(this, split, tc);
    return this.compute(split, tc);
  }

  /** In plans, a written checkpoint travels instead of its lineage. */
  planSubstitute(): object | undefined {
    return this._checkpoint?.rdd;
  }

  // ---- shipping helpers ----

  protected ship(f: unknown, env: Env | undefined, op: string): ShippedFn {
    return shipFunction(f, env, op);
  }

  // ---- persistence ----

  /** Keeps computed partitions in the executors' block stores at `level` after the first job computes them. */
  persist(level: StorageLevel = StorageLevel.MEMORY_ONLY): this {
    if (this.storageLevel.isValid && !this.storageLevel.equals(level)) {
      throw engineError('BAD_ARGUMENT', `RDD ${this.id} is already persisted at ${this.storageLevel}; unpersist() it before persisting at ${level}`);
    }
    this.storageLevel = level;
    this._ctx.registerPersistent(this);
    return this;
  }

  /** persist(MEMORY_ONLY). */
  cache(): this {
    return this.persist(StorageLevel.MEMORY_ONLY);
  }

  /** Drops cached partitions from every executor and stops caching. */
  async unpersist(): Promise<this> {
    this.storageLevel = StorageLevel.NONE;
    await this._ctx.removeRdd(this.id);
    return this;
  }

  /** Marks this RDD for checkpointing into ctx.setCheckpointDir's directory; the next job writes it and cuts the lineage. */
  checkpoint(): this {
    if (this._ctx.checkpointDir === undefined) {
      throw engineError('NO_CHECKPOINT_DIR', `checkpoint() on RDD ${this.id} needs a checkpoint directory; call ctx.setCheckpointDir(dir) first`);
    }
    if (this._checkpoint === undefined) this._checkpoint = { state: 'marked' };
    return this;
  }

  get isCheckpointed(): boolean {
    return this._checkpoint?.state === 'written';
  }

  setName(name: string): this {
    this.name = name;
    return this;
  }

  /** The lineage, one RDD per line, indented at shuffle boundaries. */
  toDebugString(): string {
    const lines: string[] = [];
    const walk = (r: RDD<any>, depth: number) => {
      const n = r.knownNumPartitions();
      lines.push(`${'  '.repeat(depth)}(${n ?? '?'}) ${r.constructor.name}[${r.id}]${r.name ? ' ' + r.name : ''} at ${r.site || '?'}${r.storageLevel.isValid ? ' [' + r.storageLevel + ']' : ''}`);
      for (const d of r.dependencies) walk(d.rdd, depth + (d instanceof OneToOneDependency ? 0 : 1));
    };
    walk(this, 0);
    return lines.join('\n');
  }

  toString(): string {
    return `${this.constructor.name}[${this.id}] at ${this.site || '?'}`;
  }

  // ---- transformations ----

  map<U>(f: (x: T) => U, env?: Env): RDD<U> {
    return new rddKinds.MapPartitionsRDD<U, T>(this, 'map', this.ship(f, env, 'map'), false);
  }

  flatMap<U>(f: (x: T) => Iterable<U>, env?: Env): RDD<U> {
    return new rddKinds.MapPartitionsRDD<U, T>(this, 'flatMap', this.ship(f, env, 'flatMap'), false);
  }

  filter(f: (x: T) => unknown, env?: Env): RDD<T> {
    return new rddKinds.MapPartitionsRDD<T, T>(this, 'filter', this.ship(f, env, 'filter'), true);
  }

  /**
   * Runs `f` once per partition with an iterator over its records and the TaskContext. `f` may
   * return an iterable, an async iterable (an async generator: await inside, e.g. model inference),
   * or a Promise of an iterable. Its input is a sync iterator while the chain above it is sync.
   * Over an async parent a function declared `async` gets a streaming async iterable (`for await`),
   * and any other function gets the partition as an array (drained first), so sync loops work too
   * (see runPartitionFn in iter.ts).
   */
  mapPartitions<U>(f: (it: Iterator<T> & Iterable<T>, tc: TaskContext) => Iterable<U> | AsyncIterable<U> | Promise<Iterable<U>>, env?: Env | boolean, preservesPartitioning: boolean | Env = false): RDD<U> {
    // Spark's order (f, preservesPartitioning) works too: the env argument is the object one.
    if (typeof env === 'boolean') [env, preservesPartitioning] = [typeof preservesPartitioning === 'object' ? preservesPartitioning : undefined, env];
    return new rddKinds.MapPartitionsRDD<U, T>(this, 'partitions', this.ship(f, env, 'mapPartitions'), preservesPartitioning === true);
  }

  /** mapPartitions with the partition index first: `f(index, it, tc)`. */
  mapPartitionsWithIndex<U>(f: (index: number, it: Iterator<T> & Iterable<T>, tc: TaskContext) => Iterable<U> | AsyncIterable<U> | Promise<Iterable<U>>, env?: Env | boolean, preservesPartitioning: boolean | Env = false): RDD<U> {
    if (typeof env === 'boolean') [env, preservesPartitioning] = [typeof preservesPartitioning === 'object' ? preservesPartitioning : undefined, env];
    return new rddKinds.MapPartitionsRDD<U, T>(this, 'withIndex', this.ship(f, env, 'mapPartitionsWithIndex'), preservesPartitioning === true);
  }

  private internal<U>(mode: 'map' | 'flatMap' | 'filter' | 'partitions' | 'withIndex', f: Function, env: Env, op: string, preserves = false): RDD<U> {
    return new rddKinds.MapPartitionsRDD<U, T>(this, mode, shipInternal(f, env, op), preserves, true);
  }

  /** Each partition as one array. */
  glom(): RDD<T[]> {
    return this.internal<T[]>('partitions', (it: Iterable<unknown>) => [Array.from(it)], {}, 'glom');
  }

  /** Distinct elements by value; no shuffle when already hash-partitioned into `numPartitions`. */
  distinct(numPartitions?: number): RDD<T> {
    const n = numPartitions ?? this.defaultPartitionCount();
    const p = this.partitioner;
    if (p instanceof HashPartitioner && p.numPartitions === n) {
      return this.internal<T>('partitions', function* (it: Iterable<unknown>) {
        const seen = new KeySet();
        for (const x of it) if (!seen.has(x)) { seen.add(x); yield x; }
      }, { KeySet: moduleRef(KEYS_URL, 'KeySet') }, 'distinct', true);
    }
    return this.internal<[T, null]>('map', (x: unknown) => [x, null], {}, 'distinct')
      .asPair()
      .reduceByKey((a: null) => a, n)
      .keys() as unknown as RDD<T>;
  }

  /** Elements of both RDDs (duplicates kept); keeps a shared partitioner. */
  union(other: RDD<T>): RDD<T> {
    this.sameContext(other);
    return new rddKinds.UnionRDD<T>(this._ctx, [this, other]);
  }

  /** Elements in both RDDs, without duplicates. */
  intersection(other: RDD<T>, numPartitions?: number): RDD<T> {
    this.sameContext(other);
    const n = numPartitions ?? Math.max(this.defaultPartitionCount(), other.defaultPartitionCount());
    const a = this.internal<[T, null]>('map', (x: unknown) => [x, null], {}, 'intersection').asPair();
    const b = other.internal<[T, null]>('map', (x: unknown) => [x, null], {}, 'intersection').asPair();
    return a.cogroup(b, n)
      .internal<T>('flatMap', (kv: [unknown, [unknown[], unknown[]]]) => (kv[1][0].length > 0 && kv[1][1].length > 0 ? [kv[0]] : []), {}, 'intersection');
  }

  /** Elements of this RDD not in `other` (by value). */
  subtract(other: RDD<T>, numPartitions?: number): RDD<T> {
    this.sameContext(other);
    const n = numPartitions ?? this.defaultPartitionCount();
    const a = this.internal<[T, null]>('map', (x: unknown) => [x, null], {}, 'subtract').asPair();
    const b = other.internal<[T, null]>('map', (x: unknown) => [x, null], {}, 'subtract').asPair();
    return a.subtractByKey(b, n).keys() as unknown as RDD<T>;
  }

  /** Every pair [a, b] with a from this RDD and b from `other`. */
  cartesian<U>(other: RDD<U>): RDD<[T, U]> {
    this.sameContext(other);
    return new rddKinds.CartesianRDD<T, U>(this._ctx, this, other);
  }

  /** Pairs the i-th elements of two RDDs with the same number of partitions and elements per partition. */
  zip<U>(other: RDD<U>): RDD<[T, U]> {
    this.sameContext(other);
    return new rddKinds.ZippedPartitionsRDD<T, U>(this._ctx, this, other);
  }

  /** Pairs each element with its index in RDD order (runs a count job first when there is more than one partition). */
  zipWithIndex(): RDD<[T, number]> {
    return new rddKinds.ZippedWithIndexRDD<T>(this);
  }

  /** A random sample: each element kept with probability `fraction` (or drawn Poisson(fraction) times with replacement). */
  sample(withReplacement: boolean, fraction: number, seed: number = Math.floor(Math.random() * 2 ** 31)): RDD<T> {
    if (!(fraction >= 0) || (!withReplacement && fraction > 1)) {
      throw engineError('BAD_ARGUMENT', `sample fraction must be in [0, 1] without replacement or >= 0 with it; got ${fraction}`);
    }
    return this.internal<T>('withIndex', function* (index: number, it: Iterable<unknown>) {
      const rand = seededRandom(seed ^ Math.imul(index + 1, 0x9e3779b1));
      const limit = Math.exp(-fraction);
      for (const x of it) {
        if (!withReplacement) { if (rand() < fraction) yield x; continue; }
        let k = 0, prod = rand();
        while (prod > limit) { k++; prod *= rand(); }
        for (let i = 0; i < k; i++) yield x;
      }
    }, { seed, fraction, withReplacement, seededRandom: moduleRef(RANDOM_URL, 'seededRandom') }, 'sample', true);
  }

  /** Splits into RDDs holding about the given shares of the elements; the splits are disjoint and cover the input. */
  randomSplit(weights: number[], seed: number = Math.floor(Math.random() * 2 ** 31)): RDD<T>[] {
    if (weights.length === 0 || weights.some((w) => !(w >= 0)) || weights.every((w) => w === 0)) {
      throw engineError('BAD_ARGUMENT', `randomSplit weights must be non-negative with a positive sum; got [${weights.join(', ')}]`);
    }
    const total = weights.reduce((a, b) => a + b, 0);
    const bounds = [0];
    for (const w of weights) bounds.push(bounds[bounds.length - 1] + w / total);
    return weights.map((_, i) => this.internal<T>('withIndex', function* (index: number, it: Iterable<unknown>) {
      const rand = seededRandom(seed ^ Math.imul(index + 1, 0x9e3779b1));
      for (const x of it) {
        const u = rand();
        if (u >= lb && (u < ub || (last && u <= ub))) yield x;
      }
    }, { seed, lb: bounds[i], ub: bounds[i + 1], last: i === weights.length - 1, seededRandom: moduleRef(RANDOM_URL, 'seededRandom') }, 'randomSplit', true));
  }

  /** Fewer partitions without a shuffle (contiguous groups), or any number with `shuffle`. */
  coalesce(numPartitions: number, shuffle = false): RDD<T> {
    checkPositiveInt('coalesce numPartitions', numPartitions);
    if (!shuffle) return new rddKinds.CoalescedRDD<T>(this, numPartitions);
    const keyed = this.internal<[number, T]>('withIndex', function* (index: number, it: Iterable<unknown>) {
      let pos = Math.imul(index + 1, 0x9e3779b1) >>> 0;
      for (const x of it) yield [pos++ % n, x];
    }, { n: numPartitions }, 'repartition').asPair();
    return new rddKinds.ShuffledRDD<number, T, T>(keyed, new PartitionIdPassthrough(numPartitions), undefined, false)
      .values() as unknown as RDD<T>;
  }

  /** Exactly `numPartitions` partitions, balanced by a shuffle. */
  repartition(numPartitions: number): RDD<T> {
    checkPositiveInt('repartition numPartitions', numPartitions);
    return this.coalesce(numPartitions, true);
  }

  /** Sorted by `f(x)` (range-partitioned: partition i holds smaller keys than partition i + 1). */
  sortBy<K>(f: (x: T) => K, ascending: boolean | Env = true, numPartitions?: number | Env, env?: Env): RDD<T> {
    // The env argument may come early: sortBy(f, { k }) or sortBy(f, false, { k }).
    if (typeof ascending === 'object') return this.sortBy(f, true, undefined, ascending);
    if (typeof numPartitions === 'object') return this.sortBy(f, ascending, undefined, numPartitions);
    return this.keyBy(f, env).sortByKey(ascending, numPartitions).values() as unknown as RDD<T>;
  }

  /** Pairs [f(x), x]. */
  keyBy<K>(f: (x: T) => K, env?: Env): RDD<[K, T]> {
    const fn = this.ship(f, env, 'keyBy');
    return this.internal<[K, T]>('map', (x: unknown) => [keyFn(x), x], { keyFn: fn }, 'keyBy');
  }

  /** Groups elements by f(x): [key, elements[]]. */
  groupBy<K>(f: (x: T) => K, numPartitions?: number | Env, env?: Env): RDD<[K, T[]]> {
    const a = partArgs(numPartitions, env);
    return this.keyBy(f, a.env).groupByKey(a.part as number | undefined);
  }

  // ---- pair RDD transformations (T = [K, V]) ----

  /** Types this RDD as a pair RDD (a no-op at runtime). */
  asPair<K = K_<T>, V = V_<T>>(): RDD<[K, V]> {
    return this as unknown as RDD<[K, V]>;
  }

  /**
   * Spark's combineByKeyWithClassTag: per key, `createCombiner` on the first value, `mergeValue` on
   * the next ones, `mergeCombiners` across partitions. No shuffle when already partitioned by `part`.
   */
  combineByKey<C>(
    this: RDD<[any, any]>,
    createCombiner: (v: V_<T>) => C,
    mergeValue: (c: C, v: V_<T>) => C,
    mergeCombiners: (a: C, b: C) => C,
    numPartitionsOrPartitioner?: number | Partitioner | Env,
    env?: Env,
    mapSideCombine = true,
  ): RDD<[K_<T>, C]> {
    const a = partArgs(numPartitionsOrPartitioner, env);
    const agg = {
      createCombiner: this.ship(createCombiner, a.env, 'combineByKey'),
      mergeValue: this.ship(mergeValue, a.env, 'combineByKey'),
      mergeCombiners: this.ship(mergeCombiners, a.env, 'combineByKey'),
    };
    return this.combineShipped<C>(agg, this.resolvePartitioner(a.part), mapSideCombine) as RDD<[K_<T>, C]>;
  }

  private combineShipped<C>(this: RDD<[any, any]>, agg: { createCombiner: ShippedFn; mergeValue: ShippedFn; mergeCombiners: ShippedFn }, p: Partitioner, mapSideCombine: boolean): RDD<[unknown, C]> {
    if (this.partitioner !== undefined && this.partitioner.equals(p)) {
      return this.internal<[unknown, C]>('partitions', function* (it: Iterable<[unknown, unknown]>) {
        const m = new KeyMap();
        for (const [k, v] of it) {
          if (m.has(k)) m.set(k, mergeValue(m.get(k), v));
          else m.set(k, createCombiner(v));
        }
        yield* m.entries();
      }, { KeyMap: moduleRef(KEYS_URL, 'KeyMap'), createCombiner: agg.createCombiner, mergeValue: agg.mergeValue }, 'combineByKey', true);
    }
    return new rddKinds.ShuffledRDD<unknown, unknown, C>(this, p, agg, mapSideCombine);
  }

  /** Merges the values of each key with an associative `f`; combines on the map side; no shuffle when already partitioned that way. */
  reduceByKey(this: RDD<[any, any]>, f: (a: V_<T>, b: V_<T>) => V_<T>, numPartitionsOrPartitioner?: number | Partitioner | Env, env?: Env): RDD<[K_<T>, V_<T>]> {
    const a = partArgs(numPartitionsOrPartitioner, env);
    const fn = this.ship(f, a.env, 'reduceByKey');
    const agg = { createCombiner: shipInternal((v: unknown) => v, {}, 'reduceByKey'), mergeValue: fn, mergeCombiners: fn };
    return this.combineShipped(agg, this.resolvePartitioner(a.part), true) as RDD<[K_<T>, V_<T>]>;
  }

  /** All values of each key as an array (no map-side combine, as Spark). */
  groupByKey(this: RDD<[any, any]>, numPartitionsOrPartitioner?: number | Partitioner): RDD<[K_<T>, V_<T>[]]> {
    const agg = {
      createCombiner: shipInternal((v: unknown) => [v], {}, 'groupByKey'),
      mergeValue: shipInternal((c: unknown[], v: unknown) => { c.push(v); return c; }, {}, 'groupByKey'),
      mergeCombiners: shipInternal((a: unknown[], b: unknown[]) => { for (const x of b) a.push(x); return a; }, {}, 'groupByKey'),
    };
    return this.combineShipped(agg, this.resolvePartitioner(numPartitionsOrPartitioner), false) as RDD<[K_<T>, V_<T>[]]>;
  }

  /** Per key: fold values into a copy of `zero` with `seqOp`, merge partials with `combOp`. */
  aggregateByKey<U>(this: RDD<[any, any]>, zero: U, seqOp: (acc: U, v: V_<T>) => U, combOp: (a: U, b: U) => U, numPartitionsOrPartitioner?: number | Partitioner | Env, env?: Env): RDD<[K_<T>, U]> {
    const a = partArgs(numPartitionsOrPartitioner, env);
    const seq = this.ship(seqOp, a.env, 'aggregateByKey');
    const agg = {
      createCombiner: shipInternal((v: unknown) => seqFn(typeof zero === 'object' && zero !== null ? structuredClone(zero) : zero, v), { seqFn: seq, zero }, 'aggregateByKey'),
      mergeValue: seq,
      mergeCombiners: this.ship(combOp, a.env, 'aggregateByKey'),
    };
    return this.combineShipped<U>(agg, this.resolvePartitioner(a.part), true) as RDD<[K_<T>, U]>;
  }

  /** Per key: fold values into a copy of `zero` with `f`. */
  foldByKey(this: RDD<[any, any]>, zero: V_<T>, f: (a: V_<T>, b: V_<T>) => V_<T>, numPartitionsOrPartitioner?: number | Partitioner | Env, env?: Env): RDD<[K_<T>, V_<T>]> {
    const a = partArgs(numPartitionsOrPartitioner, env);
    return this.aggregateByKey(zero, f, f, a.part, a.env) as RDD<[K_<T>, V_<T>]>;
  }

  /** [k, f(v)], keeping the partitioner. */
  mapValues<U>(this: RDD<[any, any]>, f: (v: V_<T>) => U, env?: Env): RDD<[K_<T>, U]> {
    const fn = this.ship(f, env, 'mapValues');
    return this.internal<[K_<T>, U]>('map', (kv: [unknown, unknown]) => [kv[0], userFn(kv[1])], { userFn: fn }, 'mapValues', true);
  }

  /** [k, u] for each u of f(v), keeping the partitioner. */
  flatMapValues<U>(this: RDD<[any, any]>, f: (v: V_<T>) => Iterable<U>, env?: Env): RDD<[K_<T>, U]> {
    const fn = this.ship(f, env, 'flatMapValues');
    return this.internal<[K_<T>, U]>('flatMap', (kv: [unknown, unknown]) => {
      const out: unknown[] = [];
      for (const u of userFn(kv[1])) out.push([kv[0], u]);
      return out;
    }, { userFn: fn }, 'flatMapValues', true);
  }

  keys(this: RDD<[any, any]>): RDD<K_<T>> {
    return this.internal<K_<T>>('map', (kv: [unknown, unknown]) => kv[0], {}, 'keys');
  }

  values(this: RDD<[any, any]>): RDD<V_<T>> {
    return this.internal<V_<T>>('map', (kv: [unknown, unknown]) => kv[1], {}, 'values');
  }

  /**
   * For each key in any input: [key, [values in this, values in other1, ...]]. The last argument may
   * be a partition count or a Partitioner.
   */
  cogroup(this: RDD<[any, any]>, ...others: (RDD<[any, any]> | number | Partitioner)[]): RDD<[K_<T>, any[][]]> {
    let part: number | Partitioner | undefined;
    const last = others[others.length - 1];
    if (typeof last === 'number' || isPartitioner(last)) {
      part = last;
      others = others.slice(0, -1);
    }
    const rdds = [this, ...(others as RDD<[any, any]>[])];
    for (const r of rdds) this.sameContext(r);
    const p = part === undefined ? defaultPartitioner(this._ctx, rdds) : this.resolvePartitioner(part);
    return new rddKinds.CoGroupedRDD<K_<T>>(this._ctx, rdds, p);
  }

  /** Inner join by key: [k, [v, w]] for every pair of matching values. */
  join<W>(this: RDD<[any, any]>, other: RDD<[K_<T>, W]>, numPartitionsOrPartitioner?: number | Partitioner): RDD<[K_<T>, [V_<T>, W]]> {
    return this.joinWith(other, numPartitionsOrPartitioner, 'inner', 'join') as RDD<[K_<T>, [V_<T>, W]]>;
  }

  /** [k, [v, w | null]]: every key of this RDD. */
  leftOuterJoin<W>(this: RDD<[any, any]>, other: RDD<[K_<T>, W]>, numPartitionsOrPartitioner?: number | Partitioner): RDD<[K_<T>, [V_<T>, W | null]]> {
    return this.joinWith(other, numPartitionsOrPartitioner, 'left', 'leftOuterJoin') as RDD<[K_<T>, [V_<T>, W | null]]>;
  }

  /** [k, [v | null, w]]: every key of `other`. */
  rightOuterJoin<W>(this: RDD<[any, any]>, other: RDD<[K_<T>, W]>, numPartitionsOrPartitioner?: number | Partitioner): RDD<[K_<T>, [V_<T> | null, W]]> {
    return this.joinWith(other, numPartitionsOrPartitioner, 'right', 'rightOuterJoin') as RDD<[K_<T>, [V_<T> | null, W]]>;
  }

  /** [k, [v | null, w | null]]: every key of either. */
  fullOuterJoin<W>(this: RDD<[any, any]>, other: RDD<[K_<T>, W]>, numPartitionsOrPartitioner?: number | Partitioner): RDD<[K_<T>, [V_<T> | null, W | null]]> {
    return this.joinWith(other, numPartitionsOrPartitioner, 'full', 'fullOuterJoin') as RDD<[K_<T>, [V_<T> | null, W | null]]>;
  }

  private joinWith(this: RDD<[any, any]>, other: RDD<[any, any]>, part: number | Partitioner | undefined, how: string, op: string): RDD<unknown> {
    const cg = part === undefined ? this.cogroup(other) : this.cogroup(other, part);
    return cg.internal('flatMap', (kv: [unknown, [unknown[], unknown[]]]) => {
      const [k, [vs, ws]] = kv;
      const out: unknown[] = [];
      if (vs.length > 0 && ws.length > 0) { for (const v of vs) for (const w of ws) out.push([k, [v, w]]); }
      else if (vs.length > 0 && (how === 'left' || how === 'full')) { for (const v of vs) out.push([k, [v, null]]); }
      else if (ws.length > 0 && (how === 'right' || how === 'full')) { for (const w of ws) out.push([k, [null, w]]); }
      return out;
    }, { how }, op, true);
  }

  /** Pairs of this RDD whose key is not in `other`. */
  subtractByKey<W>(this: RDD<[any, any]>, other: RDD<[K_<T>, W]>, numPartitionsOrPartitioner?: number | Partitioner): RDD<[K_<T>, V_<T>]> {
    const cg = numPartitionsOrPartitioner === undefined ? this.cogroup(other) : this.cogroup(other, numPartitionsOrPartitioner);
    return cg.internal('flatMap', (kv: [unknown, [unknown[], unknown[]]]) => {
      const [k, [vs, ws]] = kv;
      return ws.length > 0 ? [] : vs.map((v) => [k, v]);
    }, {}, 'subtractByKey', true);
  }

  /** Sorted by key (range-partitioned after a sampling job; `compare` defaults to value order of keys). */
  sortByKey(this: RDD<[any, any]>, ascending = true, numPartitions?: number, compare?: Comparator<K_<T>>, env?: Env): RDD<[K_<T>, V_<T>]> {
    const n = numPartitions ?? this.defaultPartitionCount();
    checkPositiveInt('sortByKey numPartitions', n);
    const ordering = compare === undefined ? undefined : this.ship(compare, env, 'sortByKey');
    return new rddKinds.ShuffledRDD<K_<T>, V_<T>, V_<T>>(this, new RangeSampling(n, this), undefined, false, { ordering, ascending, live: compare });
  }

  /** Repartitioned by `partitioner`; the same RDD when it already is. */
  partitionBy(this: RDD<[any, any]>, partitioner: Partitioner | number): RDD<T> {
    const p = this.resolvePartitioner(partitioner);
    if (this.partitioner !== undefined && this.partitioner.equals(p)) return this as unknown as RDD<T>;
    return new rddKinds.ShuffledRDD<unknown, unknown, unknown>(this, p, undefined, false) as unknown as RDD<T>;
  }

  /** Repartitions by `partitioner` and sorts each partition by key within the shuffle. */
  repartitionAndSortWithinPartitions(this: RDD<[any, any]>, partitioner: Partitioner | number, compare?: Comparator<K_<T>>, env?: Env): RDD<T> {
    const p = this.resolvePartitioner(partitioner);
    const ordering = compare === undefined ? undefined : this.ship(compare, env, 'repartitionAndSortWithinPartitions');
    return new rddKinds.ShuffledRDD<unknown, unknown, unknown>(this, p, undefined, false, { ordering, ascending: true }) as unknown as RDD<T>;
  }

  // ---- actions ----

  /** All elements, in partition order. */
  async collect(): Promise<T[]> {
    const parts = await this._ctx.runJob<T[]>(this, 'collect', {});
    if (parts.length === 1) return parts[0];
    const out: T[] = [];
    for (const p of parts) for (let i = 0; i < p.length; i++) out.push(p[i]);
    return out;
  }

  async count(): Promise<number> {
    const parts = await this._ctx.runJob<number>(this, 'count', {});
    return parts.reduce((a, b) => a + b, 0);
  }

  /** The first element; throws EMPTY_COLLECTION when there is none. */
  async first(): Promise<T> {
    const xs = await this.take(1);
    if (xs.length === 0) throw engineError('EMPTY_COLLECTION', `first() on ${this}: the RDD is empty; use take(1) to allow an empty result`);
    return xs[0];
  }

  /** The first `n` elements, scanning as few partitions as it can (1, then 4x more per round, as Spark). */
  async take(n: number): Promise<T[]> {
    if (!Number.isInteger(n) || n < 0) throw engineError('BAD_ARGUMENT', `take(n) needs a non-negative integer; got ${n}`);
    const out: T[] = [];
    if (n === 0) return out;
    await this.prepare();
    const total = this.partitions.length;
    let scanned = 0;
    while (out.length < n && scanned < total) {
      let tries = 1;
      if (scanned > 0) {
        tries = out.length === 0 ? scanned * 4 : Math.max(1, Math.min(Math.ceil((1.5 * n * scanned) / out.length) - scanned, scanned * 4));
      }
      const parts: number[] = [];
      for (let p = scanned; p < Math.min(total, scanned + tries); p++) parts.push(p);
      const res = await this._ctx.runJob<T[]>(this, 'take', { n: n - out.length }, parts);
      for (const r of res) for (const x of r) if (out.length < n) out.push(x);
      scanned += parts.length;
    }
    return out;
  }

  /** The `n` smallest elements by `compare` (default: value order), sorted. */
  async takeOrdered(n: number, compare?: Comparator<T>, env?: Env): Promise<T[]> {
    if (!Number.isInteger(n) || n < 0) throw engineError('BAD_ARGUMENT', `takeOrdered(n) needs a non-negative integer; got ${n}`);
    if (n === 0) return [];
    const cmp = compare ?? (compareKeys as Comparator<T>);
    const shipped = compare === undefined ? undefined : this.ship(compare, env, 'takeOrdered');
    const parts = await this._ctx.runJob<T[]>(this, 'takeOrdered', { n, cmp: shipped });
    return parts.flat(1).sort(cmp as (a: unknown, b: unknown) => number).slice(0, n) as T[];
  }

  /** The `n` largest elements by `compare` (default: value order), largest first. */
  async top(n: number, compare?: Comparator<T>, env?: Env): Promise<T[]> {
    if (!Number.isInteger(n) || n < 0) throw engineError('BAD_ARGUMENT', `top(n) needs a non-negative integer; got ${n}`);
    if (n === 0) return [];
    if (compare === undefined) return this.takeOrdered(n, (a, b) => compareKeys(b, a), { compareKeys: moduleRef(KEYS_URL, 'compareKeys') });
    const shipped = this.ship(compare, env, 'top');
    const rev = (a: T, b: T) => compare(b, a);
    const parts = await this._ctx.runJob<T[]>(this, 'takeOrdered', { n, cmp: shipped, reverse: true });
    return parts.flat(1).sort(rev).slice(0, n);
  }

  /** Merges all elements with an associative, commutative `f`; throws EMPTY_COLLECTION on an empty RDD. */
  async reduce(f: (a: T, b: T) => T, env?: Env): Promise<T> {
    const shipped = this.ship(f, env, 'reduce');
    const parts = await this._ctx.runJob<{ has: boolean; value: T }>(this, 'reduce', { f: shipped });
    let has = false;
    let acc: T | undefined;
    for (const p of parts) {
      if (!p.has) continue;
      acc = has ? f(acc as T, p.value) : p.value;
      has = true;
    }
    if (!has) throw engineError('EMPTY_COLLECTION', `reduce on ${this}: the RDD is empty, so there is nothing to reduce; use fold(zero, f) to allow empty input`);
    return acc as T;
  }

  /** Folds each partition into a fresh copy of `zero`, then the partial results into another copy. */
  async fold(zero: T, f: (a: T, b: T) => T, env?: Env): Promise<T> {
    const shipped = this.ship(f, env, 'fold');
    const parts = await this._ctx.runJob<T>(this, 'aggregate', { zero, seqOp: shipped });
    let acc = cloneZero(zero);
    for (const p of parts) acc = f(acc, p);
    return acc;
  }

  /** Aggregates each partition from a copy of `zero` with `seqOp`, then merges partials with `combOp`. */
  async aggregate<U>(zero: U, seqOp: (acc: U, x: T) => U, combOp: (a: U, b: U) => U, env?: Env): Promise<U> {
    const shipped = this.ship(seqOp, env, 'aggregate');
    this.ship(combOp, env, 'aggregate');
    const parts = await this._ctx.runJob<U>(this, 'aggregate', { zero, seqOp: shipped });
    let acc = cloneZero(zero);
    for (const p of parts) acc = combOp(acc, p);
    return acc;
  }

  /** aggregate with partials merged in a tree of shuffles of the given depth, so the driver merges few values. */
  async treeAggregate<U>(zero: U, seqOp: (acc: U, x: T) => U, combOp: (a: U, b: U) => U, depth = 2, env?: Env): Promise<U> {
    checkPositiveInt('treeAggregate depth', depth);
    const seq = this.ship(seqOp, env, 'treeAggregate');
    const comb = this.ship(combOp, env, 'treeAggregate');
    let partial: RDD<U> = this.internal<U>('partitions', (it: Iterable<unknown>) => {
      let acc = typeof zero === 'object' && zero !== null ? structuredClone(zero) : zero;
      for (const x of it) acc = seqFn(acc, x);
      return [acc];
    }, { zero, seqFn: seq }, 'treeAggregate');
    let num = await partial.getNumPartitions();
    const scale = Math.max(Math.ceil(Math.pow(num, 1 / depth)), 2);
    while (num > scale + Math.ceil(num / scale)) {
      num = Math.ceil(num / scale);
      const cur = num;
      partial = partial.internal<[number, U]>('withIndex', function* (i: number, it: Iterable<unknown>) {
        for (const x of it) yield [i % cur, x];
      }, { cur }, 'treeAggregate')
        .asPair()
        .combineShipped<U>({ createCombiner: shipInternal((v: unknown) => v, {}, 'treeAggregate'), mergeValue: comb, mergeCombiners: comb }, new HashPartitioner(cur), true)
        .values() as unknown as RDD<U>;
    }
    const parts = await partial.collect();
    let acc = cloneZero(zero);
    for (const p of parts) acc = combOp(acc, p);
    return acc;
  }

  /** Runs `f` on every element (on executors); an async `f` is awaited element by element. */
  async foreach(f: (x: T) => void, env?: Env): Promise<void> {
    await this._ctx.runJob(this, 'foreach', { f: this.ship(f, env, 'foreach') });
  }

  /** Runs `f` on each partition's iterator (on executors); `f` may be async. */
  async foreachPartition(f: (it: Iterator<T> & Iterable<T>, tc: TaskContext) => void | Promise<void>, env?: Env): Promise<void> {
    await this._ctx.runJob(this, 'foreachPartition', { f: this.ship(f, env, 'foreachPartition') });
  }

  /** Count of each distinct element (by value). */
  async countByValue(): Promise<KeyMap<T, number>> {
    const parts = await this._ctx.runJob<[T, number][]>(this, 'countByValue', {});
    const m = new KeyMap<T, number>();
    for (const part of parts) for (const [k, c] of part) m.set(k, (m.get(k) ?? 0) + c);
    return m;
  }

  /** Count of values per key. */
  async countByKey(this: RDD<[any, any]>): Promise<KeyMap<K_<T>, number>> {
    const pairs = await this.internal<[unknown, number]>('map', (kv: [unknown, unknown]) => [kv[0], 1], {}, 'countByKey')
      .asPair().reduceByKey((a: number, b: number) => a + b).collect();
    return new KeyMap(pairs as [K_<T>, number][]);
  }

  /** The pairs as a value-keyed map (a later pair wins for a repeated key). */
  async collectAsMap(this: RDD<[any, any]>): Promise<KeyMap<K_<T>, V_<T>>> {
    return new KeyMap((await this.collect()) as [K_<T>, V_<T>][]);
  }

  /** Values of `key`; reads one partition when the partitioner is known. */
  async lookup(this: RDD<[any, any]>, key: K_<T>): Promise<V_<T>[]> {
    const p = this.partitioner;
    const matching = this.internal<unknown>('flatMap', (kv: [unknown, unknown]) => (keyEquals(kv[0], key) ? [kv[1]] : []), { key, keyEquals: moduleRef(KEYS_URL, 'keyEquals') }, 'lookup');
    if (p === undefined) return (await matching.collect()) as V_<T>[];
    const parts = await this._ctx.runJob<unknown[]>(matching, 'collect', {}, [p.getPartition(key)]);
    return parts.flat(1) as V_<T>[];
  }

  async isEmpty(): Promise<boolean> {
    await this.prepare();
    return this.partitions.length === 0 || (await this.take(1)).length === 0;
  }

  /** The largest element by `compare` (default value order); throws EMPTY_COLLECTION when empty. */
  async max(compare?: Comparator<T>, env?: Env): Promise<T> {
    const cmp = compare ?? (compareKeys as Comparator<T>);
    const shipped = compare === undefined ? undefined : this.ship(compare, env, 'max');
    return this.extreme(cmp, shipped, 1, 'max');
  }

  /** The smallest element by `compare` (default value order); throws EMPTY_COLLECTION when empty. */
  async min(compare?: Comparator<T>, env?: Env): Promise<T> {
    const cmp = compare ?? (compareKeys as Comparator<T>);
    const shipped = compare === undefined ? undefined : this.ship(compare, env, 'min');
    return this.extreme(cmp, shipped, -1, 'min');
  }

  private async extreme(cmp: Comparator<T>, shipped: ShippedFn | undefined, sign: number, op: string): Promise<T> {
    const parts = await this._ctx.runJob<{ has: boolean; value: T }>(this, 'extreme', { cmp: shipped, sign });
    let has = false;
    let best: T | undefined;
    for (const p of parts) {
      if (!p.has) continue;
      if (!has || sign * cmp(p.value, best as T) > 0) best = p.value;
      has = true;
    }
    if (!has) throw engineError('EMPTY_COLLECTION', `${op}() on ${this}: the RDD is empty`);
    return best as T;
  }

  /** Sum of a numeric RDD (0 when empty). */
  async sum(this: RDD<number>): Promise<number> {
    return (await this.stats()).sum;
  }

  /** Mean of a numeric RDD; throws EMPTY_COLLECTION when empty. */
  async mean(this: RDD<number>): Promise<number> {
    const s = await this.stats();
    if (s.count === 0) throw engineError('EMPTY_COLLECTION', `mean() on ${this}: the RDD is empty`);
    return s.mean;
  }

  /** Population variance of a numeric RDD. */
  async variance(this: RDD<number>): Promise<number> {
    return (await this.stats()).variance;
  }

  /** Population standard deviation of a numeric RDD. */
  async stdev(this: RDD<number>): Promise<number> {
    return (await this.stats()).stdev;
  }

  /** Sample variance (n - 1 in the denominator). */
  async sampleVariance(this: RDD<number>): Promise<number> {
    return (await this.stats()).sampleVariance;
  }

  /** Sample standard deviation (n - 1 in the denominator). */
  async sampleStdev(this: RDD<number>): Promise<number> {
    return (await this.stats()).sampleStdev;
  }

  /** Count, mean, variance, min, max and sum in one pass. */
  async stats(this: RDD<number>): Promise<StatCounter> {
    const parts = await this._ctx.runJob<ReturnType<StatCounter['toJSON']>>(this, 'stats', {});
    const s = new StatCounter();
    for (const p of parts) s.merge(StatCounter.fromJSON(p));
    return s;
  }

  /**
   * Writes each partition as `part-NNNNN` (one line per element, String(x)) plus `_SUCCESS` into
   * the directory `path`, through a temporary directory renamed into place only when every task
   * succeeded: a failed job leaves nothing at `path`.
   */
  async saveAsTextFile(path: string): Promise<void> {
    await this._ctx.saveAsTextFile(this, path);
  }

  /** Iterates all elements on the driver, holding one partition at a time (one job per partition). */
  async *toLocalIterator(): AsyncGenerator<T> {
    await this.prepare();
    const n = this.partitions.length;
    for (let p = 0; p < n; p++) {
      const [part] = await this._ctx.runJob<T[]>(this, 'collect', {}, [p]);
      yield* part;
    }
  }

  // ---- helpers ----

  /** The partition count a shuffle uses when none is given: flint.default.parallelism if set, else this RDD's count when known, else defaultParallelism. */
  defaultPartitionCount(): number {
    const conf = this._ctx.conf.getNumber('flint.default.parallelism', 0);
    if (conf > 0) return conf;
    return this.knownNumPartitions() ?? this.partitioner?.numPartitions ?? this._ctx.defaultParallelism;
  }

  private resolvePartitioner(part: number | Partitioner | undefined): Partitioner {
    if (part === undefined) return defaultPartitioner(this._ctx, [this]);
    if (typeof part === 'number') return new HashPartitioner(checkPositiveInt('numPartitions', part));
    if (!isPartitioner(part)) throw engineError('BAD_ARGUMENT', `expected a partition count or a Partitioner; got ${typeof part}`);
    return part;
  }

  protected sameContext(other: RDD<any>): void {
    if (!(other instanceof RDD)) throw engineError('BAD_ARGUMENT', `expected an RDD; got ${other === null ? 'null' : typeof other}`);
    if (other._ctx !== this._ctx) throw engineError('FOREIGN_RDD', `${other} belongs to another FlintContext than ${this}; RDDs of different contexts cannot be combined`);
  }
}

/** Spark's defaultPartitioner: an existing partitioner of the inputs (the one with most partitions), else a HashPartitioner. */
export function defaultPartitioner(ctx: FlintContext, rdds: RDD<any>[]): Partitioner {
  const withP = rdds.filter((r) => r.partitioner !== undefined && r.partitioner.numPartitions > 0);
  if (withP.length > 0) {
    return withP.reduce((a, b) => (b.partitioner!.numPartitions > a.partitioner!.numPartitions ? b : a)).partitioner!;
  }
  const conf = ctx.conf.getNumber('flint.default.parallelism', 0);
  if (conf > 0) return new HashPartitioner(conf);
  const known = rdds.map((r) => r.knownNumPartitions()).filter((n): n is number => n !== undefined && n > 0);
  return new HashPartitioner(known.length > 0 ? Math.max(...known) : ctx.defaultParallelism);
}

// Names that internal functions above read from their env on executors (declared for the type checker only).
declare const mergeValue: (c: unknown, v: unknown) => unknown;
declare const createCombiner: (v: unknown) => unknown;
declare const keyFn: (x: unknown) => unknown;
declare const lb: number;
declare const ub: number;
declare const last: boolean;
declare const n: number;
declare const seqFn: (acc: any, x: unknown) => any;
declare const userFn: (v: unknown) => any;
