/** DAGScheduler behaviour: stages cut at shuffles, narrow chains in one task, map outputs reused across jobs, lost map outputs recomputed, no leaked state. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { FlintContext } from '../../../engine/index.ts';

let ctx: FlintContext;

before(async () => {
  ctx = await FlintContext.create({ master: 'local[2]', conf: { 'flint.ui.showProgress': false } });
});
after(async () => {
  await ctx.stop();
});

function snapshot() {
  return { ...ctx.dagScheduler.metrics };
}

function delta(a: ReturnType<typeof snapshot>) {
  const b = ctx.dagScheduler.metrics;
  return { map: b.mapStagesSubmitted - a.mapStagesSubmitted, result: b.resultStagesSubmitted - a.resultStagesSubmitted, tasks: b.tasksSubmitted - a.tasksSubmitted };
}

describe('stages', () => {
  test('a narrow chain runs as one stage of one task per partition', async () => {
    const s = snapshot();
    const out = await ctx.parallelize([1, 2, 3, 4, 5, 6], 3).map((x) => x + 1).filter((x) => x % 2 === 0).flatMap((x) => [x, x]).collect();
    assert.deepEqual(out, [2, 2, 4, 4, 6, 6]);
    assert.deepEqual(delta(s), { map: 0, result: 1, tasks: 3 });
    ctx.dagScheduler.assertDataStructuresEmpty();
  });

  test('a job with two shuffles runs three stages', async () => {
    const s = snapshot();
    const out = await ctx.parallelize(['a b', 'b c', 'c a b'], 2)
      .flatMap((l) => l.split(' '))
      .map((w) => [w, 1] as [string, number])
      .reduceByKey((a, b) => a + b, 3)
      .map(([w, c]) => [c, w] as [number, string])
      .groupByKey(2)
      .collect();
    assert.deepEqual(out.map(([c, ws]) => [c, ws.sort()]).sort(), [[2, ['a', 'c']], [3, ['b']]]);
    assert.deepEqual(delta(s), { map: 2, result: 1, tasks: 2 + 3 + 2 });
    ctx.dagScheduler.assertDataStructuresEmpty();
  });

  test('a shuffle\'s map outputs are reused by later jobs: its stage is skipped', async () => {
    const counts = ctx.parallelize(Array.from({ length: 100 }, (_, i) => i % 10), 4).map((x) => [x, 1] as [number, number]).reduceByKey((a, b) => a + b, 2);
    let s = snapshot();
    assert.equal(await counts.count(), 10);
    assert.deepEqual(delta(s), { map: 1, result: 1, tasks: 4 + 2 });
    s = snapshot();
    assert.equal((await counts.collect()).length, 10);
    assert.deepEqual(delta(s), { map: 0, result: 1, tasks: 2 });
    s = snapshot();
    assert.deepEqual(await counts.mapValues((c) => c * 2).lookup(3), [20]);
    assert.deepEqual(delta(s), { map: 0, result: 1, tasks: 1 }, 'lookup on a partitioned RDD reads one partition');
    ctx.dagScheduler.assertDataStructuresEmpty();
  });

  test('a cached RDD upstream of a shuffle is not recomputed by a new shuffle over it', async () => {
    const computed = ctx.longAccumulator();
    const base = ctx.parallelize([1, 2, 3, 4], 2).map((x) => { computed.add(1); return [x % 2, x] as [number, number]; }, { computed }).cache();
    await base.count();
    const s = snapshot();
    assert.deepEqual((await base.groupByKey().mapValues((v) => v.length).collect()).sort(), [[0, 2], [1, 2]]);
    assert.equal(computed.value, 4);
    assert.equal(delta(s).map, 1);
    await base.unpersist();
  });

  test('lost map output files are recomputed from lineage (fetch failure resubmits the map stage)', async () => {
    const counts = ctx.parallelize(Array.from({ length: 40 }, (_, i) => i % 4), 2).map((x) => [x, 1] as [number, number]).reduceByKey((a, b) => a + b, 2);
    assert.equal(await counts.count(), 4);
    const shuffleDir = join(ctx.localDir, 'shuffle');
    for (const f of readdirSync(shuffleDir)) rmSync(join(shuffleDir, f));
    const s = snapshot();
    assert.deepEqual((await counts.collect()).sort(), [[0, 10], [1, 10], [2, 10], [3, 10]]);
    const d = delta(s);
    assert.ok(d.map >= 1, `the map stage ran again (${JSON.stringify(d)})`);
    ctx.dagScheduler.assertDataStructuresEmpty();
  });

  test('jobs over no partitions finish at once', async () => {
    assert.deepEqual(await ctx.emptyRDD<number>().collect(), []);
    assert.equal(await ctx.parallelize<number>([], 3).map((x) => [x, x] as [number, number]).reduceByKey((a, b) => a + b).count(), 0);
    ctx.dagScheduler.assertDataStructuresEmpty();
  });

  test('a failing job cleans up its stages, and the shuffle it finished stays usable', async () => {
    const pairs = ctx.parallelize([1, 2, 3], 3).map((x) => [x, x] as [number, number]).reduceByKey((a, b) => a + b, 2);
    await assert.rejects(pairs.map(([k]) => { if (k === 2) throw new Error('reduce side'); return k; }).collect(), /reduce side/);
    ctx.dagScheduler.assertDataStructuresEmpty();
    const s = snapshot();
    assert.equal(await pairs.count(), 3);
    assert.equal(delta(s).map, 0);
  });
});

describe('groups of jobs (Drizzle-style)', () => {
  test('jobs submitted together pipeline: tasks of job t + 1 wait on executors for blocks of job t', async () => {
    const slots = await FlintContext.create({ master: 'local[2]', conf: { 'flint.ui.showProgress': false } });
    try {
      const parts = slots.parallelize([0, 1], 2);
      // blocks by partition and iteration parity: a block is rewritten only after its readers ran
      const x = await slots.createExchange({ dtype: 'float32', blocks: [0, 1, 2, 3].map(() => ({ length: 1, consumers: slots.slots })) });
      const ref = x.ref;
      const iteration = (t: number) => parts.mapPartitions(async (it, tc) => {
        const i = tc.partitionId;
        const ex = tc.exchange(ref);
        const prev = t === 0 ? 0 : (await ex.get(2 * (1 - i) + ((t - 1) % 2), t, new Float32Array(1)))[0];
        const mine = prev + i + 1;
        await ex.put(2 * i + (t % 2), t + 1, Float32Array.of(mine));
        return [[t, i, mine]];
      }, { t, ref }).collect();
      const results = await Promise.all([0, 1, 2, 3].map(iteration));
      assert.deepEqual(results, [
        [[0, 0, 1], [0, 1, 2]],
        [[1, 0, 3], [1, 1, 3]],
        [[2, 0, 4], [2, 1, 5]],
        [[3, 0, 6], [3, 1, 6]],
      ]);
      await x.destroy();
      slots.dagScheduler.assertDataStructuresEmpty();
    } finally {
      await slots.stop();
    }
  });
});
