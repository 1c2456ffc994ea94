/** The context cleaner: shuffle files and cached blocks of RDDs that were garbage collected are removed. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { FlintContext } from '../../engine/index.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function collectGarbage(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('shuffle files, cached blocks and broadcast values go once their handles are unreachable', async () => {
  const ctx = await FlintContext.create({ master: 'local[1]', conf: { 'flint.ui.showProgress': false } });
  try {
    const shuffleDir = join(ctx.localDir, 'shuffle');
    await (async () => {
      const counts = ctx.parallelize([1, 2, 3, 1], 2).map((x) => [x, 1] as [number, number]).reduceByKey((a, b) => a + b).cache();
      assert.equal(await counts.count(), 3);
    })();
    await (async () => {
      const b = ctx.broadcast([1, 2, 3]);
      assert.equal(await ctx.parallelize([0, 1, 2]).map((i) => b.value[i], { b }).reduce((x, y) => x + y), 6);
    })();
    const broadcastDir = join(ctx.localDir, 'broadcast');
    assert.equal(readdirSync(broadcastDir).length, 1);
    assert.ok(readdirSync(shuffleDir).length > 0);
    assert.ok((await ctx.executorStats())[0].blocks.length > 0);
    for (let i = 0; i < 20 && (readdirSync(shuffleDir).length > 0 || (await ctx.executorStats())[0].blocks.length > 0); i++) await collectGarbage();
    for (let i = 0; i < 20 && readdirSync(broadcastDir).length > 0; i++) await collectGarbage();
    assert.deepEqual(readdirSync(shuffleDir), []);
    assert.deepEqual(readdirSync(broadcastDir), [], 'the broadcast value went too');
    assert.deepEqual((await ctx.executorStats())[0].blocks, []);
    const keep = (() => {
      const table = ctx.broadcast({ a: 10 });
      return ctx.parallelize([1, 2]).map((x) => x + table.value.a, { table });
    })();
    await collectGarbage();
    await collectGarbage();
    assert.deepEqual(await keep.collect(), [11, 12], 'an RDD that uses a broadcast keeps it alive after its handle is dropped');
  } finally {
    await ctx.stop();
  }
});

test('the context does not keep accumulators the application dropped', async () => {
  const ctx = await FlintContext.create({ master: 'local[1]', conf: { 'flint.ui.showProgress': false } });
  try {
    const dropped = await (async () => {
      const acc = ctx.longAccumulator('per-iteration');
      await ctx.parallelize([1, 2, 3], 1).foreach((x) => acc.add(x), { acc });
      assert.equal(acc.value, 6);
      return new WeakRef(acc);
    })();
    for (let i = 0; i < 20 && dropped.deref() !== undefined; i++) await collectGarbage();
    assert.equal(dropped.deref(), undefined, 'the accumulator was collected');
    const kept = ctx.longAccumulator();
    await ctx.parallelize([4, 5], 2).foreach((x) => kept.add(x), { kept });
    assert.equal(kept.value, 9);
  } finally {
    await ctx.stop();
  }
});
