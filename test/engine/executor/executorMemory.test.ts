/** memMB of local-cluster[N,cores,memMB] is a real cap: the slots' heap limits and the block store and shuffle budgets derive from it, and an executor caching far more than memMB stays within it (peak RSS of the real process). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { FlintContext, StorageLevel, executorMemory } from '../../../engine/index.ts';

const MiB = 2 ** 20;

/** A /proc/<pid>/status field in MiB (VmRSS: resident now; VmHWM: peak resident). */
function procStatus(pid: number, key: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${key}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) / 1024;
}

test('memMB is split among the cores; the block store gets 30% and the shuffle 20% of a slot\'s share, never more than configured', () => {
  assert.deepEqual(executorMemory(1000, 2, 256 * MiB, 64 * MiB), { slotHeapMB: 500, storageMemoryBytes: Math.floor(150 * MiB), shuffleMemoryBytes: 64 * MiB });
  assert.deepEqual(executorMemory(128, 1, 256 * MiB, 64 * MiB), { slotHeapMB: 128, storageMemoryBytes: Math.floor(128 * MiB * 0.3), shuffleMemoryBytes: Math.floor(128 * MiB * 0.2) });
  assert.equal(executorMemory(4096, 1, 256 * MiB, 64 * MiB).storageMemoryBytes, 256 * MiB, 'an explicit smaller budget stays');
});

test('an executor of local-cluster[1,1,128] caching 320 MiB holds no more than memMB beyond its runtime', { skip: process.platform !== 'linux' && 'reads /proc', timeout: 60_000 }, async () => {
  const ctx = await FlintContext.create({ master: 'local-cluster[1,1,128]', conf: { 'flint.ui.showProgress': false } });
  try {
    const [stats] = await ctx.executorStats();
    assert.equal(stats.storageMemoryBytes, Math.floor(128 * MiB * 0.3));
    assert.equal(stats.shuffleMemoryBytes, Math.floor(128 * MiB * 0.2));
    const [pid] = await ctx.parallelize([0], 1).mapPartitions(() => [process.pid]).collect();
    const base = procStatus(pid, 'VmRSS');
    // 40 partitions of 8 MiB (typed arrays live outside V8's heap: only the budgets bound them).
    const rdd = ctx.parallelize(Array.from({ length: 40 }, (_, i) => i), 40)
      .flatMap((i) => Array.from({ length: 8 }, () => new Float64Array(131072).fill(i)))
      .persist(StorageLevel.MEMORY_ONLY);
    assert.equal(await rdd.count(), 320);
    assert.equal(await rdd.map((a) => a[0]).reduce((a, b) => a + b), 8 * (39 * 40) / 2);
    const growth = procStatus(pid, 'VmHWM') - base;
    const [after] = await ctx.executorStats();
    assert.ok(after.memoryUsed <= 128 * MiB * 0.3, `the block store holds ${after.memoryUsed / MiB} MiB`);
    assert.ok(growth < 128, `peak RSS grew by ${growth.toFixed(0)} MiB over the executor's ${base.toFixed(0)} MiB at start; memMB is 128`);
  } finally {
    await ctx.stop();
  }
});
