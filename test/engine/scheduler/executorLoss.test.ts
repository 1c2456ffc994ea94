/** Executor loss and liveness on local-cluster, with real processes: killed executors and replacements, stalled (SIGSTOP) executors found by missed heartbeats, pinned tasks and queued-ahead groups. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FlintContext } from '../../../engine/index.ts';
import type { LocalClusterBackend } from '../../../engine/scheduler/backends/LocalClusterBackend.ts';

const quiet = { 'flint.ui.showProgress': false };

function procs(ctx: FlintContext) {
  return (ctx.backend as LocalClusterBackend).executorProcesses();
}

/** Polls `cond` every 5 ms; fails the test after `ms`. */
async function waitFor<T>(what: string, ms: number, cond: () => T | undefined | false): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = cond();
    if (v !== undefined && v !== false) return v;
    if (Date.now() - t0 > ms) assert.fail(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Kills executor process `index`, then its replacement as soon as it is forked (before it is ready). */
async function killTwice(ctx: FlintContext, index: number): Promise<void> {
  const first = procs(ctx)[index].pid!;
  process.kill(first, 'SIGKILL');
  const second = await waitFor('a replacement process', 10_000, () => {
    const p = procs(ctx)[index];
    return p.pid !== first && !p.ready ? p.pid : undefined;
  });
  process.kill(second!, 'SIGKILL');
}

const pidsOf = (ctx: FlintContext, n: number) => ctx.parallelize(Array.from({ length: n }, (_, i) => i), n).mapPartitions(() => [process.pid]).collect();

describe('a killed executor whose replacement is killed while it starts (local-cluster[3,1,256])', () => {
  test('replacements are retried with a backoff; jobs meanwhile run on the healthy executors', { timeout: 60_000 }, async () => {
    const ctx = await FlintContext.create({ master: 'local-cluster[3,1,256]', conf: quiet });
    try {
      await killTwice(ctx, 1);
      for (let i = 0; i < 5; i++) assert.equal(await ctx.range(0, 600, 1, 6).count(), 600);
      await waitFor('the slot to come back', 20_000, () => ctx.liveSlots.length === 3);
      assert.ok((ctx.backend as LocalClusterBackend).restarts >= 2, 'a second replacement was started');
      assert.equal(new Set(await pidsOf(ctx, 6)).size, 3, 'all three executors serve tasks again');
      ctx.dagScheduler.assertDataStructuresEmpty();
    } finally {
      await ctx.stop();
    }
  });

  test('when replacements keep failing the slot leaves the offer set for good and the context stays usable', { timeout: 60_000 }, async () => {
    const ctx = await FlintContext.create({ master: 'local-cluster[3,1,256]', conf: { ...quiet, 'flint.executor.restartAttempts': 1 } });
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      await killTwice(ctx, 1);
      await waitFor('the slot to be given up', 10_000, () => warnings.some((w) => /exec1-0.*gone for good/.test(w)));
      assert.deepEqual(ctx.liveSlots, ['exec0-0', 'exec2-0']);
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        const pids = await pidsOf(ctx, 6);
        assert.equal(new Set(pids).size, 2, 'tasks run on the two healthy executors');
        assert.ok(performance.now() - t0 < 5000);
      }
      const counts = await ctx.parallelize('a b a c b a'.split(' '), 6).map((w) => [w, 1] as [string, number]).reduceByKey((a, b) => a + b, 3).collect();
      assert.deepEqual(counts.sort(), [['a', 3], ['b', 2], ['c', 1]]);
      const t0 = performance.now();
      await assert.rejects(
        ctx.runJob(ctx.parallelize([1, 2, 3], 3), 'collect', {}, undefined, { pinned: ['exec0-0', 'exec1-0', 'exec2-0'], maxFailures: 1 }),
        (e: Error & { code?: string }) => /pinned to slot 'exec1-0', whose executor is gone/.test(e.message) && /live slots: exec0-0, exec2-0/.test(e.message));
      assert.ok(performance.now() - t0 < 2000, 'a job pinned to a gone slot fails at once');
      ctx.dagScheduler.assertDataStructuresEmpty();
    } finally {
      process.off('warning', onWarning);
      await ctx.stop();
    }
  });
});

describe('heartbeats (local-cluster[2,1,256], heartbeat 100 ms, network timeout 1500 ms)', () => {
  let ctx: FlintContext;
  before(async () => {
    ctx = await FlintContext.create({
      master: 'local-cluster[2,1,256]',
      conf: { ...quiet, 'flint.executor.heartbeatInterval': 100, 'flint.network.timeout': 1500 },
    });
  });
  after(async () => {
    await ctx.stop();
  });

  test('an executor stopped mid-job (SIGSTOP) is declared lost, killed, and its task is retried elsewhere', { timeout: 30_000 }, async () => {
    const before = procs(ctx).map((p) => p.pid!);
    const t0 = performance.now();
    const out = await ctx.parallelize([1, 2, 3, 4], 4).mapPartitions((it, tc) => {
      if (tc.partitionId === 0 && tc.attemptNumber === 0) process.kill(process.pid, 'SIGSTOP');
      return [...it].map((x) => x * 10);
    }).collect();
    assert.deepEqual(out, [10, 20, 30, 40]);
    assert.ok(performance.now() - t0 < 15_000, 'the stall was detected by the heartbeat timeout, not waited out');
    const stopped = before.filter((pid) => !procs(ctx).some((p) => p.pid === pid && !p.lost));
    assert.equal(stopped.length, 1, 'one executor was declared lost');
    await waitFor('the stalled process to be dead', 5000, () => {
      try { process.kill(stopped[0], 0); return false; } catch { return true; }
    });
    await waitFor('its replacement', 20_000, () => ctx.liveSlots.length === 2);
    ctx.dagScheduler.assertDataStructuresEmpty();
  });

  test('a stalled executor fails its running and queued-ahead tasks promptly, so a pinned group aborts', { timeout: 30_000 }, async () => {
    await waitFor('both slots live', 20_000, () => ctx.liveSlots.length === 2);
    const slots = [...ctx.slots];
    const x = await ctx.createExchange({ dtype: 'float32', blocks: [{ length: 1, consumers: slots }] }, { timeoutMs: 60_000 });
    const ref = x.ref;
    try {
      const base = ctx.parallelize([0, 1], 2);
      const stall = base.mapPartitionsWithIndex(async function* (i, _it, tc) {
        if (i === 1) process.kill(process.pid, 'SIGSTOP');
        yield (await tc.exchange(ref).get(0, 1, new Float32Array(1)))[0];
      }, { ref });
      const next = base.mapPartitions((it) => [...it]);
      const opts = { pinned: slots, maxFailures: 1, queueAhead: true };
      const t0 = performance.now();
      const jobs = await ctx.submitJobs([{ rdd: stall, op: 'collect', params: {}, opts }, { rdd: next, op: 'collect', params: {}, opts }]);
      const settled = await Promise.allSettled(jobs.map((j) => j.finally(() => x.abort())));
      const elapsed = performance.now() - t0;
      for (const s of settled) {
        assert.equal(s.status, 'rejected');
        assert.match(String((s as PromiseRejectedResult).reason.message), /exec1-0.*was lost: it sent no heartbeat for \d+ ms \(flint\.network\.timeout = 1500 ms/s);
      }
      assert.ok(elapsed < 10_000, `the group failed after ${Math.round(elapsed)} ms, well before the exchange wait bound`);
    } finally {
      x.abort();
      await x.destroy();
    }
  });

  test('tasks pinned to a slot whose executor is being replaced wait for the replacement', { timeout: 30_000 }, async () => {
    await waitFor('both slots live', 20_000, () => ctx.liveSlots.length === 2);
    const old = procs(ctx)[1].pid!;
    process.kill(old, 'SIGKILL');
    await waitFor('the loss to be noticed', 5000, () => ctx.liveSlots.length === 1);
    const pids = await ctx.runJob<number[]>(ctx.parallelize([0, 1], 2).mapPartitions(() => [process.pid]), 'collect', {}, undefined,
      { pinned: [...ctx.slots], maxFailures: 1 });
    assert.notEqual(pids[1][0], old);
    assert.equal(pids[1][0], procs(ctx)[1].pid, 'partition 1 ran on the replacement');
    ctx.dagScheduler.assertDataStructuresEmpty();
  });
});
