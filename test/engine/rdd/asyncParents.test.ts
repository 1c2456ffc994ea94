/** Every operation over a parent whose mapPartitions returned an async iterable gives the same answer as over a sync parent. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlintContext, StorageLevel, type RDD } from '../../../engine/index.ts';

let ctx: FlintContext;
const scratch = mkdtempSync(join(tmpdir(), 'flint-async-test-'));

before(async () => {
  ctx = await FlintContext.create({ master: 'local[2]', appName: 'async-parents', conf: { 'flint.ui.showProgress': false } });
  ctx.setCheckpointDir(join(scratch, 'ckpt'));
});
after(async () => {
  await ctx.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const DATA = Array.from({ length: 12 }, (_, i) => i + 1);

/** The same records as parallelize(DATA, 3), produced by an async generator that awaits between records. */
function asyncNums(): RDD<number> {
  return ctx.parallelize(DATA, 3).mapPartitions(async function* (it) {
    for (const x of it) { await new Promise((r) => setImmediate(r)); yield x; }
  });
}
/** The same records from a mapPartitions returning a Promise of an array. */
function promisedNums(): RDD<number> {
  return ctx.parallelize(DATA, 3).mapPartitions(async (it) => { await null; return [...it]; });
}
/** The same records from a hand-written async iterable whose iterator is a bare `{ next }` object. */
function bareAsyncNums(): RDD<number> {
  return ctx.parallelize(DATA, 3).mapPartitions((it) => {
    const xs = [...it];
    let i = 0;
    return { [Symbol.asyncIterator]: () => ({ next: async (): Promise<IteratorResult<number>> => (i < xs.length ? { done: false, value: xs[i++] } : { done: true, value: undefined }) }) };
  });
}
const syncNums = (): RDD<number> => ctx.parallelize(DATA, 3);

const sorted = <T>(xs: T[]): T[] => [...xs].sort((a, b) => JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0);

/** Each case runs an operation on an RDD of DATA and returns something comparable. */
const cases: Record<string, (r: RDD<number>) => Promise<unknown>> = {
  'collect': (r) => r.collect(),
  'count': (r) => r.count(),
  'reduce': (r) => r.reduce((a, b) => a + b),
  'fold': (r) => r.fold(0, (a, b) => a + b),
  'aggregate': (r) => r.aggregate([0, 0], (c, x) => [c[0] + x, c[1] + 1], (a, b) => [a[0] + b[0], a[1] + b[1]]),
  'treeAggregate': (r) => r.treeAggregate(0, (c, x) => c + x, (a, b) => a + b, 2),
  'take': (r) => r.take(5),
  'first': (r) => r.first(),
  'takeOrdered': (r) => r.takeOrdered(3),
  'top': (r) => r.top(3),
  'isEmpty': (r) => r.isEmpty(),
  'max/min/sum/mean': async (r) => [await r.max(), await r.min(), await r.sum(), await r.mean()],
  'stats': async (r) => { const s = await r.stats(); return [s.count, s.mean, s.max]; },
  'countByValue': async (r) => sorted([...(await r.countByValue()).entries()]),
  'foreach': async (r) => { const acc = ctx.longAccumulator('seen'); await r.foreach((x) => acc.add(x), { acc }); return acc.value; },
  'foreachPartition': async (r) => { const acc = ctx.longAccumulator('seen'); await r.foreachPartition((it) => { for (const x of it) acc.add(x); }, { acc }); return acc.value; },
  'toLocalIterator': async (r) => { const out = []; for await (const x of r.toLocalIterator()) out.push(x); return out; },
  'map/filter/flatMap chain': (r) => r.map((x) => x * 2).filter((x) => x % 3 !== 0).flatMap((x) => [x, -x]).collect(),
  'glom': (r) => r.glom().collect(),
  'mapPartitions with a sync function': (r) => r.mapPartitions((it) => [[...it].length]).collect(),
  'mapPartitions with a sync generator': (r) => r.mapPartitions(function* (it) { for (const x of it) yield x + 1; }).collect(),
  'mapPartitions with an async generator': (r) => r.mapPartitions(async function* (it) { for await (const x of it) yield x + 1; }).collect(),
  'mapPartitionsWithIndex': (r) => r.mapPartitionsWithIndex((i, it) => [...it].map((x) => [i, x])).collect(),
  'keyBy + reduceByKey': async (r) => sorted(await r.keyBy((x) => x % 3).reduceByKey((a, b) => a + b).collect()),
  'groupBy': async (r) => sorted((await r.groupBy((x) => x % 2).collect()).map(([k, vs]) => [k, sorted(vs)])),
  'distinct': async (r) => sorted(await r.map((x) => x % 4).distinct().collect()),
  'sortBy': (r) => r.sortBy((x) => -x).collect(),
  'join with a sync RDD': async (r) => sorted(await r.keyBy((x) => x).join(ctx.parallelize(DATA, 2).map((x) => [x, x * 10] as [number, number])).collect()),
  'cogroup of two async parents': async (r) => sorted((await r.keyBy((x) => x % 2).cogroup(asyncNums().keyBy((x) => x % 2)).collect()).map(([k, [a, b]]) => [k, a.length, b.length])),
  'intersection and subtract': async (r) => [sorted(await r.intersection(ctx.parallelize([2, 4, 100])).collect()), (await r.subtract(ctx.parallelize([2, 4])).collect()).length],
  'union with a sync RDD (async first, async second)': async (r) => [await r.union(syncNums()).collect(), await syncNums().union(r).collect()],
  'cartesian (async on either side)': async (r) => [(await r.cartesian(ctx.parallelize([0, 1], 1)).count()), (await ctx.parallelize([0, 1], 1).cartesian(r).collect()).length],
  'zip of two async RDDs and with a sync one': async (r) => [await r.zip(asyncNums()).collect(), await syncNums().zip(r).collect()],
  'zipWithIndex': (r) => r.zipWithIndex().collect(),
  'sample without replacement, fraction 1': (r) => r.sample(false, 1, 7).collect(),
  'coalesce and repartition': async (r) => [await r.coalesce(1).collect(), sorted(await r.repartition(4).collect())],
  'cache (MEMORY_ONLY) read twice': async (r) => { const c = r.map((x) => x).cache(); const a = await c.collect(); const b = await c.collect(); await c.unpersist(); return [a, b]; },
  'persist MEMORY_AND_DISK read twice': async (r) => { const c = r.persist(StorageLevel.MEMORY_AND_DISK); const a = await c.collect(); const b = await c.count(); await c.unpersist(); return [a, b]; },
  'checkpoint': async (r) => { const c = r.map((x) => x); c.checkpoint(); await c.count(); return c.collect(); },
  'saveAsTextFile': async (r) => {
    const dir = join(scratch, `out-${Math.random().toString(36).slice(2)}`);
    await r.saveAsTextFile(dir);
    return readdirSync(dir).filter((f) => f.startsWith('part-')).sort().map((f) => readFileSync(join(dir, f), 'utf8')).join('');
  },
};

for (const [name, run] of Object.entries(cases)) {
  test(`${name} over an async parent equals the sync answer`, async () => {
    const expected = await run(syncNums());
    assert.deepEqual(await run(asyncNums()), expected, 'async generator parent');
    assert.deepEqual(await run(promisedNums()), expected, 'Promise-of-array parent');
    assert.deepEqual(await run(bareAsyncNums()), expected, 'bare async iterator parent');
    ctx.dagScheduler.assertDataStructuresEmpty();
  });
}

test('an async partition function that loops synchronously over an async parent fails with a clear error', async () => {
  await assert.rejects(
    asyncNums().mapPartitions(async (it) => { await null; return [[...(it as Iterable<number>)].length]; }).collect(),
    (e: Error) => /SYNC_LOOP_OVER_ASYNC_INPUT|for await/.test(String((e as { cause?: Error }).cause ?? e) + e.message),
  );
  ctx.dagScheduler.assertDataStructuresEmpty();
});

test('a sync function over an async partition gets it as an array and is called once', async () => {
  const calls = ctx.longAccumulator('calls');
  const lengths = await asyncNums().mapPartitions((it) => { calls.add(1); return [typeof (it as unknown as AsyncIterable<number>)[Symbol.asyncIterator] === 'function' ? -1 : [...it].length]; }, { calls }).collect();
  assert.deepEqual(lengths, [4, 4, 4]);
  assert.equal(calls.value, 3, 'one call per partition');
  ctx.dagScheduler.assertDataStructuresEmpty();
});

test('an async generator function streams its async partition: called once, never drained first', async () => {
  const calls = ctx.longAccumulator('calls');
  const seen = await asyncNums().mapPartitions(async function* (it) {
    calls.add(1);
    yield typeof (it as unknown as AsyncIterable<number>)[Symbol.asyncIterator] === 'function' ? 'stream' : 'drained';
    let n = 0;
    for await (const x of it as unknown as AsyncIterable<number>) { n++; yield x * 10; }
    yield -n;
  }, { calls }).collect();
  assert.deepEqual(seen, ['stream', 10, 20, 30, 40, -4, 'stream', 50, 60, 70, 80, -4, 'stream', 90, 100, 110, 120, -4]);
  assert.equal(calls.value, 3);
  ctx.dagScheduler.assertDataStructuresEmpty();
});

test('a sync generator that yields before looping over an async partition works on the drained array', async () => {
  const out = await asyncNums().mapPartitions(function* (it) { yield -1; for (const x of it) yield x; }).collect();
  assert.deepEqual(out, [-1, 1, 2, 3, 4, -1, 5, 6, 7, 8, -1, 9, 10, 11, 12]);
  ctx.dagScheduler.assertDataStructuresEmpty();
});
