/** local-cluster[N,cores,memMB]: the same jobs run in separate executor processes (shuffles, caching, broadcast, accumulators, moduleRef, failures). */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { FlintContext, moduleRef, parseMaster } from '../../../../engine/index.ts';

let ctx: FlintContext;

before(async () => {
  ctx = await FlintContext.create({ master: 'local-cluster[2,1,256]', conf: { 'flint.ui.showProgress': false } });
});
after(async () => {
  await ctx.stop();
});

test('master local-cluster[N,cores,memMB] parses; bad forms are clear errors', () => {
  assert.deepEqual(parseMaster('local-cluster[2,3,512]'), { kind: 'local-cluster', executors: 2, cores: 3, memMB: 512, slots: 6, maxFailures: 4 });
  assert.throws(() => parseMaster('local-cluster[2,3]'), /local-cluster\[N,cores,memMB\]/);
  assert.equal(ctx.defaultParallelism, 2);
  assert.deepEqual([...ctx.backend.slots].sort(), ['exec0-0', 'exec1-0']);
});

test('tasks run in other processes, and shuffles cross them', async () => {
  const pids = await ctx.parallelize([1, 2, 3, 4], 4).mapPartitions(() => [process.pid]).collect();
  assert.ok(pids.every((p) => p !== process.pid), 'not in the driver process');
  assert.equal(new Set(pids).size, 2, 'two executor processes');
  const counts = await ctx.parallelize('a b a c b a'.split(' '), 3).map((w) => [w, 1] as [string, number]).reduceByKey((a, b) => a + b).collect();
  assert.deepEqual(counts.sort(), [['a', 3], ['b', 2], ['c', 1]]);
  const joined = await ctx.parallelize([[1, 'x'], [2, 'y']] as [number, string][], 2).join(ctx.parallelize([[1, true]] as [number, boolean][], 1)).collect();
  assert.deepEqual(joined, [[1, ['x', true]]]);
  ctx.dagScheduler.assertDataStructuresEmpty();
});

test('caching, broadcast and accumulators work across processes', async () => {
  const computed = ctx.longAccumulator();
  const table = ctx.broadcast({ scale: 10 });
  const rdd = ctx.parallelize([1, 2, 3, 4], 4).map((x) => { computed.add(1); return x * table.value.scale; }, { computed, table }).cache();
  assert.equal(await rdd.reduce((a, b) => a + b), 100);
  assert.deepEqual(await rdd.collect(), [10, 20, 30, 40]);
  assert.equal(computed.value, 4, 'computed once, read back from the executors\' block stores');
  const fetches = (await ctx.executorStats()).reduce((n, s) => n + s.broadcastFetches, 0);
  assert.ok(fetches <= 2);
  await rdd.unpersist();
});

test('moduleRef and failures behave as in local mode', async () => {
  const out = await ctx.parallelize([1, 2]).map((x) => double(x), { double: moduleRef('./test/fixtures/engine/helpers.ts', 'double') }).collect();
  assert.deepEqual(out, [2, 4]);
  await assert.rejects(ctx.parallelize([1, 2], 2).map((x) => { if (x === 2) throw new TypeError('in a process'); return x; }).collect(),
    (e: Error & { code?: string }) => e.code === 'JOB_FAILED' && /failed 4 times.*TypeError: in a process/s.test(e.message));
  ctx.dagScheduler.assertDataStructuresEmpty();
});

declare const double: (x: number) => number;

test('a lost executor process is replaced; its running task is retried and the job succeeds', async () => {
  const pairs = ctx.parallelize([1, 2, 3, 4], 2).map((x) => [x % 2, x] as [number, number]).reduceByKey((a, b) => a + b, 2);
  assert.equal(await pairs.count(), 2);
  const out = await pairs.mapPartitions((it, tc) => {
    if (tc.partitionId === 0 && tc.attemptNumber === 0) process.kill(process.pid, 'SIGKILL');
    return [...it];
  }).collect();
  assert.deepEqual(out.sort(), [[0, 6], [1, 4]]);
  assert.equal((ctx.backend as unknown as { restarts: number }).restarts, 1);
  for (const t0 = Date.now(); ctx.liveSlots.length < 2; await new Promise((r) => setTimeout(r, 20))) {
    assert.ok(Date.now() - t0 < 20_000, 'the replacement became ready');
  }
  const pids = await ctx.parallelize([1, 2, 3, 4], 4).mapPartitions(() => [process.pid]).collect();
  assert.equal(new Set(pids).size, 2, 'both executors serve tasks again');
  ctx.dagScheduler.assertDataStructuresEmpty();
});
