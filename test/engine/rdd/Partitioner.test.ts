/** Partitioners: RangePartitioner is built from its bounds and never changes; sortByKey builds one from sampled bounds when it is prepared. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlintContext, RangePartitioner } from '../../../engine/index.ts';

test('a RangePartitioner takes its bounds in the constructor and places keys by them', () => {
  const bounds = [10, 20, 30];
  const p = new RangePartitioner(bounds, true, undefined);
  bounds.push(40);
  assert.equal(p.numPartitions, 4, 'the bounds are copied: changing the array given does not change the partitioner');
  assert.deepEqual([5, 10, 11, 20, 25, 31, 99].map((k) => p.getPartition(k)), [0, 0, 1, 1, 2, 3, 3]);
  const desc = new RangePartitioner([10, 20, 30], false, undefined);
  assert.deepEqual([5, 25, 99].map((k) => desc.getPartition(k)), [3, 1, 0]);
  assert.ok(p.equals(new RangePartitioner([10, 20, 30], true, undefined)));
  assert.ok(!p.equals(desc));
  assert.ok(!p.equals(new RangePartitioner([10, 20], true, undefined)));
  assert.equal(new RangePartitioner([], true, undefined).numPartitions, 1);
  assert.throws(() => new RangePartitioner(3 as unknown as unknown[], true, undefined), /array of bounds/);
});

test('sortByKey has a RangePartitioner of the sampled bounds once prepared, and none before', async () => {
  const ctx = await FlintContext.create({ master: 'local[2]', conf: { 'flint.ui.showProgress': false } });
  try {
    const data = Array.from({ length: 1000 }, (_, i) => [(i * 7919) % 1000, i] as [number, number]);
    const sorted = ctx.parallelize(data, 4).sortByKey(true, 4);
    assert.equal(sorted.partitioner, undefined, 'no partitioner before its sampling job');
    assert.equal(sorted.getNumPartitions(), 4, 'the count asked for is known before sampling');
    assert.equal(sorted.partitioner, undefined, 'getNumPartitions runs no job');
    assert.equal(await sorted.getNumPartitionsAsync(), 4);
    const p = (sorted as { partitioner?: unknown }).partitioner; // re-read: the assertion above narrowed the type
    assert.ok(p instanceof RangePartitioner);
    assert.equal(p.bounds.length + 1, p.numPartitions);
    const parts = await sorted.glom().collect();
    parts.forEach((part, i) => part.forEach(([k]) => assert.equal(p.getPartition(k), i)));
    const few = ctx.parallelize([[1, 'a'], [1, 'b']] as [number, string][], 2).sortByKey(true, 4);
    const fewParts = await few.glom().collect();
    assert.ok((few.partitioner as RangePartitioner).bounds.length <= 1, 'fewer distinct keys than partitions give fewer ranges');
    assert.equal(few.getNumPartitions(), 4, 'and the partitions asked for, as PySpark: the last ones are empty');
    assert.deepEqual(fewParts.map((p) => p.length).sort(), [0, 0, 0, 2]);
    const desc = ctx.parallelize([[1, 'a'], [2, 'b'], [1, 'c']] as [number, string][], 2).sortByKey(false, 5);
    assert.deepEqual(await desc.keys().collect(), [2, 1, 1], 'descending with empty trailing partitions keeps the order');
  } finally {
    await ctx.stop();
  }
});
