/**
 * The RDD base class: an immutable, partitioned, lazily computed collection, its transformations and
 * actions. As in Spark, the operations of pair RDDs live in PairRDDFunctions.ts and those of numeric
 * RDDs in DoubleRDDFunctions.ts; both are installed on RDD.prototype, so `rdd.reduceByKey(...)` and
 * `rdd.mean()` are called on the RDD itself, typed by `this` (RDD<[K, V]>, RDD<number>).
 */
import { engineError } from '../catalogue.ts';
import { shipFunction, shipInternal, moduleRef, callSite, type ShippedFn } from '../serde/closure.ts';
import { compareKeys, KeyMap, KeySet, resultMap } from '../serde/keys.ts';
import { StorageLevel } from '../storage/StorageLevel.ts';
import type { Partitioner } from '../shuffle/api.ts';
import type { TaskContext } from '../executor/TaskContext.ts';
import type { FlintContext } from '../context.ts';
import { Dependency, OneToOneDependency } from './Dependency.ts';
import { checkOptions, isOptionsObject, type GroupByOptions, type MapPartitionsOptions, type SortOptions } from './options.ts';
import { HashPartitioner, PartitionIdPassthrough, shippablePartitioner } from './Partitioner.ts';
import { seededRandom } from './random.ts';
import { rddKinds } from './kinds.ts';
import { BlockCache } from './blockCache.ts';
import type { Iter } from './iter.ts';
import { moduleUrl } from '../moduleUrl.ts';

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
export type KeyOf<T> = T extends readonly [infer K, unknown] ? K : never;
export type ValueOf<T> = T extends readonly [unknown, infer V] ? V : never;
type K_<T> = KeyOf<T>;
type V_<T> = ValueOf<T>;

export const KEYS_URL = moduleUrl('../serde/keys.ts', import.meta.url);
const RANDOM_URL = moduleUrl('./random.ts', import.meta.url);

/** A fresh copy of an aggregation's zero value (objects are cloned: each partition folds into its own). */
export function cloneZero<T>(zero: T): T {
  return typeof zero === 'object' && zero !== null ? structuredClone(zero) : zero;
}

/** `n`, or BAD_ARGUMENT naming `what` when it is not a positive integer. */
export function checkPositiveInt(what: string, n: unknown): number {
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
  /** Set once prepare() has finished: partitions can be read synchronously. */
  private _preparedDone = false;
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
        this._preparedDone = true;
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

  /**
   * The number of partitions, synchronously as Spark's: known without I/O for parallelize, range,
   * emptyRDD, shuffles (sortBy included: its count is the one asked for), unions, coalesce, zips,
   * cartesian, checkpoints and narrow transformations of them. A file source's count comes from
   * listing and splitting its files, which Flint does not do synchronously (it would block the
   * event loop), so until a job or getNumPartitionsAsync() has planned it this throws
   * PARTITIONS_NOT_PLANNED naming the async form.
   */
  getNumPartitions(): number {
    const n = this._checkpoint?.rdd !== undefined ? this._checkpoint.rdd.partitions.length : this.knownNumPartitions();
    if (n !== undefined) return n;
    if (this.plannedWithoutIO()) return this.partitions.length;
    throw engineError('PARTITIONS_NOT_PLANNED',
      `getNumPartitions() on ${this}: its partitions are not planned yet (a file source lists and splits its files first, which is I/O); ` +
      `use await rdd.getNumPartitionsAsync(), which plans them, or call getNumPartitions() after an action has run`);
  }

  /** The number of partitions, planning the lineage first (lists a file source's files): works for every RDD. */
  async getNumPartitionsAsync(): Promise<number> {
    await this.prepare();
    return this.partitions.length;
  }

  /** Whether `partitions` can be read now without I/O: every RDD of the lineage is prepared or has no planning work. */
  private plannedWithoutIO(): boolean {
    if (this._preparedDone) return true;
    if (this.doPrepare !== RDD.prototype.doPrepare) return false;
    return this.dependencies.every((d) => d.rdd.plannedWithoutIO());
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

  // ---- shipping helpers (engine-internal: PairRDDFunctions and DoubleRDDFunctions use them too) ----

  /** A user function checked and encoded for executors (fails at the call site naming outside variables missing from `env`). */
  ship(f: unknown, env: Env | undefined, op: string): ShippedFn {
    return shipFunction(f, env, op);
  }

  /** A child built from an engine function (not checked as user code) over this RDD's partitions. */
  internal<U>(mode: 'map' | 'flatMap' | 'filter' | 'partitions' | 'withIndex', f: Function, env: Env, op: string, preserves = false): RDD<U> {
    return new rddKinds.MapPartitionsRDD<U, T>(this, mode, shipInternal(f, env, op), preserves, true);
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
   * (see runPartitionFn in iter.ts). Forms: `(f, env?, { preservesPartitioning }?)`, and PySpark's
   * `(f, preservesPartitioning)`.
   */
  mapPartitions<U>(f: PartitionFn<T, U>, preservesPartitioning: boolean): RDD<U>;
  mapPartitions<U>(f: PartitionFn<T, U>, env?: Env, options?: MapPartitionsOptions): RDD<U>;
  mapPartitions<U>(f: PartitionFn<T, U>, envOrPreserves?: Env | boolean, options?: MapPartitionsOptions): RDD<U> {
    const a = readMapPartitionsArgs('mapPartitions', envOrPreserves, options);
    return new rddKinds.MapPartitionsRDD<U, T>(this, 'partitions', this.ship(f, a.env, 'mapPartitions'), a.preserves);
  }

  /** mapPartitions with the partition index first: `f(index, it, tc)`; the same forms as mapPartitions. */
  mapPartitionsWithIndex<U>(f: IndexedPartitionFn<T, U>, preservesPartitioning: boolean): RDD<U>;
  mapPartitionsWithIndex<U>(f: IndexedPartitionFn<T, U>, env?: Env, options?: MapPartitionsOptions): RDD<U>;
  mapPartitionsWithIndex<U>(f: IndexedPartitionFn<T, U>, envOrPreserves?: Env | boolean, options?: MapPartitionsOptions): RDD<U> {
    const a = readMapPartitionsArgs('mapPartitionsWithIndex', envOrPreserves, options);
    return new rddKinds.MapPartitionsRDD<U, T>(this, 'withIndex', this.ship(f, a.env, 'mapPartitionsWithIndex'), a.preserves);
  }

  /** Each partition as one array. */
  glom(): RDD<T[]> {
    return this.internal<T[]>('partitions', (it: Iterable<unknown>) => [Array.from(it)], {}, 'glom');
  }

  /** Distinct elements by value; no shuffle when already hash-partitioned into `numPartitions`. */
  distinct(numPartitions?: number): RDD<T> {
    const n = numPartitions === undefined ? this.defaultPartitionCount() : checkPositiveInt('distinct numPartitions', numPartitions);
    const p = this.partitioner;
    if (p instanceof HashPartitioner && p.numPartitions === n) {
      return this.internal<T>('partitions', function* (it: Iterable<unknown>) {
        const seen = new KeySet();
        for (const x of it) if (!seen.has(x)) { seen.add(x); yield x; }
      }, { KeySet: moduleRef(KEYS_URL, 'KeySet') }, 'distinct', true);
    }
    return this.internal<[T, null]>('map', (x: unknown) => [x, null], {}, 'distinct')
      .asPair()
      .reduceByKey((a: null) => a, new HashPartitioner(n))
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
    const n = numPartitions === undefined ? Math.max(this.defaultPartitionCount(), other.defaultPartitionCount()) : checkPositiveInt('intersection numPartitions', numPartitions);
    const a = this.internal<[T, null]>('map', (x: unknown) => [x, null], {}, 'intersection').asPair();
    const b = other.internal<[T, null]>('map', (x: unknown) => [x, null], {}, 'intersection').asPair();
    return a.cogroup(b, new HashPartitioner(n))
      .internal<T>('flatMap', (kv: [unknown, [unknown[], unknown[]]]) => (kv[1][0].length > 0 && kv[1][1].length > 0 ? [kv[0]] : []), {}, 'intersection');
  }

  /** Elements of this RDD not in `other` (by value). */
  subtract(other: RDD<T>, numPartitions?: number): RDD<T> {
    this.sameContext(other);
    const n = numPartitions === undefined ? this.defaultPartitionCount() : checkPositiveInt('subtract numPartitions', numPartitions);
    const a = this.internal<[T, null]>('map', (x: unknown) => [x, null], {}, 'subtract').asPair();
    const b = other.internal<[T, null]>('map', (x: unknown) => [x, null], {}, 'subtract').asPair();
    return a.subtractByKey(b, new HashPartitioner(n)).keys() as unknown as RDD<T>;
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

  /**
   * Sorted by `f(x)` (range-partitioned: partition i holds smaller keys than partition i + 1).
   * Forms: PySpark's `(f, ascending?, numPartitions?, env?)`, or `(f, { ascending, numPartitions, env })`.
   */
  sortBy<K>(f: (x: T) => K, options: Omit<SortOptions, 'compare'>): RDD<T>;
  sortBy<K>(f: (x: T) => K, ascending?: boolean, numPartitions?: number, env?: Env): RDD<T>;
  sortBy<K>(f: (x: T) => K, ascendingOrOptions?: boolean | Omit<SortOptions, 'compare'>, numPartitions?: number, env?: Env): RDD<T> {
    let ascending = ascendingOrOptions as boolean | undefined;
    if (isOptionsObject(ascendingOrOptions)) {
      if (numPartitions !== undefined || env !== undefined) throw engineError('BAD_ARGUMENT', 'sortBy: with an options object, give numPartitions and env in it');
      ({ ascending, numPartitions, env } = checkOptions<SortOptions>('sortBy', ascendingOrOptions, ['ascending', 'numPartitions', 'env']));
    }
    return this.keyBy(f, env).sortByKey(ascending ?? true, numPartitions).values() as unknown as RDD<T>;
  }

  /** Pairs [f(x), x]. */
  keyBy<K>(f: (x: T) => K, env?: Env): RDD<[K, T]> {
    const fn = this.ship(f, env, 'keyBy');
    return this.internal<[K, T]>('map', (x: unknown) => [keyFn(x), x], { keyFn: fn }, 'keyBy');
  }

  /** Groups elements by f(x): [key, elements[]]. Forms: `(f, numPartitions?, env?)`, or `(f, { numPartitions, env })`. */
  groupBy<K>(f: (x: T) => K, options: GroupByOptions): RDD<[K, T[]]>;
  groupBy<K>(f: (x: T) => K, numPartitions?: number, env?: Env): RDD<[K, T[]]>;
  groupBy<K>(f: (x: T) => K, numPartitionsOrOptions?: number | GroupByOptions, env?: Env): RDD<[K, T[]]> {
    let numPartitions = numPartitionsOrOptions as number | undefined;
    if (isOptionsObject(numPartitionsOrOptions)) {
      if (env !== undefined) throw engineError('BAD_ARGUMENT', 'groupBy: env was given both in the options and as the next argument; give it once, in the options');
      ({ numPartitions, env } = checkOptions<GroupByOptions>('groupBy', numPartitionsOrOptions, ['numPartitions', 'env']));
    }
    return this.keyBy(f, env).groupByKey(numPartitions);
  }

  /** Types this RDD as a pair RDD (a no-op at runtime). */
  asPair<K = K_<T>, V = V_<T>>(): RDD<[K, V]> {
    return this as unknown as RDD<[K, V]>;
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
    const parts = await this._ctx.runJob<T>(this, 'aggregate', { zero, seqOp: shipped, op: 'fold' });
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
    let num = await partial.getNumPartitionsAsync();
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

  /**
   * `num` elements drawn at random (PySpark's takeSample): without replacement, distinct elements
   * (all of them, shuffled, when `num` >= count); with replacement, elements may repeat and `num`
   * may exceed the count. As PySpark does, it counts the RDD, samples it with a fraction chosen so
   * that the sample is at least `num` with high probability (resampling with a new seed in the rare
   * case it is short), shuffles the sample and takes `num`. The same seed gives the same result for
   * the same partitioning.
   */
  async takeSample(withReplacement: boolean, num: number, seed: number = Math.floor(Math.random() * 2 ** 31)): Promise<T[]> {
    if (typeof withReplacement !== 'boolean') throw engineError('BAD_ARGUMENT', `takeSample(withReplacement, num, seed?): withReplacement must be a boolean; got ${typeof withReplacement}`);
    if (!Number.isInteger(num) || num < 0) throw engineError('BAD_ARGUMENT', `takeSample: num must be a non-negative integer; got ${String(num)}`);
    if (!Number.isFinite(seed)) throw engineError('BAD_ARGUMENT', `takeSample: seed must be a finite number; got ${String(seed)}`);
    if (num === 0) return [];
    const total = await this.count();
    if (total === 0) return [];
    const rand = seededRandom(seed);
    const shuffle = (xs: T[]): T[] => {
      for (let i = xs.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        const t = xs[i]; xs[i] = xs[j]; xs[j] = t;
      }
      return xs;
    };
    if (!withReplacement && num >= total) return shuffle(await this.collect());
    const fraction = sampleFraction(num, total, withReplacement);
    let samples = await this.sample(withReplacement, fraction, seed).collect();
    // Short only with tiny probability (the fraction over-samples by several standard deviations).
    for (let tries = 0; samples.length < num; tries++) {
      if (tries >= 100) throw engineError('INTERNAL', `takeSample: ${tries} samples of ${this} with fraction ${fraction} were all shorter than ${num}`);
      samples = await this.sample(withReplacement, fraction, Math.floor(rand() * 2 ** 31)).collect();
    }
    return shuffle(samples).slice(0, num);
  }

  /** Count of each distinct element (by value): a Map (a KeyMap, whose composite keys compare by value, when an element is an array, object or Date). */
  async countByValue(): Promise<Map<T, number>> {
    const parts = await this._ctx.runJob<[T, number][]>(this, 'countByValue', {});
    const m = new KeyMap<T, number>();
    for (const part of parts) for (const [k, c] of part) m.set(k, (m.get(k) ?? 0) + c);
    return resultMap(m);
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

  /**
   * The partition count a shuffle uses when none is given: flint.default.parallelism if set, else
   * this RDD's count when known (0 for an RDD without partitions: its shuffle is empty too, as
   * Spark's), else defaultParallelism.
   */
  defaultPartitionCount(): number {
    const conf = this._ctx.conf.getNumber('flint.default.parallelism', 0);
    if (conf > 0) return conf;
    return this.knownNumPartitions() ?? this.partitioner?.numPartitions ?? this._ctx.defaultParallelism;
  }

  /** The partitioner a shuffle uses: `part` as a HashPartitioner count or a Partitioner, else defaultPartitioner. */
  resolvePartitioner(part: number | Partitioner | undefined): Partitioner {
    if (part === undefined) return defaultPartitioner(this._ctx, [this]);
    if (typeof part === 'number') return new HashPartitioner(checkPositiveInt('numPartitions', part));
    if (typeof part !== 'object' || part === null) throw engineError('BAD_ARGUMENT', `expected a partition count or a Partitioner; got ${part === null ? 'null' : typeof part}`);
    return shippablePartitioner(part, callSite());
  }

  /** Checks that `other` is an RDD of this RDD's context. */
  sameContext(other: RDD<any>): void {
    if (!(other instanceof RDD)) throw engineError('BAD_ARGUMENT', `expected an RDD; got ${other === null ? 'null' : typeof other}`);
    if (other._ctx !== this._ctx) throw engineError('FOREIGN_RDD', `${other} belongs to another FlintContext than ${this}; RDDs of different contexts cannot be combined`);
  }
}

/**
 * Installs the methods of `functions` (a class of RDD operations such as PairRDDFunctions) on
 * RDD.prototype; a name RDD already has throws. The class's type is merged into RDD's by the
 * installing module (`declare module './RDD.ts' { interface RDD<T> extends PairRDDFunctions<T> {} }`).
 */
export function installRDDFunctions(functions: { prototype: object }): void {
  for (const name of Object.getOwnPropertyNames(functions.prototype)) {
    if (name === 'constructor') continue;
    if (Object.prototype.hasOwnProperty.call(RDD.prototype, name)) throw engineError('INTERNAL', `RDD already has a method '${name}'`);
    Object.defineProperty(RDD.prototype, name, Object.getOwnPropertyDescriptor(functions.prototype, name)!);
  }
}

/** A mapPartitions function. */
export type PartitionFn<T, U> = (it: Iterator<T> & Iterable<T>, tc: TaskContext) => Iterable<U> | AsyncIterable<U> | Promise<Iterable<U>>;
/** A mapPartitionsWithIndex function. */
export type IndexedPartitionFn<T, U> = (index: number, it: Iterator<T> & Iterable<T>, tc: TaskContext) => Iterable<U> | AsyncIterable<U> | Promise<Iterable<U>>;

function readMapPartitionsArgs(op: string, envOrPreserves: Env | boolean | undefined, options: MapPartitionsOptions | undefined): { env?: Env; preserves: boolean } {
  if (typeof envOrPreserves === 'boolean') {
    if (options !== undefined) throw engineError('BAD_ARGUMENT', `${op}(f, preservesPartitioning) takes no third argument; write ${op}(f, env, { preservesPartitioning })`);
    return { preserves: envOrPreserves };
  }
  if (options === undefined) return { env: envOrPreserves, preserves: false };
  if (!isOptionsObject(options)) throw engineError('BAD_ARGUMENT', `${op}: the third argument is an options object, { preservesPartitioning: true }; got ${typeof options}`);
  const o = checkOptions<MapPartitionsOptions>(op, options, ['preservesPartitioning']);
  return { env: envOrPreserves, preserves: o.preservesPartitioning === true };
}

/**
 * The sampling fraction that gives at least `num` of `total` elements with high probability
 * (PySpark's RDD._computeFractionForSampleSize): with replacement a Poisson bound, without it a
 * binomial bound with failure probability 5e-5.
 */
export function sampleFraction(num: number, total: number, withReplacement: boolean): number {
  const fraction = num / total;
  if (withReplacement) return fraction + (num < 12 ? 9 : 5) * Math.sqrt(fraction / total);
  const gamma = -Math.log(0.00005) / total;
  return Math.min(1, fraction + gamma + Math.sqrt(gamma * gamma + 2 * gamma * fraction));
}

/** Spark's defaultPartitioner: an existing partitioner of the inputs (the one with most partitions), else a HashPartitioner. */
export function defaultPartitioner(ctx: FlintContext, rdds: RDD<any>[]): Partitioner {
  const withP = rdds.filter((r) => r.partitioner !== undefined && r.partitioner.numPartitions > 0);
  if (withP.length > 0) {
    return withP.reduce((a, b) => (b.partitioner!.numPartitions > a.partitioner!.numPartitions ? b : a)).partitioner!;
  }
  const conf = ctx.conf.getNumber('flint.default.parallelism', 0);
  if (conf > 0) return new HashPartitioner(conf);
  // Inputs without partitions give a shuffle without partitions (Spark's max of the inputs' counts).
  const known = rdds.map((r) => r.knownNumPartitions()).filter((n): n is number => n !== undefined);
  return new HashPartitioner(known.length > 0 ? Math.max(...known) : ctx.defaultParallelism);
}

// Names that internal functions above read from their env on executors (declared for the type checker only).
declare const keyFn: (x: unknown) => unknown;
declare const lb: number;
declare const ub: number;
declare const last: boolean;
declare const n: number;
declare const seqFn: (acc: any, x: unknown) => any;
