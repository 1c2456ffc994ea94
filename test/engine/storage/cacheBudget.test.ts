/** Cached RDDs larger than flint.storage.memoryBytes: MEMORY_AND_DISK spills and reads back exactly, MEMORY_ONLY keeps what fits and recomputes the rest. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { FlintContext, StorageLevel } from '../../../engine/index.ts';

const BUDGET = 600_000;
let ctx: FlintContext;

before(async () => {
  ctx = await FlintContext.create({ master: 'local[1]', appName: 'cache-budget', conf: { 'flint.storage.memoryBytes': BUDGET, 'flint.ui.showProgress': false } });
});
after(async () => {
  await ctx.stop();
});

/** 8 partitions of 200 records, each record 1 KiB of bytes plus a string: about 3x the budget in all, two partitions fit. */
function big(computed: ReturnType<FlintContext['longAccumulator']>) {
  return ctx.parallelize(Array.from({ length: 1600 }, (_, i) => i), 8).map((i) => {
    computed.add(1);
    return { i, tag: `row-${i}`, bytes: new Uint8Array(1024).fill(i % 256) };
  }, { computed });
}

function checkRows(rows: { i: number; tag: string; bytes: Uint8Array }[]): void {
  assert.equal(rows.length, 1600);
  rows.forEach((r, n) => {
    assert.equal(r.i, n);
    assert.equal(r.tag, `row-${n}`);
    assert.ok(r.bytes.length === 1024 && r.bytes.every((b) => b === n % 256), `row ${n} bytes intact`);
  });
}

test('MEMORY_AND_DISK past the memory budget spills to disk, computes once and reads back exactly', async () => {
  const computed = ctx.longAccumulator('computed');
  const rdd = big(computed).persist(StorageLevel.MEMORY_AND_DISK);
  checkRows(await rdd.collect());
  checkRows(await rdd.collect());
  assert.equal(await rdd.count(), 1600);
  assert.equal(computed.value, 1600, 'every partition computed once, the rest read from memory or disk');
  const [stats] = await ctx.executorStats();
  assert.ok(stats.memoryUsed <= BUDGET, `memory store ${stats.memoryUsed} within ${BUDGET}`);
  assert.equal(stats.blocks.filter((b) => b.startsWith(`rdd_${rdd.id}_`)).length, 8, 'all 8 blocks held, most on disk');
  await rdd.unpersist();
  ctx.dagScheduler.assertDataStructuresEmpty();
});

test('MEMORY_ONLY past the memory budget keeps what fits and recomputes the rest, with the right answer', async () => {
  const computed = ctx.longAccumulator('computed');
  const rdd = big(computed).persist(StorageLevel.MEMORY_ONLY);
  checkRows(await rdd.collect());
  checkRows(await rdd.collect());
  assert.ok(computed.value > 1600, 'partitions that did not fit were recomputed');
  assert.ok(computed.value < 3200, 'partitions that fit were read from memory');
  const [stats] = await ctx.executorStats();
  assert.ok(stats.memoryUsed <= BUDGET, `memory store ${stats.memoryUsed} within ${BUDGET}`);
  await rdd.unpersist();
  ctx.dagScheduler.assertDataStructuresEmpty();
});

test('a single partition larger than the whole budget is not cached under MEMORY_ONLY and goes to disk under MEMORY_AND_DISK', async () => {
  for (const [level, computes] of [[StorageLevel.MEMORY_ONLY, 2], [StorageLevel.MEMORY_AND_DISK, 1]] as const) {
    const computed = ctx.longAccumulator('computed');
    const rdd = ctx.parallelize([0], 1).flatMap((seed) => { computed.add(1); return Array.from({ length: 1500 }, (_, i) => new Float64Array(64).fill(seed + i)); }, { computed }).persist(level);
    assert.equal((await rdd.collect()).length, 1500);
    const again = await rdd.collect();
    assert.ok(again.every((a, i) => a.length === 64 && a[63] === i));
    assert.equal(computed.value, computes, `${level}`);
    const [stats] = await ctx.executorStats();
    assert.ok(stats.memoryUsed <= BUDGET);
    await rdd.unpersist();
  }
  ctx.dagScheduler.assertDataStructuresEmpty();
});

test('a MEMORY_ONLY partition past the budget is unrolled only up to the budget: take(3) does not compute the whole partition', async () => {
  const produced = ctx.longAccumulator('produced');
  const rdd = ctx.parallelize([0], 1).mapPartitions(function* () {
    for (let i = 0; i < 1_000_000; i++) { produced.add(1); yield `record number ${i} of a partition far bigger than the memory budget`; }
  }, { produced }).persist(StorageLevel.MEMORY_ONLY);
  assert.deepEqual(await rdd.take(3), [0, 1, 2].map((i) => `record number ${i} of a partition far bigger than the memory budget`));
  assert.ok(produced.value < 100_000, `pulled ${produced.value} records of 1,000,000`);
  const [stats] = await ctx.executorStats();
  assert.equal(stats.blocks.filter((b) => b.startsWith(`rdd_${rdd.id}_`)).length, 0, 'not cached');
  await rdd.unpersist();
  ctx.dagScheduler.assertDataStructuresEmpty();
});

test('a MEMORY_AND_DISK partition past the budget streams to disk and back, and is then read from disk', async () => {
  const produced = ctx.longAccumulator('produced');
  const rdd = ctx.parallelize([0], 1).mapPartitions(function* () {
    for (let i = 0; i < 50_000; i++) { produced.add(1); yield { i, bytes: new Uint8Array(64).fill(i % 256) }; }
  }, { produced }).persist(StorageLevel.MEMORY_AND_DISK);
  for (let pass = 0; pass < 2; pass++) {
    let n = 0;
    for await (const r of rdd.toLocalIterator()) {
      assert.equal(r.i, n);
      assert.ok(r.bytes.every((b: number) => b === n % 256));
      n++;
    }
    assert.equal(n, 50_000);
  }
  assert.equal(produced.value, 50_000, 'computed once, then read from disk');
  const [stats] = await ctx.executorStats();
  assert.ok(stats.memoryUsed <= BUDGET);
  assert.equal(stats.blocks.filter((b) => b.startsWith(`rdd_${rdd.id}_`)).length, 1);
  await rdd.unpersist();
  ctx.dagScheduler.assertDataStructuresEmpty();
});
