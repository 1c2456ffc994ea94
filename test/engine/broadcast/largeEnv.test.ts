/** Large env values travel as broadcasts under the hood: read once per executor, not with every stage's plan; past a size a warning suggests ctx.broadcast. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { FlintContext } from '../../../engine/index.ts';

let ctx: FlintContext;

before(async () => {
  ctx = await FlintContext.create({ master: 'local[2]', conf: { 'flint.ui.showProgress': false } });
});
after(async () => {
  await ctx.stop();
});

const fetches = async () => (await ctx.executorStats()).reduce((n, s) => n + s.broadcastFetches, 0);

test('a large env value is read once per executor across jobs and stages, and a warning suggests ctx.broadcast', { timeout: 30_000 }, async () => {
  const big = Array.from({ length: 1_500_000 }, (_, i) => i * 2); // about 24 MB as estimated
  const warnings: { message: string; code?: string }[] = [];
  const onWarning = (w: Error & { code?: string }) => warnings.push(w);
  process.on('warning', onWarning);
  try {
    const f0 = await fetches();
    const rdd = ctx.parallelize([0, 1, 2, 3, 4, 5, 6, 7], 8).map((i) => big[i * 1000], { big });
    for (let job = 0; job < 3; job++) assert.deepEqual(await rdd.collect(), [0, 2000, 4000, 6000, 8000, 10000, 12000, 14000]);
    const sums = await rdd.map((v) => [v % 4000, v] as [number, number]).reduceByKey((a, b) => a + b, 2).collect();
    assert.deepEqual(sums.sort((a, b) => a[0] - b[0]), [[0, 24000], [2000, 32000]]);
    assert.equal(await fetches() - f0, 2, 'each of the two executors read the value once');
    await new Promise((r) => setImmediate(r));
    const w = warnings.filter((x) => x.code === 'FLINT_LARGE_ENV');
    assert.equal(w.length, 1, 'warned once for the function');
    assert.match(w[0].message, /env value 'big' of about \d+\.\d MiB.*ctx\.broadcast\(value\)/);
  } finally {
    process.off('warning', onWarning);
  }
  ctx.dagScheduler.assertDataStructuresEmpty();
});

test('small env values stay in the plan', async () => {
  const f0 = await fetches();
  assert.deepEqual(await ctx.parallelize([1, 2], 2).map((x) => x * k, { k: 3 }).collect(), [3, 6]);
  assert.equal(await fetches(), f0);
});

declare const k: number;
