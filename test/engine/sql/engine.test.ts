/** DataFrames on a FlintContext: plans run as RDD jobs on executor threads, with columnar shuffles and broadcasts. */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlintContext } from '../../../engine/index.ts';
import { EngineRuntime, SqlUserError, col, sum, count, avg, max } from '../../../engine/sql/index.ts';
import '../../../connectors/csv/index.ts';
import '../../../connectors/parquet/index.ts';

let ctx: FlintContext;
before(async () => { ctx = await FlintContext.create({ master: 'local[2]', appName: 'sql-test' }); });
after(async () => { await ctx.stop(); });

const rows = Array.from({ length: 500 }, (_, i) => ({ k: i % 7, g: `g${i % 3}`, x: i * 0.5, y: i % 5 === 0 ? null : i }));

test('ctx.createDataFrame runs on the engine runtime and aggregates through a shuffle', async () => {
  const df = ctx.createDataFrame(rows, undefined, 4);
  assert.ok(df.runtime instanceof EngineRuntime);
  assert.equal(await df.count(), 500);
  const got = await df.groupBy('k').agg(sum('x').alias('sx'), count('y').alias('ny'), avg('y').alias('ay')).orderBy('k').collect();
  for (let k = 0; k < 7; k++) {
    const mine = rows.filter(r => r.k === k);
    const ys = mine.map(r => r.y).filter((y): y is number => y !== null);
    assert.deepEqual(got[k], { k, sx: mine.reduce((a, r) => a + r.x, 0), ny: BigInt(ys.length), ay: ys.reduce((a, b) => a + b, 0) / ys.length });
  }
});

test('shuffle and broadcast joins on the engine agree', async () => {
  const left = ctx.createDataFrame(rows, undefined, 3);
  const right = ctx.createDataFrame([{ k: 1, name: 'one' }, { k: 3, name: 'three' }, { k: 9, name: 'nine' }]);
  const broadcast = await left.join(right, 'k').groupBy('name').count().orderBy('name').collect();
  ctx.conf.set('flint.sql.broadcastThresholdBytes', -1);
  try {
    const shuffled = left.join(right, 'k', 'full');
    assert.doesNotMatch(shuffled.explain(), /broadcast/);
    const full = await shuffled.groupBy('name').count().orderBy('name').collect();
    assert.deepEqual(full, [{ name: null, count: 357n }, { name: 'nine', count: 1n }, { name: 'one', count: 72n }, { name: 'three', count: 71n }]);
    const inner = await left.join(right, 'k').groupBy('name').count().orderBy('name').collect();
    assert.deepEqual(inner, broadcast);
  } finally {
    ctx.conf.set('flint.sql.broadcastThresholdBytes', 10 * 1024 * 1024);
  }
});

test('orderBy, limit, distinct and union run on the engine', async () => {
  const df = ctx.createDataFrame(rows, undefined, 4);
  const top = await df.orderBy(col('x').desc()).limit(3).select('x').collect();
  assert.deepEqual(top, [{ x: 249.5 }, { x: 249 }, { x: 248.5 }]);
  assert.equal(await df.select('g').distinct().count(), 3);
  const u = df.select('k').union(ctx.createDataFrame([{ k: 100 }]));
  assert.deepEqual(await u.agg(max('k')).collect(), [{ 'max(k)': 100 }]);
});

test('a global sort on the engine samples range bounds and keeps the order through limit', async () => {
  const df = ctx.createDataFrame(rows, undefined, 4);
  const sorted = await df.orderBy(col('y').desc(), 'x').select('y', 'x').collect();
  const want = [...rows].sort((a, b) => (a.y === null ? (b.y === null ? a.x - b.x : 1) : b.y === null ? -1 : b.y - a.y || a.x - b.x)).map(r => ({ y: r.y, x: r.x }));
  assert.deepEqual(sorted, want);
  assert.deepEqual(await df.orderBy('x').limit(4).select('x').collect(), [{ x: 0 }, { x: 0.5 }, { x: 1 }, { x: 1.5 }]);
  await assert.rejects(async () => df.orderBy('x').rdd, /toRdd/);
  assert.equal((await (await df.orderBy('x').toRdd()).collect()).length, 500);
});

test('df.rdd gives the rows as an RDD of objects', async () => {
  const df = ctx.createDataFrame(rows, undefined, 2).filter(col('k').eq(0)).select('x');
  const xs = await df.rdd.map((r: Record<string, unknown>) => r.x as number).collect();
  assert.deepEqual(xs, rows.filter(r => r.k === 0).map(r => r.x));
});

test('executors write part files and ctx.read reads them back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-sql-engine-'));
  const df = ctx.createDataFrame(rows, 'k int, g string, x double, y int', 3);
  await df.write.mode('overwrite').parquet(join(dir, 'pq'));
  await df.write.csv(join(dir, 'csv'), { header: true });
  const pq = await ctx.read.parquet(join(dir, 'pq'));
  assert.deepEqual(await pq.collect(), await df.collect());
  const csv = await ctx.read.schema(df.schema).csv(join(dir, 'csv'), { header: true });
  assert.deepEqual(await csv.orderBy('x').collect(), await df.orderBy('x').collect());
});

test('columnar shuffles stay correct when the engine spills their pieces', async () => {
  const small = await FlintContext.create({ master: 'local[2]', conf: { 'flint.shuffle.memoryBytes': 64 * 1024, 'flint.sql.broadcastThresholdBytes': -1 } });
  try {
    const many = Array.from({ length: 40000 }, (_, i) => ({ k: i % 1000, x: i }));
    const facts = small.createDataFrame(many, undefined, 4);
    const dim = small.createDataFrame(Array.from({ length: 1000 }, (_, k) => ({ k, w: k % 7 })));
    const [joined] = await facts.join(dim, 'k').withColumn('xw', col('x').multiply(col('w'))).agg(sum('xw'), count()).collect();
    assert.equal(joined["count(1)"], 40000n);
    assert.equal(joined['sum(xw)'], BigInt(many.reduce((a, r) => a + r.x * (r.k % 7), 0)));
    const groups = await facts.groupBy('k').agg(sum('x').alias('s')).orderBy('k').collect();
    assert.equal(groups.length, 1000);
    assert.equal(groups[999].s, BigInt(many.filter(r => r.k === 999).reduce((a, r) => a + r.x, 0)));
  } finally {
    await small.stop();
  }
});

test('a FAILFAST error on an executor reaches the caller with its own class, code, file and line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-sql-engine-'));
  const p = join(dir, 'bad.csv');
  writeFileSync(p, 'a,b\n1,2\n3\n');
  const df = await ctx.read.schema('a int, b int').csv(p, { header: true, mode: 'FAILFAST' });
  await assert.rejects(df.collect(), (e: Error & { code?: string }) =>
    e instanceof SqlUserError && e.code === 'MALFORMED_RECORD' && e.message.includes(`${p}:3`));
  assert.throws(() => df.select('zz'), /column 'zz' does not exist; existing columns: \[a, b\]/);
});

test('df.cache() keeps partitions as executor blocks that later jobs reuse', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-sql-engine-'));
  const p = join(dir, 'c.csv');
  writeFileSync(p, 'k,v\n1,10\n2,20\n1,30\n');
  const df = (await ctx.read.csv(p, { header: true, inferSchema: true })).cache();
  assert.deepEqual(await df.groupBy('k').agg(sum('v').alias('s')).orderBy('k').collect(), [{ k: 1, s: 40n }, { k: 2, s: 20n }]);
  const { rmSync } = await import('node:fs');
  rmSync(p);
  assert.equal(await df.count(), 3);
  assert.deepEqual(await df.union(df).agg(sum('v')).collect(), [{ 'sum(v)': 120n }]);
  await df.unpersist();
});
