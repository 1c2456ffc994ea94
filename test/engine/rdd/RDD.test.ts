/** RDD behaviour in local mode, ported from Spark's RDDSuite: transformations, actions, partitioning rules, persistence and output. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlintContext, StorageLevel, TaskContext } from '../../../engine/index.ts';

let ctx: FlintContext;
const scratch = mkdtempSync(join(tmpdir(), 'flint-rdd-test-'));

before(async () => {
  ctx = await FlintContext.create({ master: 'local[2]', appName: 'rdd-test', conf: { 'flint.ui.showProgress': false } });
});
after(async () => {
  await ctx.stop();
  rmSync(scratch, { recursive: true, force: true });
});

function done(): void {
  ctx.dagScheduler.assertDataStructuresEmpty();
}

describe('basic operations (RDDSuite "basic operations")', () => {
  test('collect, count, reduce, fold, map, filter, flatMap, glom, mapPartitions', async () => {
    const nums = ctx.parallelize([1, 2, 3, 4], 2);
    assert.equal(nums.getNumPartitions(), 2);
    assert.deepEqual(await nums.collect(), [1, 2, 3, 4]);
    assert.deepEqual(await arrayOf(nums.toLocalIterator()), [1, 2, 3, 4]);
    assert.equal(await nums.count(), 4);
    assert.equal(await nums.reduce((a, b) => a + b), 10);
    assert.equal(await nums.fold(0, (a, b) => a + b), 10);
    assert.deepEqual(await nums.map((x) => String(x)).collect(), ['1', '2', '3', '4']);
    assert.deepEqual(await nums.filter((x) => x > 2).collect(), [3, 4]);
    assert.deepEqual(await nums.flatMap((x) => Array.from({ length: x }, (_, i) => i + 1)).collect(), [1, 1, 2, 1, 2, 3, 1, 2, 3, 4]);
    assert.deepEqual(await nums.union(nums).collect(), [1, 2, 3, 4, 1, 2, 3, 4]);
    assert.deepEqual(await nums.glom().collect(), [[1, 2], [3, 4]]);
    assert.deepEqual(await nums.mapPartitions(function* (it) { let s = 0; for (const x of it) s += x; yield s; }).collect(), [3, 7]);
    assert.deepEqual(await nums.mapPartitionsWithIndex((i, it) => [...it].map((x) => [i, x])).collect(), [[0, 1], [0, 2], [1, 3], [1, 4]]);
    assert.deepEqual(await nums.keyBy((x) => x % 2).collect(), [[1, 1], [0, 2], [1, 3], [0, 4]]);
    done();
  });

  test('parallelize slices by Spark\'s rule: slice i is [floor(i*n/k), floor((i+1)*n/k))', async () => {
    assert.deepEqual(await ctx.parallelize([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 3).glom().collect(), [[1, 2, 3], [4, 5, 6], [7, 8, 9, 10]]);
    assert.deepEqual(await ctx.parallelize([1, 2], 4).glom().collect(), [[], [1], [], [2]]);
    assert.deepEqual(await ctx.range(0, 10, 3, 2).glom().collect(), [[0, 3], [6, 9]]);
    assert.equal(await ctx.range(1000).count(), 1000);
    assert.equal(ctx.parallelize([1, 2, 3]).getNumPartitions(), ctx.defaultParallelism);
    done();
  });

  test('reduce on an empty RDD throws a clear error; fold returns the zero', async () => {
    const empty = ctx.parallelize<number>([], 2);
    await assert.rejects(empty.reduce((a, b) => a + b), (e: Error & { code?: string }) => e.code === 'EMPTY_COLLECTION' && /reduce on .*empty.*fold/.test(e.message));
    assert.equal(await empty.fold(0, (a, b) => a + b), 0);
    await assert.rejects(empty.first(), /empty/);
    assert.equal(await empty.isEmpty(), true);
    assert.equal(await ctx.emptyRDD<number>().count(), 0);
    assert.equal(await ctx.parallelize([1]).isEmpty(), false);
    done();
  });

  test('fold and aggregate clone the zero value for every partition', async () => {
    const nums = ctx.parallelize([1, 2, 3, 4, 5, 6], 3);
    const objs = ctx.parallelize([1, 2, 3, 4, 5, 6].map((n) => ({ n })), 3);
    const folded = await objs.fold({ n: 0 }, (acc, x) => { acc.n += x.n; return acc; });
    assert.equal(folded.n, 21, 'each partition folds into its own copy of the zero (two partitions share a slot)');
    const zero = { items: [] as number[] };
    const agg = await nums.aggregate(zero, (acc, x) => { acc.items.push(x); return acc; }, (a, b) => ({ items: [...a.items, ...b.items] }));
    assert.deepEqual(agg.items.sort(), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(zero.items, [], 'the driver\'s zero is never mutated');
    const count = await nums.aggregate([0, 0], (acc, x) => { acc[0] += x; acc[1] += 1; return acc; }, (a, b) => [a[0] + b[0], a[1] + b[1]]);
    assert.deepEqual(count, [21, 6]);
    assert.equal(await ctx.parallelize(Array.from({ length: 100 }, (_, i) => i), 10).treeAggregate(0, (a, x) => a + x, (a, b) => a + b, 2), 4950);
    done();
  });

  test('take scans partitions incrementally; first, takeOrdered, top, max, min', async () => {
    const nums = ctx.parallelize([5, 1, 9, 3, 7, 2, 8], 4);
    assert.deepEqual(await nums.take(0), []);
    assert.deepEqual(await nums.take(3), [5, 1, 9]);
    assert.deepEqual(await nums.take(100), [5, 1, 9, 3, 7, 2, 8]);
    assert.equal(await nums.first(), 5);
    assert.deepEqual(await nums.takeOrdered(3), [1, 2, 3]);
    assert.deepEqual(await nums.takeOrdered(2, (a, b) => b - a), [9, 8]);
    assert.deepEqual(await nums.top(3), [9, 8, 7]);
    assert.equal(await nums.max(), 9);
    assert.equal(await nums.min(), 1);
    assert.deepEqual(await ctx.parallelize([[1, 'b'], [1, 'a'], [0, 'z']], 2).takeOrdered(3), [[0, 'z'], [1, 'a'], [1, 'b']]);
    const sparse = ctx.parallelize([1, 2], 10);
    assert.deepEqual(await sparse.take(2), [1, 2]);
    done();
  });

  test('numeric actions: sum, mean, stats', async () => {
    const nums = ctx.parallelize([1, 2, 3, 4], 2);
    assert.equal(await nums.sum(), 10);
    assert.equal(await nums.mean(), 2.5);
    const s = await nums.stats();
    assert.equal(s.count, 4);
    assert.equal(s.max, 4);
    assert.equal(s.min, 1);
    assert.ok(Math.abs(s.variance - 1.25) < 1e-12);
    assert.ok(Math.abs(s.sampleStdev - Math.sqrt(5 / 3)) < 1e-12);
    assert.equal(await ctx.parallelize<number>([], 2).sum(), 0);
    assert.ok(Math.abs((await nums.variance()) - 1.25) < 1e-12);
    assert.ok(Math.abs((await nums.sampleVariance()) - 5 / 3) < 1e-12);
    assert.ok(Math.abs((await nums.stdev()) - Math.sqrt(1.25)) < 1e-12);
    done();
  });

  test('distinct, intersection, subtract and countByValue compare by value', async () => {
    const xs = ctx.parallelize([[1, 'a'], [1, 'a'], [2, 'b'], { k: 1 }, { k: 1 }, 3, 3], 3);
    const d = await xs.distinct().collect();
    assert.equal(d.length, 4);
    const a = ctx.parallelize([1, 10, 2, 3, 4, 5], 2);
    const b = ctx.parallelize([1, 6, 2, 3, 7, 8], 3);
    assert.deepEqual((await a.intersection(b).collect()).sort((x, y) => x - y), [1, 2, 3]);
    assert.deepEqual((await a.subtract(b).collect()).sort((x, y) => x - y), [4, 5, 10]);
    const counts = await ctx.parallelize([[1, 2], [1, 2], [3]], 2).countByValue();
    assert.equal(counts.get([1, 2]), 2);
    assert.equal(counts.get([3]), 1);
    done();
  });

  test('cartesian, zip and zipWithIndex', async () => {
    const a = ctx.parallelize([1, 2], 2);
    const b = ctx.parallelize(['x', 'y', 'z'], 2);
    assert.deepEqual((await a.cartesian(b).collect()).map(([x, y]) => `${x}${y}`).sort(), ['1x', '1y', '1z', '2x', '2y', '2z']);
    const c = ctx.parallelize([10, 20, 30, 40], 2);
    assert.deepEqual(await c.zip(c.map((x) => x + 1)).collect(), [[10, 11], [20, 21], [30, 31], [40, 41]]);
    await assert.rejects(c.zip(ctx.parallelize([1, 2, 3, 4], 3)).collect(), /ZIP|same number of partitions/);
    await assert.rejects(c.zip(ctx.parallelize([1, 2, 3], 2)).collect(), /different numbers of elements/);
    assert.deepEqual(await ctx.parallelize(['a', 'b', 'c', 'd', 'e'], 3).zipWithIndex().collect(), [['a', 0], ['b', 1], ['c', 2], ['d', 3], ['e', 4]]);
    done();
  });

  test('coalesce groups contiguous partitions; repartition shuffles into exactly N', async () => {
    const data = Array.from({ length: 10 }, (_, i) => i + 1);
    const rdd = ctx.parallelize(data, 10);
    const c = rdd.coalesce(3);
    assert.equal(c.getNumPartitions(), 3);
    assert.deepEqual((await c.glom().collect()).map((p) => p.length), [3, 3, 4]);
    assert.deepEqual(await c.collect(), data);
    assert.equal(rdd.coalesce(20).getNumPartitions(), 10);
    const r = ctx.parallelize(Array.from({ length: 1000 }, (_, i) => i), 2).repartition(5);
    const sizes = (await r.glom().collect()).map((p) => p.length);
    assert.equal(sizes.length, 5);
    assert.equal(sizes.reduce((x, y) => x + y, 0), 1000);
    assert.ok(Math.min(...sizes) > 100, `balanced: ${sizes}`);
    assert.deepEqual((await r.collect()).sort((x, y) => x - y), Array.from({ length: 1000 }, (_, i) => i));
    done();
  });

  test('sample and randomSplit are seeded, and randomSplit is disjoint and complete', async () => {
    const data = ctx.parallelize(Array.from({ length: 1000 }, (_, i) => i), 4);
    const s1 = await data.sample(false, 0.2, 42).collect();
    const s2 = await data.sample(false, 0.2, 42).collect();
    assert.deepEqual(s1, s2);
    assert.ok(s1.length > 120 && s1.length < 280, `about 200: ${s1.length}`);
    const withRepl = await data.sample(true, 2, 7).count();
    assert.ok(withRepl > 1700 && withRepl < 2300, `about 2000: ${withRepl}`);
    const splits = data.randomSplit([1, 2, 7], 11);
    const parts = await Promise.all(splits.map((s) => s.collect()));
    assert.equal(parts.reduce((n, p) => n + p.length, 0), 1000);
    assert.equal(new Set(parts.flat()).size, 1000);
    assert.ok(parts[2].length > parts[0].length);
    done();
  });

  test('sortBy and groupBy', async () => {
    const words = ctx.parallelize(['pear', 'fig', 'apple', 'kiwi', 'banana'], 3);
    assert.deepEqual(await words.sortBy((w) => w.length, true, 2).collect(), ['fig', 'pear', 'kiwi', 'apple', 'banana']);
    assert.deepEqual(await words.sortBy((w) => w, false).collect(), ['pear', 'kiwi', 'fig', 'banana', 'apple']);
    const weight = { apple: 3, banana: 1 } as Record<string, number>;
    assert.deepEqual((await words.sortBy((w) => weight[w] ?? 0, { env: { weight } }).collect()).slice(-2), ['banana', 'apple']);
    assert.deepEqual((await words.sortBy((w) => weight[w] ?? 0, false, 2, { weight }).collect()).slice(0, 2), ['apple', 'banana']);
    assert.deepEqual(await words.sortBy((w) => w, { ascending: false, numPartitions: 2 }).collect(), ['pear', 'kiwi', 'fig', 'banana', 'apple']);
    assert.throws(() => words.sortBy((w) => weight[w] ?? 0, { weight } as never), /sortBy options: unknown option 'weight'.*\{ env: \{ weight \} \}/);
    const g = new Map((await words.groupBy((w) => w.length).collect()).map(([k, v]) => [k, v.sort()]));
    assert.deepEqual(g.get(4), ['kiwi', 'pear']);
    assert.deepEqual(g.get(3), ['fig']);
    done();
  });

  test('async mapPartitions: an async generator awaits inside a map stage', async () => {
    const out = await ctx.parallelize([1, 2, 3, 4], 2)
      .mapPartitions(async function* (it) {
        for (const x of it) {
          await new Promise((r) => setTimeout(r, 1));
          yield x * 10;
        }
      })
      .map((x) => x + 1)
      .collect();
    assert.deepEqual(out, [11, 21, 31, 41]);
    const viaPromise = await ctx.parallelize([1, 2], 1).mapPartitions(async (it) => [...it].reverse()).collect();
    assert.deepEqual(viaPromise, [2, 1]);
    const shuffled = await ctx.parallelize([1, 2, 3], 2)
      .mapPartitions(async function* (it) { for (const x of it) yield [x % 2, x] as [number, number]; })
      .reduceByKey((a, b) => a + b).collect();
    assert.deepEqual(shuffled.sort(), [[0, 2], [1, 4]]);
    done();
  });

  test('the TaskContext is the last argument of mapPartitions and TaskContext.get() inside tasks', async () => {
    const ids = await ctx.parallelize([1, 2, 3], 3)
      .mapPartitions((it, tc) => [[tc.partitionId, TaskContext.get().partitionId, tc.executorId.startsWith('local-')]], { TaskContext })
      .collect();
    assert.deepEqual(ids, [[0, 0, true], [1, 1, true], [2, 2, true]]);
    done();
  });
});

describe('results travel intact', () => {
  test('large collected arrays of pairs and of other values keep every value type', async () => {
    const values: unknown[] = ['s', '', 0, -0, 1.5, NaN, Infinity, null, undefined, true, false, 12n, [1, [2, 'x']], { a: 1, b: [null] },
      new Date(86400000), new Float32Array([1.5, 2]), new Uint8Array([7]), new Map([[1, 'one']]), new Set(['q'])];
    const pairs = Array.from({ length: 1000 }, (_, i) => [i % 3 === 0 ? `k${i}` : [i, 'k'], values[i % values.length]] as [unknown, unknown]);
    assert.deepEqual(await ctx.parallelize(pairs, 2).collect(), pairs);
    const singles = Array.from({ length: 1000 }, (_, i) => values[i % values.length]);
    assert.deepEqual(await ctx.parallelize(singles, 2).collect(), singles);
    const mixed = Array.from({ length: 600 }, (_, i) => (i % 2 === 0 ? [i, i] : [i, i, i]));
    assert.deepEqual(await ctx.parallelize(mixed, 1).collect(), mixed);
    const counts = await ctx.parallelize(Array.from({ length: 2000 }, (_, i) => [i % 700, 'v']), 2).countByValue();
    assert.equal(counts.size, 700);
    assert.equal(counts.get([5, 'v']), 3);
    done();
  });
});

describe('foreach and cancellation', () => {
  test('foreach awaits an async function, and its errors fail the job', async () => {
    const acc = ctx.longAccumulator();
    await ctx.parallelize([1, 2, 3], 2).foreach(async (x) => { await new Promise((r) => setTimeout(r, 2)); acc.add(x); }, { acc });
    assert.equal(acc.value, 6);
    await assert.rejects(ctx.parallelize([1], 1).foreach(async () => { throw new Error('async boom'); }), /async boom/);
    done();
  });

  test('cancelAllJobs fails running jobs with JOB_CANCELLED', async () => {
    const job = ctx.parallelize([1, 2, 3, 4], 4).map((x) => { const t = Date.now(); while (Date.now() - t < 100) { /* busy */ } return x; }).collect();
    while (ctx.dagScheduler.activeJobCount === 0) await new Promise((r) => setTimeout(r, 5));
    ctx.cancelAllJobs('test');
    await assert.rejects(job, (e: Error & { code?: string }) => e.code === 'JOB_CANCELLED' && /test/.test(e.message));
    done();
    assert.deepEqual(await ctx.parallelize([1, 2]).collect(), [1, 2], 'the context keeps working');
  });
});

describe('persistence and checkpoints', () => {
  test('a cached RDD is computed once and read back by later jobs', async () => {
    const computed = ctx.longAccumulator('computed');
    const rdd = ctx.parallelize(Array.from({ length: 20 }, (_, i) => i), 4).map((x) => { computed.add(1); return x * 2; }, { computed }).cache();
    assert.equal(await rdd.count(), 20);
    assert.equal(computed.value, 20);
    assert.equal(await rdd.reduce((a, b) => a + b), 380);
    assert.deepEqual((await rdd.collect()).slice(0, 3), [0, 2, 4]);
    assert.equal(computed.value, 20, 'later jobs read the cached blocks');
    const stats = await ctx.executorStats();
    assert.equal(stats.flatMap((s) => s.blocks).filter((b) => b.startsWith(`rdd_${rdd.id}_`)).length, 4);
    await rdd.unpersist();
    assert.equal((await ctx.executorStats()).flatMap((s) => s.blocks).filter((b) => b.startsWith(`rdd_${rdd.id}_`)).length, 0);
    assert.equal(await rdd.count(), 20);
    assert.equal(computed.value, 40, 'after unpersist it is computed again');
    done();
  });

  test('later tasks run on the slot that holds their cached partition', async () => {
    const rdd = ctx.parallelize(Array.from({ length: 8 }, (_, i) => i), 8).map((x) => x * 3).cache();
    assert.equal(await rdd.count(), 8);
    const holder = new Map<number, string>();
    for (const s of await ctx.executorStats()) {
      for (const b of s.blocks) if (b.startsWith(`rdd_${rdd.id}_`)) holder.set(Number(b.split('_')[2]), s.executorId);
    }
    assert.equal(holder.size, 8);
    const ranOn = await rdd.mapPartitions((it, tc) => [[tc.partitionId, tc.executorId]]).collect();
    for (const [p, e] of ranOn) assert.equal(e, holder.get(p as number), `partition ${p} ran where its block is`);
    await rdd.unpersist();
    done();
  });

  test('DISK_ONLY persistence computes once and reads back from disk', async () => {
    const computed = ctx.longAccumulator();
    const rdd = ctx.parallelize([1, 2, 3, 4], 2).map((x) => { computed.add(1); return { x }; }, { computed }).persist(StorageLevel.DISK_ONLY);
    assert.deepEqual(await rdd.collect(), [{ x: 1 }, { x: 2 }, { x: 3 }, { x: 4 }]);
    assert.deepEqual(await rdd.collect(), [{ x: 1 }, { x: 2 }, { x: 3 }, { x: 4 }]);
    assert.equal(computed.value, 4);
    assert.throws(() => rdd.persist(StorageLevel.MEMORY_ONLY), /already persisted at DISK_ONLY/);
    await rdd.unpersist();
    done();
  });

  test('persist on disk survives a memory budget too small for it', async () => {
    const small = await FlintContext.create({ master: 'local[1]', conf: { 'flint.storage.memoryBytes': 2000, 'flint.ui.showProgress': false } });
    try {
      const computed = small.longAccumulator();
      const rdd = small.parallelize(Array.from({ length: 4000 }, (_, i) => `value-${i}`), 4).map((x) => { computed.add(1); return x; }, { computed }).persist(StorageLevel.MEMORY_AND_DISK);
      assert.equal(await rdd.count(), 4000);
      assert.equal(await rdd.count(), 4000);
      assert.equal(computed.value, 4000);
      const stats = await small.executorStats();
      assert.ok(stats[0].memoryUsed <= 2000);
      assert.equal(stats[0].blocks.length, 4);
    } finally {
      await small.stop();
    }
  });

  test('checkpoint writes the RDD and cuts its lineage', async () => {
    ctx.setCheckpointDir(join(scratch, 'ckpt'));
    const computed = ctx.longAccumulator();
    const base = ctx.parallelize([1, 2, 3, 4], 2).map((x) => [x % 2, x] as [number, number]).reduceByKey((a, b) => a + b);
    const rdd = base.map((kv) => { computed.add(1); return kv; }, { computed });
    rdd.checkpoint();
    assert.deepEqual((await rdd.collect()).sort(), [[0, 6], [1, 4]]);
    assert.equal(rdd.isCheckpointed, true);
    assert.equal(rdd.dependencies[0].rdd.constructor.name, 'CheckpointRDD');
    const before = computed.value;
    assert.deepEqual((await rdd.collect()).sort(), [[0, 6], [1, 4]]);
    assert.equal(computed.value, before, 'read from the checkpoint, not recomputed');
    assert.ok(readdirSync(join(scratch, 'ckpt')).length > 0);
    done();
  });
});

describe('saveAsTextFile', () => {
  test('writes part-NNNNN files and _SUCCESS', async () => {
    const out = join(scratch, 'out1');
    await ctx.parallelize([1, 2, 3, 4, 5], 3).map((x) => `line ${x}`).saveAsTextFile(out);
    assert.deepEqual(readdirSync(out).sort(), ['_SUCCESS', 'part-00000', 'part-00001', 'part-00002']);
    assert.equal(readFileSync(join(out, 'part-00000'), 'utf8'), 'line 1\n');
    assert.equal(readFileSync(join(out, 'part-00002'), 'utf8'), 'line 4\nline 5\n');
    await assert.rejects(ctx.parallelize([1]).saveAsTextFile(out), (e: Error & { code?: string }) => e.code === 'OUTPUT_EXISTS');
    done();
  });

  test('a failed job leaves no output at the path, not even a partial one', async () => {
    const out = join(scratch, 'out2');
    await assert.rejects(ctx.parallelize([1, 2, 3, 4], 4).map((x) => { if (x === 4) throw new Error('boom'); return x; }).saveAsTextFile(out), /boom/);
    assert.equal(existsSync(out), false);
    // Tasks of the failed job that were still running finish now; they must not recreate the temporary directory.
    await ctx.parallelize([0, 1], 2).count();
    assert.deepEqual(readdirSync(scratch).filter((n) => n.startsWith('out2')), []);
    done();
  });
});

describe('textFile and wholeTextFiles through the source registry', () => {
  test('reads lines of files, directories and globs', async () => {
    await import('../../../connectors/text/index.ts');
    const dir = join(scratch, 'texts');
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'a.txt'), 'one two\nthree\n');
    writeFileSync(join(dir, 'b.txt'), 'four\n');
    assert.deepEqual((await ctx.textFile(dir).collect()).sort(), ['four', 'one two', 'three']);
    assert.equal(await ctx.textFile(join(dir, '*.txt')).flatMap((l) => l.split(' ')).count(), 4);
    const whole = await ctx.wholeTextFiles(dir).collect();
    assert.deepEqual(whole.map(([p, c]) => [p.split('/').pop(), c]).sort(), [['a.txt', 'one two\nthree\n'], ['b.txt', 'four\n']]);
    done();
  });
});

async function arrayOf<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('operations over async chains and lazily planned sources', () => {
  test('engine-internal partition steps (glom, distinct, sample, repartition) accept an async upstream', async () => {
    const asyncRdd = ctx.parallelize([3, 1, 3, 2], 2).mapPartitions(async function* (it) { for (const x of it) yield x; });
    assert.deepEqual(await asyncRdd.glom().collect(), [[3, 1], [3, 2]]);
    assert.deepEqual((await asyncRdd.distinct().collect()).sort(), [1, 2, 3]);
    assert.equal(await asyncRdd.repartition(3).count(), 4);
    assert.equal(await asyncRdd.sample(false, 1, 1).count(), 4);
    assert.equal(await asyncRdd.treeAggregate(0, (a, x) => a + x, (a, b) => a + b), 9);
    done();
  });

  test('union of sources whose partitions are planned lazily', async () => {
    await import('../../../connectors/text/index.ts');
    const { mkdirSync, writeFileSync } = await import('node:fs');
    const dir = join(scratch, 'union-src');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'a.txt'), 'x\ny\n');
    writeFileSync(join(dir, 'b.txt'), 'z\n');
    const u = ctx.textFile(join(dir, 'a.txt')).union(ctx.textFile(join(dir, 'b.txt')));
    assert.deepEqual(await u.collect(), ['x', 'y', 'z']);
    assert.equal(await u.map((l) => [l, 1] as [string, number]).reduceByKey((a, b) => a + b).count(), 3);
    assert.deepEqual(await u.zipWithIndex().collect(), [['x', 0], ['y', 1], ['z', 2]]);
    done();
  });

  test('a missing input fails the action clearly, and a later action retries the planning', async () => {
    const { writeFileSync } = await import('node:fs');
    const file = join(scratch, 'appears-later.txt');
    const rdd = ctx.textFile(file);
    await assert.rejects(rdd.count(), /appears-later\.txt/);
    writeFileSync(file, 'now\nhere\n');
    assert.equal(await rdd.count(), 2);
    done();
  });
});
