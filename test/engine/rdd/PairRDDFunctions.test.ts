/** Pair RDD behaviour, ported from Spark's PairRDDFunctionsSuite and PartitioningSuite: aggregation by key, joins on cogroup, partitioners, value-equal keys. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FlintContext, HashPartitioner, RangePartitioner, type RDD } from '../../../engine/index.ts';
import { OneToOneDependency, ShuffleDependency } from '../../../engine/rdd/Dependency.ts';

let ctx: FlintContext;

before(async () => {
  ctx = await FlintContext.create({ master: 'local[2]', conf: { 'flint.ui.showProgress': false } });
});
after(async () => {
  await ctx.stop();
});

declare const bump: number;

const sortPairs = <T>(xs: T[]): T[] => [...xs].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0));

function shuffleCount(rdd: RDD<unknown>): number {
  let n = 0;
  const seen = new Set<RDD<unknown>>();
  const walk = (r: RDD<unknown>) => {
    if (seen.has(r)) return;
    seen.add(r);
    for (const d of r.dependencies) {
      if (d instanceof ShuffleDependency) n++;
      walk(d.rdd);
    }
  };
  walk(rdd);
  return n;
}

describe('aggregation by key', () => {
  test('reduceByKey, groupByKey, combineByKey, aggregateByKey, foldByKey', async () => {
    const pairs = ctx.parallelize([[1, 1], [1, 2], [1, 3], [1, 1], [2, 1]] as [number, number][], 2);
    assert.deepEqual(sortPairs(await pairs.reduceByKey((a, b) => a + b).collect()), [[1, 7], [2, 1]]);
    assert.deepEqual(sortPairs((await pairs.groupByKey().collect()).map(([k, vs]) => [k, vs.sort()])), [[1, [1, 1, 2, 3]], [2, [1]]]);
    const avg = await pairs.combineByKey((v) => [v, 1], (c, v) => [c[0] + v, c[1] + 1], (a, b) => [a[0] + b[0], a[1] + b[1]]).collect();
    assert.deepEqual(sortPairs(avg), [[1, [7, 4]], [2, [1, 1]]]);
    const sets = await pairs.aggregateByKey([] as number[], (acc, v) => { if (!acc.includes(v)) acc.push(v); return acc; }, (a, b) => [...new Set([...a, ...b])]).collect();
    assert.deepEqual(sortPairs(sets.map(([k, v]) => [k, v.sort()])), [[1, [1, 2, 3]], [2, [1]]]);
    assert.deepEqual(sortPairs(await pairs.foldByKey(0, (a, b) => a + b).collect()), [[1, 7], [2, 1]]);
    assert.deepEqual(sortPairs(await pairs.reduceByKey((a, b) => a + b, 5).collect()), [[1, 7], [2, 1]]);
    assert.equal(pairs.reduceByKey((a, b) => a + b, 5).getNumPartitions(), 5);
    ctx.dagScheduler.assertDataStructuresEmpty();
  });

  test('aggregateByKey and foldByKey clone the zero value per key', async () => {
    const pairs = ctx.parallelize([['a', 1], ['b', 2], ['a', 3]] as [string, number][], 1);
    const out = await pairs.aggregateByKey({ seen: [] as number[] }, (acc, v) => { acc.seen.push(v); return acc; }, (x, y) => ({ seen: [...x.seen, ...y.seen] })).collect();
    assert.deepEqual(sortPairs(out.map(([k, v]) => [k, v.seen.sort()])), [['a', [1, 3]], ['b', [2]]]);
  });

  test('value-equal tuple and object keys are one key', async () => {
    const pairs = ctx.parallelize([[[1, 'a'], 1], [[1, 'a'], 2], [[2, 'b'], 5], [{ x: 1, y: [2] }, 1], [{ y: [2], x: 1 }, 1]] as [unknown, number][], 3);
    const out = await pairs.reduceByKey((a, b) => a + b).collect();
    assert.equal(out.length, 3);
    const m = await pairs.reduceByKey((a, b) => a + b).collectAsMap();
    assert.equal(m.get([1, 'a']), 3);
    assert.equal(m.get({ x: 1, y: [2] }), 2);
    const counts = await pairs.countByKey();
    assert.equal(counts.get([1, 'a']), 2);
    assert.deepEqual(await pairs.lookup([2, 'b']), [5]);
    const joined = await pairs.join(ctx.parallelize([[[1, 'a'], 'x']] as [unknown, string][], 1)).collect();
    assert.deepEqual(sortPairs(joined), [[[1, 'a'], [1, 'x']], [[1, 'a'], [2, 'x']]]);
  });

  test('mapValues, flatMapValues, keys, values', async () => {
    const pairs = ctx.parallelize([[1, 'a'], [2, 'bc']] as [number, string][], 2);
    assert.deepEqual(await pairs.mapValues((v) => v.length).collect(), [[1, 1], [2, 2]]);
    assert.deepEqual(await pairs.flatMapValues((v) => v.split('')).collect(), [[1, 'a'], [2, 'b'], [2, 'c']]);
    assert.deepEqual(await pairs.keys().collect(), [1, 2]);
    assert.deepEqual(await pairs.values().collect(), ['a', 'bc']);
  });

  test('countByKey, collectAsMap and lookup on a partitioned RDD reads one partition', async () => {
    const pairs = ctx.parallelize([[1, 'a'], [2, 'b'], [1, 'c']] as [number, string][], 2).partitionBy(new HashPartitioner(3)).cache();
    assert.deepEqual((await pairs.lookup(1)).sort(), ['a', 'c']);
    assert.deepEqual(await pairs.lookup(9), []);
    const m = await pairs.collectAsMap();
    assert.equal(m.get(2), 'b');
    assert.equal((await pairs.countByKey()).get(1), 2);
    await pairs.unpersist();
  });
});

describe('joins on cogroup', () => {
  const rdd1 = () => ctx.parallelize([[1, 1], [1, 2], [2, 1], [3, 1]] as [number, number][], 2);
  const rdd2 = () => ctx.parallelize([[1, 'x'], [2, 'y'], [2, 'z'], [4, 'w']] as [number, string][], 3);

  test('join', async () => {
    assert.deepEqual(sortPairs(await rdd1().join(rdd2()).collect()), [[1, [1, 'x']], [1, [2, 'x']], [2, [1, 'y']], [2, [1, 'z']]]);
  });
  test('leftOuterJoin', async () => {
    assert.deepEqual(sortPairs(await rdd1().leftOuterJoin(rdd2()).collect()), [[1, [1, 'x']], [1, [2, 'x']], [2, [1, 'y']], [2, [1, 'z']], [3, [1, null]]]);
  });
  test('rightOuterJoin', async () => {
    assert.deepEqual(sortPairs(await rdd1().rightOuterJoin(rdd2()).collect()), [[1, [1, 'x']], [1, [2, 'x']], [2, [1, 'y']], [2, [1, 'z']], [4, [null, 'w']]]);
  });
  test('fullOuterJoin', async () => {
    assert.deepEqual(sortPairs(await rdd1().fullOuterJoin(rdd2()).collect()),
      [[1, [1, 'x']], [1, [2, 'x']], [2, [1, 'y']], [2, [1, 'z']], [3, [1, null]], [4, [null, 'w']]]);
  });
  test('join with no matches is empty', async () => {
    const a = ctx.parallelize([[1, 1]] as [number, number][]);
    const b = ctx.parallelize([[2, 2]] as [number, number][]);
    assert.deepEqual(await a.join(b).collect(), []);
  });
  test('cogroup of three RDDs', async () => {
    const out = await rdd1().cogroup(rdd2(), ctx.parallelize([[3, true]] as [number, boolean][]), 2).collect();
    const m = new Map(out.map(([k, gs]) => [k, gs.map((g) => [...g].sort())]));
    assert.deepEqual(m.get(1), [[1, 2], ['x'], []]);
    assert.deepEqual(m.get(3), [[1], [], [true]]);
    assert.deepEqual(m.get(4), [[], ['w'], []]);
  });
  test('subtractByKey', async () => {
    assert.deepEqual(sortPairs(await rdd1().subtractByKey(rdd2()).collect()), [[3, 1]]);
  });
  test('joining RDDs partitioned alike reads them narrowly: no new shuffle', async () => {
    const p = new HashPartitioner(2);
    const a = rdd1().partitionBy(p);
    const b = rdd2().partitionBy(p);
    const j = a.join(b);
    assert.equal(shuffleCount(j), 2, 'only the two partitionBy shuffles');
    assert.deepEqual(sortPairs(await j.collect()), [[1, [1, 'x']], [1, [2, 'x']], [2, [1, 'y']], [2, [1, 'z']]]);
  });
});

describe('partitioning (PartitioningSuite)', () => {
  test('HashPartitioner equality and placement by value', () => {
    const p = new HashPartitioner(4);
    assert.ok(p.equals(new HashPartitioner(4)));
    assert.ok(!p.equals(new HashPartitioner(5)));
    assert.equal(p.getPartition([1, 'a']), p.getPartition([1, 'a']));
    for (const k of [0, -1, 'x', [1, 2], { a: 1 }, null, 2.5]) {
      const i = p.getPartition(k);
      assert.ok(i >= 0 && i < 4);
    }
  });

  test('partitionBy with an equal partitioner is a no-op', () => {
    const a = ctx.parallelize([[1, 1]] as [number, number][]).partitionBy(new HashPartitioner(3));
    assert.equal(a.partitionBy(new HashPartitioner(3)), a);
    assert.notEqual(a.partitionBy(new HashPartitioner(4)), a);
  });

  test('reduceByKey and distinct skip the shuffle when already partitioned that way', async () => {
    const a = ctx.parallelize([[1, 1], [1, 2], [2, 3]] as [number, number][], 2).partitionBy(new HashPartitioner(2));
    const r = a.reduceByKey((x, y) => x + y);
    assert.equal(shuffleCount(r), 1);
    assert.ok(r.dependencies[0] instanceof OneToOneDependency);
    assert.ok(r.partitioner?.equals(new HashPartitioner(2)));
    assert.deepEqual(sortPairs(await r.collect()), [[1, 3], [2, 3]]);
    const keys = a.keys().distinct(2);
    assert.equal(shuffleCount(keys), 2, 'keys() drops the partitioner, so distinct shuffles');
    const d = a.distinct(2);
    assert.equal(shuffleCount(d), 1);
    assert.deepEqual(sortPairs(await d.collect()), [[1, 1], [1, 2], [2, 3]]);
    const kept = a.mapPartitions((it) => it, true);
    assert.ok(kept.partitioner?.equals(new HashPartitioner(2)), 'mapPartitions(f, true) keeps the partitioner (Spark\'s argument order)');
    const keptEnv = a.mapPartitions((it) => [...it].map(([k, v]) => [k, v + bump] as [number, number]), { bump: 1 }, { preservesPartitioning: true });
    assert.ok(keptEnv.partitioner !== undefined);
    assert.deepEqual(sortPairs(await keptEnv.collect()), [[1, 2], [1, 3], [2, 4]]);
    assert.throws(() => (a as unknown as { mapPartitions: (...args: unknown[]) => unknown }).mapPartitions((it: unknown) => it, true, { preservesPartitioning: true }), /takes no third argument/);
    assert.throws(() => a.mapPartitions((it) => it, {}, { preserve: true } as never), /unknown option 'preserve'/);
    assert.equal(a.mapPartitions((it) => it).partitioner, undefined);
    const mv = a.mapValues((v) => v * 2);
    assert.ok(mv.partitioner?.equals(new HashPartitioner(2)), 'mapValues keeps the partitioner');
    assert.equal(a.map((kv) => kv).partitioner, undefined, 'map drops it');
    assert.equal(shuffleCount(mv.reduceByKey((x, y) => x + y)), 1);
  });

  test('sortByKey range-partitions: every key of partition i is below every key of partition i + 1', async () => {
    const data = Array.from({ length: 1000 }, (_, i) => [(i * 7919) % 1000, i] as [number, number]);
    const sorted = ctx.parallelize(data, 4).sortByKey(true, 4);
    const parts = await sorted.glom().collect();
    assert.ok(parts.length >= 2 && parts.length <= 4);
    for (let i = 0; i + 1 < parts.length; i++) {
      if (parts[i].length === 0 || parts[i + 1].length === 0) continue;
      assert.ok(parts[i][parts[i].length - 1][0] < parts[i + 1][0][0]);
    }
    assert.ok(Math.max(...parts.map((p) => p.length)) < 600, 'reasonably balanced');
    const keys = (await sorted.keys().collect());
    assert.deepEqual(keys, [...keys].sort((x, y) => x - y));
    const desc = await ctx.parallelize(data, 3).sortByKey(false).keys().collect();
    assert.deepEqual(desc, [...desc].sort((x, y) => y - x));
    assert.ok(sorted.partitioner instanceof RangePartitioner);
    const custom = await ctx.parallelize([['bb', 1], ['a', 2], ['ccc', 3]] as [string, number][], 2).sortByKey(true, 2, (x, y) => x.length - y.length).keys().collect();
    assert.deepEqual(custom, ['a', 'bb', 'ccc']);
  });

  test('repartitionAndSortWithinPartitions sorts each partition', async () => {
    const data = Array.from({ length: 100 }, (_, i) => [(i * 37) % 100, i] as [number, number]);
    const parts = await ctx.parallelize(data, 3).repartitionAndSortWithinPartitions(new HashPartitioner(3)).glom().collect();
    assert.equal(parts.length, 3);
    for (const p of parts) {
      const ks = p.map(([k]) => k);
      assert.deepEqual(ks, [...ks].sort((x, y) => x - y));
      for (const k of ks) assert.equal(new HashPartitioner(3).getPartition(k), parts.indexOf(p));
    }
  });

  test('union of RDDs with the same partitioner keeps it', async () => {
    const p = new HashPartitioner(2);
    const a = ctx.parallelize([[1, 'a']] as [number, string][]).partitionBy(p);
    const b = ctx.parallelize([[1, 'b'], [2, 'c']] as [number, string][]).partitionBy(p);
    const u = a.union(b);
    assert.ok(u.partitioner?.equals(p));
    assert.equal(u.getNumPartitions(), 2);
    assert.deepEqual(sortPairs(await u.reduceByKey((x, y) => x + y).collect()), [[1, 'ab'], [2, 'c']].map(([k, v]) => [k, v === 'ab' ? (sortPairs(['a', 'b']).join('')) : v]).map(([k, v]) => [k, v]) as [number, string][]);
  });
});

describe('shuffles larger than memory', () => {
  test('a shuffle of at least 5x flint.shuffle.memoryBytes spills and gives the right answer', async () => {
    const budget = 256 * 1024;
    const small = await FlintContext.create({ master: 'local[2]', conf: { 'flint.shuffle.memoryBytes': budget, 'flint.ui.showProgress': false } });
    try {
      const n = 40000;
      const spillsBefore = small.dagScheduler.metrics.spillCount;
      const rdd = small.range(0, n, 1, 4).map((i) => [i % 5000, `value-${i}-${'x'.repeat(20)}`] as [number, string]);
      const grouped = await rdd.groupByKey(3).mapValues((vs) => vs.length).collect();
      assert.equal(grouped.length, 5000);
      assert.ok(grouped.every(([, c]) => c === 8));
      const m = small.dagScheduler.metrics;
      assert.ok(m.shuffleBytesWritten >= 5 * budget, `shuffled ${m.shuffleBytesWritten} bytes vs budget ${budget}`);
      assert.ok(m.spillCount > spillsBefore, `the shuffle spilled (${m.spillCount} spills, ${m.spilledBytes} bytes)`);
      const sums = await small.range(0, n, 1, 4).map((i) => [`k${i % 7000}`, i] as [string, number]).reduceByKey((a, b) => a + b, 3).collectAsMap();
      assert.equal(sums.size, 7000);
      let expected = 0;
      for (let i = 3; i < n; i += 7000) expected += i;
      assert.equal(sums.get('k3'), expected);
      const sorted = await small.range(0, n, 1, 4).map((i) => [(i * 7919) % n, 'y'.repeat(30)] as [number, string], { n }).sortByKey(true, 3).keys().collect();
      assert.equal(sorted.length, n);
      assert.ok(sorted.every((k, i) => k === i));
      const left = small.range(0, n, 1, 4).map((i) => [i % 10000, `L${i}-${'z'.repeat(20)}`] as [number, string]);
      const right = small.range(0, 10000, 1, 3).map((i) => [i, i * 2] as [number, number]);
      const joined = left.join(right, 3);
      assert.equal(await joined.count(), n, 'every left record meets its one right record');
      const sample = await joined.filter(([k]) => k === 1234).collect();
      assert.equal(sample.length, 4);
      assert.ok(sample.every(([, [l, r]]) => l.startsWith('L') && r === 2468));
      const outer = await small.range(0, 30000, 1, 2).map((i) => [i, i] as [number, number]).fullOuterJoin(small.range(15000, 45000, 1, 2).map((i) => [i, -i] as [number, number])).count();
      assert.equal(outer, 45000);
      small.dagScheduler.assertDataStructuresEmpty();
    } finally {
      await small.stop();
    }
  });
});

describe('argument forms (PySpark positional, or one options object)', () => {
  const pairs = () => ctx.parallelize([['a', 1], ['b', 2], ['a', 3], ['c', 4]] as [string, number][], 2);
  const byKey = (xs: [string, unknown][]) => [...xs].sort((x, y) => (x[0] < y[0] ? -1 : 1));

  test('the pair operations live in PairRDDFunctions and the numeric ones in DoubleRDDFunctions, installed on RDD', async () => {
    const { RDD } = await import('../../../engine/rdd/RDD.ts');
    const { PairRDDFunctions } = await import('../../../engine/rdd/PairRDDFunctions.ts');
    const { DoubleRDDFunctions } = await import('../../../engine/rdd/DoubleRDDFunctions.ts');
    for (const name of ['reduceByKey', 'join', 'sortByKey', 'countByKey', 'lookup']) {
      assert.equal((RDD.prototype as unknown as Record<string, unknown>)[name], (PairRDDFunctions.prototype as unknown as Record<string, unknown>)[name], name);
    }
    for (const name of ['sum', 'mean', 'stats', 'sampleStdev']) {
      assert.equal((RDD.prototype as unknown as Record<string, unknown>)[name], (DoubleRDDFunctions.prototype as unknown as Record<string, unknown>)[name], name);
    }
    assert.equal(await ctx.parallelize([1, 2, 3, 4], 2).mean(), 2.5);
  });

  test('reduceByKey takes a count or a Partitioner, then the env; or an options object holding them', async () => {
    const k = 10;
    const want = [['a', 40], ['b', 20], ['c', 40]];
    assert.deepEqual(byKey(await pairs().mapValues((v) => v * k, { k }).reduceByKey((x, y) => x + y, 3).collect()), want);
    const viaEnv = pairs().reduceByKey((x, y) => (x + y) * k / k, 3, { k });
    assert.equal(viaEnv.getNumPartitions(), 3);
    assert.deepEqual(byKey(await viaEnv.collect()), [['a', 4], ['b', 2], ['c', 4]]);
    const viaOptions = pairs().reduceByKey((x, y) => (x + y) * k / k, { partitioner: new HashPartitioner(4), env: { k } });
    assert.equal(viaOptions.getNumPartitions(), 4);
    assert.deepEqual(byKey(await viaOptions.collect()), [['a', 4], ['b', 2], ['c', 4]]);
    assert.equal(pairs().reduceByKey((x, y) => x + y, { numPartitions: 5 }).getNumPartitions(), 5);
  });

  test('an env where options go, two partitionings, or env given twice fail naming the fix', () => {
    const k = 1;
    assert.throws(() => pairs().reduceByKey((x, y) => x + y + k, { k } as never),
      (e: unknown) => (e as { code?: string }).code === 'BAD_ARGUMENT' && /unknown option 'k'.*\{ env: \{ k \} \}/.test((e as Error).message));
    assert.throws(() => pairs().reduceByKey((x, y) => x + y, { numPartitions: 2, partitioner: new HashPartitioner(2) }), /not both/);
    assert.throws(() => pairs().reduceByKey((x, y) => x + y + k, { env: { k } }, { k }), /env was given both/);
    assert.throws(() => pairs().groupBy(([w]) => w, { k } as never), /groupBy options: unknown option 'k'/);
  });

  test('combineByKey, aggregateByKey, foldByKey, sortByKey and groupBy take their options objects', async () => {
    const base = 100;
    const comb = pairs().combineByKey((v) => [v + base], (c: number[], v) => [...c, v + base], (a, b) => [...a, ...b],
      { numPartitions: 2, env: { base }, mapSideCombine: false });
    assert.deepEqual(byKey(await comb.mapValues((vs) => vs.sort()).collect()), [['a', [101, 103]], ['b', [102]], ['c', [104]]]);
    const agg = pairs().aggregateByKey(0, (acc, v) => acc + v * base, (a, b) => a + b, { numPartitions: 2, env: { base } });
    assert.deepEqual(byKey(await agg.collect()), [['a', 400], ['b', 200], ['c', 400]]);
    assert.deepEqual(byKey(await pairs().foldByKey(0, (a, b) => a + b, { numPartitions: 3 }).collect()), [['a', 4], ['b', 2], ['c', 4]]);
    const len = (s: string) => s.length;
    const sorted = pairs().map(([w, v]) => [w.repeat(v), v] as [string, number])
      .sortByKey({ ascending: false, numPartitions: 2, compare: (x, y) => len(x) - len(y), env: { len } });
    assert.deepEqual(await sorted.values().collect(), [4, 3, 2, 1]);
    assert.deepEqual(await pairs().sortByKey(false, 2).keys().collect(), ['c', 'b', 'a', 'a']);
    const g = await pairs().groupBy(([w]) => w.toUpperCase(), { numPartitions: 2 }).collect();
    assert.deepEqual(byKey(g).map(([w, xs]) => [w, (xs as unknown[]).length]), [['A', 2], ['B', 1], ['C', 1]]);
  });
});
