/** The task timeline: every finished attempt with its slot and times, and with flint.task.cpuStats its on-CPU and run-queue time. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { FlintContext } from '../../../engine/index.ts';

test('taskTimeline lists each task of a two-stage job with its slot, and CPU figures when asked', async () => {
  const ctx = await FlintContext.create({ master: 'local[2]', conf: { 'flint.ui.showProgress': false, 'flint.task.cpuStats': true } });
  try {
    const before = performance.now();
    await ctx.parallelize(Array.from({ length: 2000 }, (_, i) => i), 4).map((x) => [x % 3, x] as [number, number]).reduceByKey((a, b) => a + b, 2).collect();
    const t = ctx.taskTimeline();
    assert.equal(t.length, 6, '4 map tasks and 2 reduce tasks');
    assert.deepEqual(new Set(t.map((e) => e.stageId)).size, 2);
    for (const e of t) {
      assert.ok(e.ok && e.launchedMs >= before && e.endedMs >= e.launchedMs && (e.runMs ?? -1) >= 0);
      assert.ok(['local-0', 'local-1'].includes(e.executorId));
      if (existsSync('/proc/thread-self/schedstat')) assert.ok((e.cpuMs ?? -1) >= 0 && (e.cpuWaitMs ?? -1) >= 0, 'schedstat figures present');
    }
    const firstReduce = Math.min(...t.filter((e) => e.stageId === t[t.length - 1].stageId).map((e) => e.launchedMs));
    assert.ok(t.filter((e) => e.stageId === t[0].stageId).every((e) => e.endedMs <= firstReduce), 'reduce tasks start after every map task ended');
  } finally {
    await ctx.stop();
  }
});
