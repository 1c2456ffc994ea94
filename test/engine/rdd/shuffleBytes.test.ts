/** Byte-array records (Arrow IPC bytes, tensors) through spilling shuffles come out intact: no value aliases a reused read buffer (segments over the 1 MiB read chunk). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlintContext } from '../../../engine/index.ts';

test('Uint8Array and Float32Array values survive groupByKey, sortByKey and partitionBy with a tiny shuffle budget', async () => {
  const ctx = await FlintContext.create({ master: 'local[2]', conf: { 'flint.shuffle.memoryBytes': 32 << 10, 'flint.ui.showProgress': false } });
  try {
    const pairs = ctx.parallelize(Array.from({ length: 4000 }, (_, i) => i), 4)
      .map((i) => [i % 97, i % 2 === 0 ? new Uint8Array(6000).fill(i % 97) : new Float32Array(1500).fill(i % 97)] as [number, Uint8Array | Float32Array]);
    const intact = (k: number, v: Uint8Array | Float32Array) => v.length > 0 && v.every((b) => b === k);
    const grouped = await pairs.groupByKey(3).collect();
    assert.equal(grouped.reduce((n, [, vs]) => n + vs.length, 0), 4000);
    for (const [k, vs] of grouped) for (const v of vs) assert.ok(intact(k, v), `a value of key ${k} was overwritten`);
    const sorted = await pairs.sortByKey(true, 3).collect();
    assert.equal(sorted.length, 4000);
    sorted.forEach(([k, v], i) => { assert.ok(i === 0 || sorted[i - 1][0] <= k); assert.ok(intact(k, v), `sorted value of key ${k} was overwritten`); });
    const moved = await pairs.repartition(5).collect();
    assert.equal(moved.length, 4000);
    for (const [k, v] of moved) assert.ok(intact(k, v));
    ctx.dagScheduler.assertDataStructuresEmpty();
  } finally {
    await ctx.stop();
  }
});
