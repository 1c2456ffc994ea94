/** Scheduling-floor benchmark: a job of 1,000 empty tasks, milliseconds per task, for local[1] and local[2]. */

// Usage: node --import tsx bench/empty-tasks.ts [tasks=1000] [--runs=N]
// Each master gets a warm-up job first (worker threads started, code loaded; an accumulator checks
// that one task per partition ran); the timed jobs then measure what the driver, scheduler and task
// slots cost per task when the task does nothing (foreachPartition of an empty function).

import { FlintContext } from '../index.ts';
import { recordRun } from './record.ts';

recordRun();

async function measure(master: string, tasks: number, runs: number): Promise<number[]> {
  const ctx = await FlintContext.create({ master, appName: 'empty-tasks', conf: { 'flint.ui.progress': false } });
  try {
    // Warm-up, and proof that the job really runs one task per partition.
    const ran = ctx.longAccumulator('tasks');
    await ctx.parallelize([] as number[], tasks).foreachPartition(() => { ran.add(1); }, { ran });
    if (ran.value !== tasks) throw new Error(`expected ${tasks} tasks to run, counted ${ran.value}`);
    const perTask: number[] = [];
    for (let r = 0; r < runs; r++) {
      const rdd = ctx.parallelize([] as number[], tasks);
      const t0 = performance.now();
      await rdd.foreachPartition(() => {});
      perTask.push((performance.now() - t0) / tasks);
    }
    return perTask;
  } finally {
    await ctx.stop();
  }
}

const args = process.argv.slice(2);
const tasks = Number(args.find((a) => !a.startsWith('--')) ?? 1000);
const runs = Number(args.find((a) => a.startsWith('--runs='))?.slice(7) ?? 5);
for (const master of ['local[1]', 'local[2]']) {
  const perTask = await measure(master, tasks, runs);
  const sorted = [...perTask].sort((a, b) => a - b);
  console.log(`${master}: ${tasks} empty tasks, ms per task over ${runs} jobs: median ${sorted[sorted.length >> 1].toFixed(3)}, best ${sorted[0].toFixed(3)}  [${perTask.map((x) => x.toFixed(3)).join(', ')}]`);
}
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
