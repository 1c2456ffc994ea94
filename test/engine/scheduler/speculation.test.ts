/** Speculative execution (flint.speculation, Spark's quantile/multiplier rule): a straggler gets a copy on another slot; pinned jobs and jobs with their own maxFailures never do. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINE_CONF_DEFAULTS, FlintContext } from '../../../engine/index.ts';

let ctx: FlintContext;

before(async () => {
  ctx = await FlintContext.create({
    master: 'local[3]',
    conf: { 'flint.ui.showProgress': false, 'flint.speculation': true, 'flint.speculation.interval': 20, 'flint.speculation.minTaskRuntime': 100 },
  });
});
after(async () => {
  await ctx.stop();
});

/** Blocks the task's thread for `ms` (a straggler that does not yield). */
function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

test('speculation is off by default, as in Spark', () => {
  assert.equal(ENGINE_CONF_DEFAULTS['flint.speculation'], false);
  assert.equal(ENGINE_CONF_DEFAULTS['flint.speculation.quantile'], 0.75);
  assert.equal(ENGINE_CONF_DEFAULTS['flint.speculation.multiplier'], 1.5);
});

test('tasks of pinned jobs and of jobs with their own maxFailures are never speculated', { timeout: 20_000 }, async () => {
  const straggle = (n: number) => ctx.parallelize(Array.from({ length: n }, (_, i) => i), n).mapPartitions((it, tc) => {
    sleep(tc.partitionId === n - 1 && tc.attemptNumber === 0 ? 1200 : 20);
    return [...it];
  }, { sleep, n });
  const before = ctx.speculativeTaskCount;
  const t0 = performance.now();
  assert.deepEqual(await ctx.runJob(straggle(3), 'collect', {}, undefined, { pinned: [...ctx.slots], maxFailures: 1 }), [[0], [1], [2]]);
  assert.deepEqual(await ctx.runJob(straggle(6), 'collect', {}, undefined, { maxFailures: 1 }), [[0], [1], [2], [3], [4], [5]]);
  assert.ok(performance.now() - t0 >= 2300, 'both jobs waited for their straggler');
  assert.equal(ctx.speculativeTaskCount, before, 'no copy was launched');
  ctx.dagScheduler.assertDataStructuresEmpty();
});

test('a straggler gets a speculative copy on another slot; the first result counts, once', { timeout: 20_000 }, async () => {
  const records = ctx.longAccumulator();
  const before = ctx.speculativeTaskCount;
  const t0 = performance.now();
  const out = await ctx.parallelize([0, 1, 2, 3, 4, 5], 6).mapPartitions((it, tc) => {
    const xs = [...it];
    for (const _ of xs) records.add(1);
    sleep(tc.partitionId === 5 && tc.attemptNumber === 0 ? 4000 : 30);
    return xs.map((x) => x * 10);
  }, { sleep, records }).collect();
  const elapsed = performance.now() - t0;
  assert.deepEqual(out, [0, 10, 20, 30, 40, 50]);
  assert.ok(elapsed < 2500, `the copy finished first (${Math.round(elapsed)} ms; the straggler sleeps 4000 ms)`);
  assert.equal(ctx.speculativeTaskCount, before + 1);
  assert.equal(records.value, 6, 'accumulator updates count from the successful attempt only');
  const attempts = ctx.taskTimeline().filter((e) => e.partitionId === 5 && e.launchedMs >= t0);
  assert.equal(attempts.length, 1, 'only the copy has ended so far');
  ctx.dagScheduler.assertDataStructuresEmpty();
});
