/** Broadcast variables: read in tasks, fetched at most once per executor and kept across jobs, destroyed everywhere. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { FlintContext, type FlintUserError } from '../../../engine/index.ts';

let ctx: FlintContext;

before(async () => {
  ctx = await FlintContext.create({ master: 'local[2]', conf: { 'flint.ui.showProgress': false } });
});
after(async () => {
  await ctx.stop();
});

test('tasks read the broadcast value; each executor fetches it once across tasks and jobs', async () => {
  const table = ctx.broadcast(new Map([[1, 'one'], [2, 'two'], [3, 'three']]));
  assert.equal(table.value.get(1), 'one');
  const before = (await ctx.executorStats()).reduce((n, s) => n + s.broadcastFetches, 0);
  const rdd = ctx.parallelize([1, 2, 3, 1, 2, 3, 1, 2], 8).map((x) => table.value.get(x), { table });
  assert.deepEqual(await rdd.collect(), ['one', 'two', 'three', 'one', 'two', 'three', 'one', 'two']);
  assert.equal(await rdd.count(), 8);
  const stats = await ctx.executorStats();
  const fetched = stats.reduce((n, s) => n + s.broadcastFetches, 0) - before;
  assert.ok(fetched >= 1 && fetched <= stats.length, `fetched ${fetched} times for ${stats.length} executors over 16 tasks`);
});

test('destroy() removes it: the driver and later tasks fail clearly', async () => {
  const b = ctx.broadcast([1, 2, 3]);
  assert.deepEqual(await ctx.parallelize([0, 1], 2).map((i) => b.value[i], { b }).collect(), [1, 2]);
  await b.destroy();
  assert.throws(() => b.value, (e: FlintUserError) => e.code === 'BROADCAST_DESTROYED');
  assert.throws(() => ctx.parallelize([0]).map((i) => b.value[i], { b }), /destroyed/);
});

test('a value that cannot be serialized is refused when broadcast', () => {
  assert.throws(() => ctx.broadcast({ f: () => 1 }), /cannot be serialized/);
});
