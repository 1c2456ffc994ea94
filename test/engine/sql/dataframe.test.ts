/** DataFrame verbs: projection, filtering, grouping with every aggregate, all join types, ordering, limits, distinct, union, and actions. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Table, tableFromArrays } from 'apache-arrow';
import {
  SqlSession, InProcessRuntime, col, lit, sum, avg, count, countDistinct, min, max, first, collectList,
} from '../../../engine/sql/index.ts';

const s = new SqlSession(new InProcessRuntime({ parallelism: 3 }));
const sales = () => s.createDataFrame([
  { region: 'north', item: 'a', qty: 3, price: 2.5 },
  { region: 'south', item: 'b', qty: 1, price: 10 },
  { region: 'north', item: 'b', qty: 2, price: 10 },
  { region: null, item: 'a', qty: null, price: 2.5 },
  { region: 'south', item: 'a', qty: 7, price: null },
  { region: 'east', item: 'c', qty: 4, price: 1 },
]);

const byKey = (rows: Record<string, unknown>[], k: string) => [...rows].sort((a, b) => String(a[k]).localeCompare(String(b[k])));

test('groupBy-agg computes every aggregate per key, null keys forming one group', async () => {
  const rows = byKey(await sales().groupBy('region').agg(
    sum('qty').alias('q'), avg('price').alias('p'), count().alias('n'), count('qty').alias('nq'),
    countDistinct('item').alias('items'), min('price').alias('lo'), max('item').alias('hi'),
    first('item').alias('f'), collectList('qty').alias('qs'),
  ).collect(), 'region');
  assert.deepEqual(rows.map(r => r.region), ['east', 'north', null, 'south']);
  assert.deepEqual(rows.map(r => r.q), [4n, 5n, null, 8n]);
  assert.deepEqual(rows.map(r => r.p), [1, 6.25, 2.5, 10]);
  assert.deepEqual(rows.map(r => r.n), [1n, 2n, 1n, 2n]);
  assert.deepEqual(rows.map(r => r.nq), [1n, 2n, 0n, 2n]);
  assert.deepEqual(rows.map(r => r.items), [1n, 2n, 1n, 2n]);
  assert.deepEqual(rows.map(r => r.lo), [1, 2.5, 2.5, 10]);
  assert.deepEqual(rows.map(r => r.hi), ['c', 'b', 'a', 'b']);
  assert.deepEqual(rows.map(r => r.f), ['c', 'a', 'a', 'b']);
  assert.deepEqual(rows.map(r => (r.qs as number[]).sort()), [[4], [2, 3], [], [1, 7]]);
});

test('count, sum and avg together (the fused path) agree with the aggregate table, nulls included', async () => {
  const fused = byKey(await sales().groupBy('region').agg(sum('qty').alias('q'), avg('price').alias('p'), count().alias('n'), count('qty').alias('nq')).collect(), 'region');
  const table = byKey(await sales().groupBy('region').agg(sum('qty').alias('q'), avg('price').alias('p'), count().alias('n'), count('qty').alias('nq'), first('item')).collect(), 'region');
  assert.deepEqual(fused, table.map(({ 'first(item)': _f, ...rest }) => rest));
  assert.deepEqual(fused.map(r => r.q), [4n, 5n, null, 8n]);
  assert.deepEqual(fused.map(r => r.nq), [1n, 2n, 0n, 2n]);
});

test('a partial aggregation past its group limit emits early and the final step still merges every key', async () => {
  const small = new SqlSession(new InProcessRuntime({ parallelism: 2, conf: { 'flint.sql.aggregate.partialMaxGroups': 50 } }));
  const rows = Array.from({ length: 3000 }, (_, i) => ({ k: `k${(i * 37) % 400}`, v: i % 3 === 0 ? null : 1.5 }));
  const df = small.createDataFrame(rows, undefined, 3);
  const got = await df.groupBy('k').agg(count().alias('n'), sum('v').alias('s'), collectList('v').alias('l')).collect();
  assert.equal(got.length, 400);
  for (const r of got) {
    const mine = rows.filter(x => x.k === r.k);
    assert.equal(r.n, BigInt(mine.length));
    assert.equal(r.s, mine.filter(x => x.v !== null).length * 1.5);
    assert.equal((r.l as unknown[]).length, mine.filter(x => x.v !== null).length);
  }
});

test('global aggregates give one row, also over an empty input', async () => {
  assert.deepEqual(await sales().agg(sum('qty'), count()).collect(), [{ 'sum(qty)': 17n, 'count(1)': 6n }]);
  assert.deepEqual(await sales().filter(col('qty').gt(100)).agg(sum('qty'), count()).collect(), [{ 'sum(qty)': null, 'count(1)': 0n }]);
  assert.deepEqual(await sales().select(max('qty')).collect(), [{ 'max(qty)': 7 }]);
});

test('grouping by an int column puts nulls in one group and keeps every key apart across batches', async () => {
  const rows = Array.from({ length: 20000 }, (_, i) => ({ k: i % 5 === 0 ? null : (i * 7919) % 3001 - 1500, v: 1 }));
  const df = s.createDataFrame(rows, 'k int, v int', 4);
  const got = await df.groupBy('k').agg(sum('v').alias('n')).collect();
  const want = new Map<number | null, number>();
  for (const r of rows) want.set(r.k, (want.get(r.k) ?? 0) + 1);
  assert.equal(got.length, want.size);
  for (const r of got) assert.equal(r.n, BigInt(want.get(r.k as number | null)!), `key ${String(r.k)}`);
  const joined = await df.join(s.createDataFrame([{ k: 0, w: 'zero' }, { k: -1500, w: 'low' }]), 'k').groupBy('w').count().orderBy('w').collect();
  assert.deepEqual(joined, [{ w: 'low', count: BigInt(rows.filter(r => r.k === -1500).length) }, { w: 'zero', count: BigInt(rows.filter(r => r.k === 0).length) }]);
});

test('groupBy by several keys and the shortcuts count/sum/avg', async () => {
  const rows = await sales().groupBy('region', 'item').count().orderBy('region', 'item').collect();
  assert.equal(rows.length, 6);
  assert.deepEqual(rows[0], { region: null, item: 'a', count: 1n });
  const avgRows = await sales().groupBy(col('item')).avg('qty').orderBy('item').collect();
  assert.deepEqual(avgRows.map(r => r['avg(qty)']), [5, 1.5, 4]);
});

const left = () => s.createDataFrame([{ k: 1, a: 'x' }, { k: 2, a: 'y' }, { k: 2, a: 'y2' }, { k: null, a: 'n' }, { k: 5, a: 'z' }]);
const right = () => s.createDataFrame([{ k: 2, b: 20 }, { k: 1, b: 10 }, { k: 3, b: 30 }, { k: null, b: 0 }]);

async function joined(how: string, conf: Record<string, number> = {}) {
  const sess = new SqlSession(new InProcessRuntime({ parallelism: 2, conf }));
  const l = sess.createDataFrame(await left().collect());
  const r = sess.createDataFrame(await right().collect());
  const df = l.join(r, 'k', how);
  const rows = await df.collect();
  return { rows: rows.map(x => JSON.stringify(x)).sort(), plan: df.explain() };
}

for (const broadcast of [false, true]) {
  const conf: Record<string, number> = broadcast ? {} : { 'flint.sql.broadcastThresholdBytes': -1 };
  const label = broadcast ? 'broadcast' : 'shuffle';
  test(`${label} hash joins: inner, left, semi and anti never match null keys`, async () => {
    const inner = await joined('inner', conf);
    assert.equal(/broadcast right/.test(inner.plan), broadcast);
    assert.deepEqual(inner.rows, ['{"k":1,"a":"x","b":10}', '{"k":2,"a":"y","b":20}', '{"k":2,"a":"y2","b":20}']);
    assert.deepEqual((await joined('left', conf)).rows, [
      '{"k":1,"a":"x","b":10}', '{"k":2,"a":"y","b":20}', '{"k":2,"a":"y2","b":20}', '{"k":5,"a":"z","b":null}', '{"k":null,"a":"n","b":null}']);
    assert.deepEqual((await joined('semi', conf)).rows, ['{"k":1,"a":"x"}', '{"k":2,"a":"y"}', '{"k":2,"a":"y2"}']);
    assert.deepEqual((await joined('anti', conf)).rows, ['{"k":5,"a":"z"}', '{"k":null,"a":"n"}']);
  });
}

test('an inner join broadcasts a small left side and keeps the left-then-right column order', async () => {
  const small = s.createDataFrame([{ k: 1, a: 'x' }, { k: 2, a: 'y' }]);
  const big = new SqlSession(new InProcessRuntime({ parallelism: 2 })).createDataFrame([{ k: 2, b: 20 }, { k: 1, b: 10 }, { k: 2, b: 21 }]);
  const bigUnknown = s.createDataFrame(await big.collect()).filter(col('b').gt(0));
  const j = small.join(bigUnknown.join(s.createDataFrame([{ k: 1, z: 0 }, { k: 2, z: 0 }]).drop('z'), 'k'), 'k');
  const plan = j.explain().split('\n');
  assert.match(plan[0], /^Project \[k, a, b\]/);
  assert.match(plan[1], /HashJoin inner using \[k\] \(broadcast right\)/);
  assert.match(plan[plan.length - 1], /LocalBatches \[k, a\]/);
  assert.deepEqual(j.columns, ['k', 'a', 'b']);
  assert.deepEqual((await j.collect()).map(x => JSON.stringify(x)).sort(), ['{"k":1,"a":"x","b":10}', '{"k":2,"a":"y","b":20}', '{"k":2,"a":"y","b":21}']);
});

test('a build side with repeated keys pairs each probe row with every match', async () => {
  const l = s.createDataFrame([{ k: 1, a: 'x' }, { k: 2, a: 'y' }, { k: 4, a: 'w' }]);
  const r = s.createDataFrame([{ k: 2, b: 1 }, { k: 2, b: 2 }, { k: 1, b: 3 }, { k: 3, b: 4 }]);
  const rows = (await l.join(r, 'k', 'left').collect()).map(x => JSON.stringify(x)).sort();
  assert.deepEqual(rows, ['{"k":1,"a":"x","b":3}', '{"k":2,"a":"y","b":1}', '{"k":2,"a":"y","b":2}', '{"k":4,"a":"w","b":null}']);
  const full = (await l.join(r, 'k', 'full').collect()).map(x => JSON.stringify(x)).sort();
  assert.deepEqual(full, ['{"k":1,"a":"x","b":3}', '{"k":2,"a":"y","b":1}', '{"k":2,"a":"y","b":2}', '{"k":3,"a":null,"b":4}', '{"k":4,"a":"w","b":null}']);
});

test('right and full outer joins keep unmatched rows of each side', async () => {
  assert.deepEqual((await joined('right')).rows, [
    '{"k":1,"a":"x","b":10}', '{"k":2,"a":"y","b":20}', '{"k":2,"a":"y2","b":20}', '{"k":3,"a":null,"b":30}', '{"k":null,"a":null,"b":0}']);
  assert.deepEqual((await joined('full')).rows, [
    '{"k":1,"a":"x","b":10}', '{"k":2,"a":"y","b":20}', '{"k":2,"a":"y2","b":20}', '{"k":3,"a":null,"b":30}',
    '{"k":5,"a":"z","b":null}', '{"k":null,"a":"n","b":null}', '{"k":null,"a":null,"b":0}']);
});

test('join keys of different numeric types are widened; clashing or bad names fail clearly', async () => {
  const l = s.createDataFrame([{ k: 1n, v: 'a' }, { k: 2n, v: 'b' }]);
  const r = s.createDataFrame([{ k: 2, w: true }]);
  assert.deepEqual(await l.join(r, 'k').collect(), [{ k: 2n, v: 'b', w: true }]);
  assert.throws(() => l.join(l, 'k'), /both sides have column\(s\) \[v\]/);
  assert.throws(() => l.join(r, 'v'), /join \(right side\): column 'v' does not exist; existing columns: \[k, w\]/);
  assert.throws(() => l.join(r, 'k', 'sideways'), /unknown join type 'sideways'/);
});

test('orderBy sorts globally with nulls first ascending and last descending', async () => {
  const asc = await sales().orderBy('qty').select('qty').collect();
  assert.deepEqual(asc.map(r => r.qty), [null, 1, 2, 3, 4, 7]);
  const desc = await sales().orderBy(col('price').desc(), col('item')).select('price', 'item').collect();
  assert.deepEqual(desc.map(r => [r.price, r.item]), [[10, 'b'], [10, 'b'], [2.5, 'a'], [2.5, 'a'], [1, 'c'], [null, 'a']]);
  const byName = await sales().sort(col('region').desc()).collect();
  assert.deepEqual(byName.map(r => r.region), ['south', 'south', 'north', 'north', 'east', null]);
});

test('orderBy range-partitions the rows: every partition is sorted and partitions follow each other', async () => {
  const rows = Array.from({ length: 5000 }, (_, i) => ({ k: (i * 7919) % 5003, s: `s${(i * 31) % 97}`, n: i % 11 === 0 ? null : i }));
  const df = s.createDataFrame(rows, undefined, 4);
  const sorted = df.orderBy(col('n').desc(), 'k');
  assert.equal(sorted.numPartitions, 3);
  assert.match(sorted.explain(), /range\(n, k\) into 3/);
  const parts = (await sorted.runtime.collect(sorted.plan)).map(bs => bs.reduce((a, b) => a + b.numRows, 0));
  assert.ok(parts.filter(n => n > 0).length >= 2, `rows spread over partitions: ${parts}`);
  const got = await sorted.collect();
  const want = [...rows].sort((a, b) => (a.n === null ? (b.n === null ? a.k - b.k : 1) : b.n === null ? -1 : b.n - a.n || a.k - b.k));
  assert.deepEqual(got, want);
  assert.deepEqual(await df.orderBy('s', 'k').limit(3).collect(), [...rows].sort((a, b) => (a.s < b.s ? -1 : a.s > b.s ? 1 : a.k - b.k)).slice(0, 3));
});

test('a sort past its memory budget spills sorted runs and merges them into the same order', async () => {
  const { readdirSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const sortDirs = () => readdirSync(tmpdir()).filter(n => n.startsWith('flint-sort-')).length;
  const before = sortDirs();
  const small = new SqlSession(new InProcessRuntime({ parallelism: 2, conf: { 'flint.sql.sort.memoryBytes': 4096 } }));
  const rows = Array.from({ length: 6000 }, (_, i) => ({ g: `g${(i * 13) % 17}`, x: i % 7 === 0 ? null : (i * 7919) % 1009, i }));
  const df = small.createDataFrame(rows, undefined, 6);
  const got = await df.orderBy('g', col('x').desc(), 'i').collect();
  const want = [...rows].sort((a, b) => (a.g < b.g ? -1 : a.g > b.g ? 1 : 0)
    || (a.x === null ? (b.x === null ? 0 : 1) : b.x === null ? -1 : b.x - a.x) || a.i - b.i);
  assert.deepEqual(got, want);
  const stable = await small.createDataFrame(rows, undefined, 1).orderBy('g').select('i').collect();
  assert.deepEqual(stable.map(r => r.i), [...rows].sort((a, b) => (a.g < b.g ? -1 : a.g > b.g ? 1 : 0) || a.i - b.i).map(r => r.i));
  assert.equal(sortDirs(), before);
});

test('limit, distinct, dropDuplicates, union, withColumn, withColumnRenamed and drop', async () => {
  assert.equal((await sales().limit(4).collect()).length, 4);
  assert.equal(await sales().limit(0).count(), 0);
  assert.equal(await sales().select('item').distinct().count(), 3);
  const dd = await sales().dropDuplicates(['item']).orderBy('item').collect();
  assert.deepEqual(dd.map(r => r.item), ['a', 'b', 'c']);
  assert.deepEqual(Object.keys(dd[0]), ['region', 'item', 'qty', 'price']);
  const u = sales().union(sales());
  assert.equal(await u.count(), 12);
  assert.equal(u.numPartitions, 6);
  const w = sales().withColumn('total', col('qty').multiply(col('price'))).withColumn('qty', lit(0)).withColumnRenamed('item', 'sku').drop('region');
  assert.deepEqual(w.columns, ['sku', 'qty', 'price', 'total']);
  assert.deepEqual((await w.first())!, { sku: 'a', qty: 0, price: 2.5, total: 7.5 });
  assert.throws(() => sales().union(sales().drop('price')), /the sides have 4 and 3 columns/);
});

test('empty partitions and empty DataFrames flow through every operator', async () => {
  const sess = new SqlSession(new InProcessRuntime({ parallelism: 8 }));
  const df = sess.createDataFrame([{ k: 1, v: 1.5 }, { k: 2, v: 2.5 }]);
  assert.equal(df.numPartitions, 8);
  assert.equal(await df.count(), 2);
  assert.deepEqual(await df.groupBy('k').agg(sum('v')).orderBy('k').collect(), [{ k: 1, 'sum(v)': 1.5 }, { k: 2, 'sum(v)': 2.5 }]);
  const empty = df.filter(col('k').gt(9));
  assert.deepEqual(await empty.collect(), []);
  assert.deepEqual(await empty.groupBy('k').count().collect(), []);
  assert.deepEqual(await empty.orderBy('k').collect(), []);
  assert.deepEqual(await empty.join(df.withColumnRenamed('v', 'w'), 'k').collect(), []);
  const t = await empty.toArrow();
  assert.equal(t.numRows, 0);
  assert.deepEqual(t.schema.fields.map(f => f.name), ['k', 'v']);
});

test('createDataFrame takes Arrow tables and explicit schemas; toArrow gives the table back', async () => {
  const t = tableFromArrays({ x: new Int32Array([1, 2, 3]), y: new Float64Array([0.5, 1.5, 2.5]) });
  const df = s.createDataFrame(t);
  const back = await df.toArrow();
  assert.ok(back instanceof Table);
  assert.deepEqual([...back.getChild('x')!.toArray()], [1, 2, 3]);
  const typed = s.createDataFrame([{ a: 1, t: '2024-05-06T07:08:09Z', v: [1, 2] }], 'a long, t timestamp, v vector[2]');
  const [row] = await typed.collect();
  assert.equal(row.a, 1n);
  assert.equal((row.t as Date).toISOString(), '2024-05-06T07:08:09.000Z');
  assert.deepEqual(Array.from(row.v as Float32Array), [1, 2]);
  assert.deepEqual(typed.dtypes, [['a', 'long'], ['t', 'timestamp'], ['v', 'array<float>[2]']]);
});

test('show prints a Spark-style table and printSchema a tree', async () => {
  const out = await sales().select('region', 'qty', 'price').showString(2);
  assert.equal(out, [
    '+------+---+-----+',
    '|region|qty|price|',
    '+------+---+-----+',
    '| north|  3|  2.5|',
    '| south|  1| 10.0|',
    '+------+---+-----+',
    'only showing top 2 rows',
    '',
  ].join('\n'));
  assert.equal(sales().schemaString(), 'root\n |-- region: string (nullable = true)\n |-- item: string (nullable = true)\n |-- qty: integer (nullable = true)\n |-- price: double (nullable = true)\n');
  const long = await s.createDataFrame([{ t: 'x'.repeat(30) }]).showString();
  assert.match(long, /\|xxxxxxxxxxxxxxxxx\.\.\.\|/);
});

test('repartition by key puts equal keys in one partition', async () => {
  const df = sales().repartition(4, 'item');
  assert.equal(df.numPartitions, 4);
  const parts = (await df.runtime.collect(df.plan)).map(batches => {
    const items = new Set<unknown>();
    for (const b of batches) for (const r of b.toArray()) items.add((r as unknown as { item: string }).item);
    return [...items];
  });
  const all = parts.flat();
  assert.equal(all.length, new Set(all).size);
  assert.equal(await df.count(), 6);
});

test('joins on unique int32 keys over a small range match only equal keys, whatever the probe key', async () => {
  const dim = s.createDataFrame(Array.from({ length: 1000 }, (_, i) => ({ k: i * 3 - 600, w: i })), 'k int, w int', 1);
  const probeKeys = [-600, -601, 0, 1, 2397, 2398, 2 ** 31 - 1, -(2 ** 31), null, 300];
  const facts = s.createDataFrame(probeKeys.map((k, i) => ({ k, i })), 'k int, i int', 2);
  const want = (k: number | null) => (k !== null && k >= -600 && k <= 2397 && (k + 600) % 3 === 0 ? (k + 600) / 3 : null);
  const inner = (await facts.join(dim, 'k').collect()).sort((a, b) => (a.i as number) - (b.i as number));
  assert.deepEqual(inner.map(r => [r.k, r.w]), probeKeys.filter(k => want(k) !== null).map(k => [k, want(k)]));
  const left = (await facts.join(dim, 'k', 'left').collect()).sort((a, b) => (a.i as number) - (b.i as number));
  assert.deepEqual(left.map(r => [r.k, r.w]), probeKeys.map(k => [k, want(k)]));
});

test('min and max treat NaN as the greatest double (as Spark) whatever the row order', async () => {
  const df = s.createDataFrame([
    { g: 'a', v: NaN }, { g: 'a', v: 2 }, { g: 'a', v: -1 },
    { g: 'b', v: 3 }, { g: 'b', v: NaN },
    { g: 'c', v: NaN }, { g: 'c', v: null },
  ], 'g string, v double');
  const rows = byKey(await df.groupBy('g').agg(min('v').alias('lo'), max('v').alias('hi')).collect(), 'g');
  assert.deepEqual(rows.map(r => [r.g, r.lo, r.hi]), [['a', -1, NaN], ['b', 3, NaN], ['c', NaN, NaN]]);
});
