/**
 * The operations of pair RDDs (RDD<[K, V]>), as Spark's PairRDDFunctions: combine, reduce, group and
 * aggregate by key, the joins and cogroup, key sorting and partitioning, and the pair actions. They
 * are installed on RDD.prototype when this module loads (engine/rdd/all.ts loads it) and typed on
 * RDD by the declaration below, each with `this: RDD<[K, V]>`, so only a pair RDD offers them.
 */
import { engineError } from '../catalogue.ts';
import { moduleRef, shipInternal, type ShippedFn } from '../serde/closure.ts';
import { keyEquals, KeyMap, resultMap } from '../serde/keys.ts';
import type { Partitioner } from '../shuffle/api.ts';
import { rddKinds } from './kinds.ts';
import { checkOptions, isOptionsObject, readShuffleArgs, type CombineOptions, type ShuffleOptions, type SortOptions } from './options.ts';
import { RangeSampling } from './Partitioner.ts';
import { checkPositiveInt, defaultPartitioner, installRDDFunctions, KEYS_URL, RDD, type Comparator, type Env, type KeyOf, type ValueOf } from './RDD.ts';

type K_<T> = KeyOf<T>;
type V_<T> = ValueOf<T>;

/** Pair RDD operations; `T` is the RDD's element type, [K, V]. */
export class PairRDDFunctions<T> {
  /**
   * Spark's combineByKeyWithClassTag: per key, `createCombiner` on the first value, `mergeValue` on
   * the next ones, `mergeCombiners` across partitions. No shuffle when already partitioned that way.
   * The tail is `(numPartitions | partitioner?, env?)` or one CombineOptions object (which also
   * takes `mapSideCombine`, default true).
   */
  combineByKey<C>(
    this: RDD<[any, any]>,
    createCombiner: (v: V_<T>) => C,
    mergeValue: (c: C, v: V_<T>) => C,
    mergeCombiners: (a: C, b: C) => C,
    partitioning?: number | Partitioner | CombineOptions,
    env?: Env,
  ): RDD<[K_<T>, C]> {
    const a = readShuffleArgs<CombineOptions>('combineByKey', partitioning, env, ['mapSideCombine']);
    const mapSideCombine = a.options.mapSideCombine ?? true;
    const agg = {
      createCombiner: this.ship(createCombiner, a.env, 'combineByKey'),
      mergeValue: this.ship(mergeValue, a.env, 'combineByKey'),
      mergeCombiners: this.ship(mergeCombiners, a.env, 'combineByKey'),
    };
    return this.combineShipped<C>(agg, this.resolvePartitioner(a.part), mapSideCombine) as RDD<[K_<T>, C]>;
  }

  /** combineByKey over functions already shipped (engine-internal: reduceByKey, groupByKey, treeAggregate). */
  combineShipped<C>(this: RDD<[any, any]>, agg: { createCombiner: ShippedFn; mergeValue: ShippedFn; mergeCombiners: ShippedFn }, p: Partitioner, mapSideCombine: boolean): RDD<[unknown, C]> {
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

  /**
   * Merges the values of each key with an associative `f`; combines on the map side; no shuffle when
   * already partitioned that way. Forms: `(f)`, `(f, numPartitions | partitioner, env?)`, `(f, { numPartitions | partitioner, env })`.
   */
  reduceByKey(this: RDD<[any, any]>, f: (a: V_<T>, b: V_<T>) => V_<T>, partitioning?: number | Partitioner | ShuffleOptions, env?: Env): RDD<[K_<T>, V_<T>]> {
    const a = readShuffleArgs('reduceByKey', partitioning, env);
    const fn = this.ship(f, a.env, 'reduceByKey');
    const agg = { createCombiner: shipInternal((v: unknown) => v, {}, 'reduceByKey'), mergeValue: fn, mergeCombiners: fn };
    return this.combineShipped(agg, this.resolvePartitioner(a.part), true) as RDD<[K_<T>, V_<T>]>;
  }

  /** All values of each key as an array (no map-side combine, as Spark). */
  groupByKey(this: RDD<[any, any]>, partitioning?: number | Partitioner | Omit<ShuffleOptions, 'env'>): RDD<[K_<T>, V_<T>[]]> {
    const a = readShuffleArgs<ShuffleOptions>('groupByKey', partitioning, undefined);
    if (a.env !== undefined) throw engineError('BAD_ARGUMENT', 'groupByKey ships no function: it takes no env');
    const agg = {
      createCombiner: shipInternal((v: unknown) => [v], {}, 'groupByKey'),
      mergeValue: shipInternal((c: unknown[], v: unknown) => { c.push(v); return c; }, {}, 'groupByKey'),
      mergeCombiners: shipInternal((a: unknown[], b: unknown[]) => { for (const x of b) a.push(x); return a; }, {}, 'groupByKey'),
    };
    return this.combineShipped(agg, this.resolvePartitioner(a.part), false) as RDD<[K_<T>, V_<T>[]]>;
  }

  /** Per key: fold values into a copy of `zero` with `seqOp`, merge partials with `combOp`. */
  aggregateByKey<U>(this: RDD<[any, any]>, zero: U, seqOp: (acc: U, v: V_<T>) => U, combOp: (a: U, b: U) => U, partitioning?: number | Partitioner | ShuffleOptions, env?: Env): RDD<[K_<T>, U]> {
    const a = readShuffleArgs('aggregateByKey', partitioning, env);
    const seq = this.ship(seqOp, a.env, 'aggregateByKey');
    const agg = {
      createCombiner: shipInternal((v: unknown) => seqFn(typeof zero === 'object' && zero !== null ? structuredClone(zero) : zero, v), { seqFn: seq, zero }, 'aggregateByKey'),
      mergeValue: seq,
      mergeCombiners: this.ship(combOp, a.env, 'aggregateByKey'),
    };
    return this.combineShipped<U>(agg, this.resolvePartitioner(a.part), true) as RDD<[K_<T>, U]>;
  }

  /** Per key: fold values into a copy of `zero` with `f`. */
  foldByKey(this: RDD<[any, any]>, zero: V_<T>, f: (a: V_<T>, b: V_<T>) => V_<T>, partitioning?: number | Partitioner | ShuffleOptions, env?: Env): RDD<[K_<T>, V_<T>]> {
    const a = readShuffleArgs('foldByKey', partitioning, env);
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
   * be a partition count or a Partitioner (anything after the RDDs that is not an RDD).
   */
  cogroup(this: RDD<[any, any]>, ...others: (RDD<[any, any]> | number | Partitioner)[]): RDD<[K_<T>, any[][]]> {
    let part: number | Partitioner | undefined;
    const last = others[others.length - 1];
    if (others.length > 0 && !(last instanceof RDD)) {
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

  /** The joins' common body (engine-internal): cogroup, then the pairs `how` keeps. */
  joinWith(this: RDD<[any, any]>, other: RDD<[any, any]>, part: number | Partitioner | undefined, how: string, op: string): RDD<unknown> {
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

  /**
   * Sorted by key (range-partitioned after a sampling job; `compare` defaults to value order of keys).
   * Forms: PySpark's `(ascending?, numPartitions?, compare?, env?)`, or `({ ascending, numPartitions, compare, env })`.
   */
  sortByKey(this: RDD<[any, any]>, ascendingOrOptions?: boolean | SortOptions<K_<T>>, numPartitions?: number, compare?: Comparator<K_<T>>, env?: Env): RDD<[K_<T>, V_<T>]> {
    let ascending = ascendingOrOptions as boolean | undefined;
    if (isOptionsObject(ascendingOrOptions)) {
      if (numPartitions !== undefined || compare !== undefined || env !== undefined) {
        throw engineError('BAD_ARGUMENT', 'sortByKey: with an options object, give numPartitions, compare and env in it');
      }
      ({ ascending, numPartitions, compare, env } = checkOptions<SortOptions<K_<T>>>('sortByKey', ascendingOrOptions, ['ascending', 'numPartitions', 'compare', 'env']));
    }
    ascending ??= true;
    // A defaulted count may be 0 (an input without partitions gives an empty sorted RDD, as Spark's); a given one must be positive.
    const n = numPartitions === undefined ? this.defaultPartitionCount() : checkPositiveInt('sortByKey numPartitions', numPartitions);
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

  /** Count of values per key: a Map (a KeyMap, whose composite keys compare by value, when a key is an array, object or Date). */
  async countByKey(this: RDD<[any, any]>): Promise<Map<K_<T>, number>> {
    const pairs = await this.internal<[unknown, number]>('map', (kv: [unknown, unknown]) => [kv[0], 1], {}, 'countByKey')
      .asPair().reduceByKey((a: number, b: number) => a + b).collect();
    return resultMap(pairs as [K_<T>, number][]);
  }

  /** The pairs as a Map (a later pair wins for a repeated key); a KeyMap, whose composite keys compare by value, when a key is an array, object or Date. */
  async collectAsMap(this: RDD<[any, any]>): Promise<Map<K_<T>, V_<T>>> {
    return resultMap((await this.collect()) as [K_<T>, V_<T>][]);
  }

  /** Values of `key`; reads one partition when the partitioner is known. */
  async lookup(this: RDD<[any, any]>, key: K_<T>): Promise<V_<T>[]> {
    const p = this.partitioner;
    const matching = this.internal<unknown>('flatMap', (kv: [unknown, unknown]) => (keyEquals(kv[0], key) ? [kv[1]] : []), { key, keyEquals: moduleRef(KEYS_URL, 'keyEquals') }, 'lookup');
    if (p === undefined) return (await matching.collect()) as V_<T>[];
    const parts = await this._ctx.runJob<unknown[]>(matching, 'collect', {}, [p.getPartition(key)]);
    return parts.flat(1) as V_<T>[];
  }
}

installRDDFunctions(PairRDDFunctions);

declare module './RDD.ts' {
  // The pair operations are methods of every RDD; their `this` types admit only pair RDDs.
  interface RDD<T> extends PairRDDFunctions<T> {}
}

// Names that internal functions above read from their env on executors (declared for the type checker only).
declare const mergeValue: (c: unknown, v: unknown) => unknown;
declare const createCombiner: (v: unknown) => unknown;
declare const seqFn: (acc: any, x: unknown) => any;
declare const userFn: (v: unknown) => any;
