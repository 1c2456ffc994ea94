/** Task failures and retries, ported from Spark's FailureSuite: retry up to F attempts, job failure messages, no cache entry or accumulator count from failed attempts. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FlintContext, type FlintUserError } from '../../../engine/index.ts';

let ctx: FlintContext;

before(async () => {
  ctx = await FlintContext.create({ master: 'local[2,3]', conf: { 'flint.ui.showProgress': false } });
});
after(async () => {
  await ctx.stop();
});

describe('retries (local[N,F])', () => {
  test('a task that fails on its first attempts is retried and the job succeeds', async () => {
    const out = await ctx.parallelize([1, 2, 3, 4], 2)
      .mapPartitions((it, tc) => {
        if (tc.partitionId === 1 && tc.attemptNumber < 2) throw new Error(`flaky attempt ${tc.attemptNumber}`);
        return [...it].map((x) => x * 10);
      })
      .collect();
    assert.deepEqual(out, [10, 20, 30, 40]);
    ctx.dagScheduler.assertDataStructuresEmpty();
  });

  test('a map-stage task is retried too', async () => {
    const out = await ctx.parallelize([1, 2, 3, 4], 2)
      .mapPartitions((it, tc) => {
        if (tc.partitionId === 0 && tc.attemptNumber === 0) throw new Error('flaky map');
        return [...it].map((x) => [x % 2, x] as [number, number]);
      })
      .reduceByKey((a, b) => a + b)
      .collect();
    assert.deepEqual(out.sort(), [[0, 6], [1, 4]]);
    ctx.dagScheduler.assertDataStructuresEmpty();
  });

  test('after F failures the job fails naming the stage, the partition and the user function\'s stack', async () => {
    function explode(x: number): number {
      if (x === 3) throw new RangeError(`bad record ${x}`);
      return x;
    }
    const err = await ctx.parallelize([1, 2, 3, 4], 2).map((x) => explode(x), { explode }).collect().then(
      () => assert.fail('the job should fail'),
      (e: FlintUserError) => e,
    );
    assert.equal(err.code, 'JOB_FAILED');
    assert.match(err.message, /partition 1 of stage \d+ \(collect at scheduler\/TaskScheduler\.test\.ts:\d+\) failed 3 times/);
    assert.match(err.message, /RangeError: bad record 3/);
    assert.match(err.message, /in user code: at explode \(flint-fn:\/\/map\.env\.explode@scheduler\/TaskScheduler\.test\.ts:\d+/);
    const cause = err.cause as Error;
    assert.equal(cause.name, 'RangeError');
    assert.match(cause.stack ?? '', /explode/);
    ctx.dagScheduler.assertDataStructuresEmpty();
  });

  test('local[N] without F does not retry', async () => {
    const one = await FlintContext.create({ master: 'local[1]', conf: { 'flint.ui.showProgress': false } });
    try {
      const attempts = one.collectionAccumulator<number>();
      await assert.rejects(one.parallelize([1], 1).mapPartitions((it, tc) => { throw new Error(`attempt ${tc.attemptNumber}`); }).collect(), /failed 1 time .*attempt 0/s);
      assert.deepEqual(attempts.value, []);
    } finally {
      await one.stop();
    }
  });
});

describe('what a failed attempt leaves behind', () => {
  test('accumulator updates of failed attempts are not counted; the successful attempt counts once', async () => {
    const acc = ctx.longAccumulator('records');
    const out = await ctx.parallelize([1, 2, 3, 4, 5, 6], 3)
      .mapPartitions((it, tc) => {
        const xs = [...it];
        for (const x of xs) acc.add(x);
        if (tc.partitionId === 2 && tc.attemptNumber < 2) throw new Error('fail after counting');
        return xs;
      }, { acc })
      .count();
    assert.equal(out, 6);
    assert.equal(acc.value, 21, 'two failed attempts added 11 each, and none of it counted');
  });

  test('a failed compute leaves no cache entry, and the retry computes it', async () => {
    const computed = ctx.longAccumulator();
    const rdd = ctx.parallelize([1, 2, 3, 4], 2)
      .mapPartitions((it, tc) => {
        const xs = [...it];
        computed.add(1);
        if (tc.partitionId === 0 && tc.attemptNumber === 0) throw new Error('half-way');
        return xs;
      }, { computed })
      .cache();
    assert.equal(await rdd.count(), 4);
    assert.equal(computed.value, 2, 'one successful compute per partition counted');
    const blocks = (await ctx.executorStats()).flatMap((s) => s.blocks).filter((b) => b.startsWith(`rdd_${rdd.id}_`)).sort();
    assert.deepEqual(blocks, [`rdd_${rdd.id}_0`, `rdd_${rdd.id}_1`]);
    assert.equal(await rdd.count(), 4);
    assert.equal(computed.value, 2);
    await rdd.unpersist();
  });

  test('a failure inside a cached partition\'s compute stores nothing for that partition', async () => {
    const one = await FlintContext.create({ master: 'local[1]', conf: { 'flint.ui.showProgress': false } });
    try {
      const rdd = one.parallelize([1, 2, 3], 1).map((x) => { if (x === 3) throw new Error('late failure'); return x; }).cache();
      await assert.rejects(rdd.count(), /late failure/);
      const stats = await one.executorStats();
      assert.deepEqual(stats[0].blocks, []);
      one.dagScheduler.assertDataStructuresEmpty();
    } finally {
      await one.stop();
    }
  });
});

describe('jobs and the context', () => {
  test('concurrent jobs share the slots and all finish', async () => {
    const jobs = Array.from({ length: 6 }, (_, i) => ctx.parallelize(Array.from({ length: 50 }, (_, j) => j), 3).map((x) => [x % 3, x + i] as [number, number], { i }).reduceByKey((a, b) => a + b).collect());
    const results = await Promise.all(jobs);
    results.forEach((r, i) => assert.equal(r.reduce((s, [, v]) => s + v, 0), 1225 + 50 * i));
    ctx.dagScheduler.assertDataStructuresEmpty();
  });

  test('a result that cannot cross threads fails the job with a clear error', async () => {
    await assert.rejects(ctx.parallelize([1], 1).map(() => () => 1).collect(), (e: Error) => /could not be sent back from its executor thread/.test(e.message) && /plain data/.test(e.message));
    ctx.dagScheduler.assertDataStructuresEmpty();
  });

  test('stop() fails later use clearly', async () => {
    const c = await FlintContext.create({ master: 'local', conf: { 'flint.ui.showProgress': false } });
    const rdd = c.parallelize([1, 2]);
    await c.stop();
    await assert.rejects(rdd.count(), (e: Error & { code?: string }) => e.code === 'CONTEXT_STOPPED');
    assert.throws(() => c.parallelize([1]), /stopped/);
  });
});

describe('a lost task slot', () => {
  test('a task whose worker thread dies is retried on a fresh thread, which gets the plan again', async () => {
    const c = await FlintContext.create({ master: 'local[1,3]', conf: { 'flint.ui.showProgress': false } });
    try {
      const pairs = c.parallelize([1, 2, 3, 4], 2).map((x) => [x % 2, x] as [number, number]).reduceByKey((a, b) => a + b, 2);
      assert.equal(await pairs.count(), 2);
      const out = await pairs.mapPartitions((it, tc) => {
        if (tc.partitionId === 1 && tc.attemptNumber === 0) process.exit(3);
        return [...it];
      }).collect();
      assert.deepEqual(out.sort(), [[0, 6], [1, 4]]);
      c.dagScheduler.assertDataStructuresEmpty();
    } finally {
      await c.stop();
    }
  });
});
