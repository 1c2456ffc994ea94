/** FlintContext: master URLs, defaultParallelism, conf, sources and stop. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { FlintContext, parseMaster, type FlintUserError } from '../../engine/index.ts';

test('master URLs: local, local[N], local[*], local[N,F]', () => {
  assert.deepEqual(parseMaster('local'), { kind: 'local', slots: 1, maxFailures: 1 });
  assert.deepEqual(parseMaster('local[3]'), { kind: 'local', slots: 3, maxFailures: 1 });
  assert.deepEqual(parseMaster('local[*]'), { kind: 'local', slots: availableParallelism(), maxFailures: 1 });
  assert.deepEqual(parseMaster('local[2,4]'), { kind: 'local', slots: 2, maxFailures: 4 });
  assert.throws(() => parseMaster('local[0]'), /at least 1/);
  assert.throws(() => parseMaster('yarn'), (e: FlintUserError) => e.code === 'BAD_MASTER' && /local\[N,F\]/.test(e.message));
  assert.throws(() => parseMaster('flint://host:7077'), (e: FlintUserError) => e.code === 'NOT_IMPLEMENTED');
});

test('defaultParallelism is the slot count unless flint.default.parallelism is set; stop removes the local directory', async () => {
  const ctx = await FlintContext.create({ master: 'local[3]', appName: 'ctx-test', conf: { 'flint.ui.showProgress': false } });
  assert.equal(ctx.defaultParallelism, 3);
  assert.equal(ctx.appName, 'ctx-test');
  assert.equal(ctx.conf.getNumber('flint.task.maxFailures'), 1);
  assert.equal(ctx.parallelize([1, 2, 3, 4, 5, 6]).getNumPartitions(), 3);
  assert.ok(existsSync(ctx.localDir));
  await ctx.stop();
  assert.equal(existsSync(ctx.localDir), false);
  await ctx.stop();
  const fixed = await FlintContext.create({ master: 'local[2,5]', conf: { 'flint.default.parallelism': 7, 'flint.ui.showProgress': false } });
  try {
    assert.equal(fixed.defaultParallelism, 7);
    assert.equal(fixed.conf.getNumber('flint.task.maxFailures'), 5);
    assert.equal(fixed.parallelize([[1, 1]] as [number, number][]).reduceByKey((a, b) => a + b).getNumPartitions(), 7);
  } finally {
    await fixed.stop();
  }
});

test('bad arguments are clear user errors', async () => {
  const ctx = await FlintContext.create({ master: 'local', conf: { 'flint.ui.showProgress': false } });
  try {
    assert.throws(() => ctx.parallelize([1], 0), /numSlices must be a positive integer/);
    assert.throws(() => ctx.parallelize(5 as never), /needs an iterable/);
    assert.throws(() => ctx.range(0, 10, 0), /non-zero/);
    assert.throws(() => ctx.readFormat('nope', 'x'), /no data format 'nope' is registered/);
    assert.throws(() => ctx.parallelize([1]).checkpoint(), (e: FlintUserError) => e.code === 'NO_CHECKPOINT_DIR');
    const other = await FlintContext.create({ master: 'local', conf: { 'flint.ui.showProgress': false } });
    try {
      assert.throws(() => ctx.parallelize([1]).union(other.parallelize([2])), (e: FlintUserError) => e.code === 'FOREIGN_RDD');
    } finally {
      await other.stop();
    }
  } finally {
    await ctx.stop();
  }
});

test('an action started just before stop fails with JOB_CANCELLED instead of never settling', async () => {
  const ctx = await FlintContext.create({ master: 'local[2]', conf: { 'flint.ui.showProgress': false } });
  // The job reaches the scheduler only after stop() has begun (runJob awaits the RDD's preparation first).
  const settled = ctx.parallelize([1, 2, 3]).count().then(
    () => 'resolved',
    (e: FlintUserError) => e.code,
  );
  await ctx.stop();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outcome = await Promise.race([settled, new Promise((r) => { timer = setTimeout(() => r('never settled'), 2000); })]);
  clearTimeout(timer);
  assert.equal(outcome, 'JOB_CANCELLED');
});
