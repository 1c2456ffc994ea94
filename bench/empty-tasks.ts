/** Scheduling-floor benchmark: a job of 1,000 empty tasks, milliseconds per task, for local[1] and local[2]. */

// Usage: node --import tsx bench/empty-tasks.ts [tasks=1000] [--runs=N]
// Each master gets a warm-up job first (worker threads started, code loaded); the timed jobs then
// measure what the driver, scheduler and task slots cost per task when the task does nothing.

import { FlintContext } from '../index.ts';

async function measure(master: string, tasks: number, runs: number): Promise<number[]> {
  const ctx = await FlintContext.create({ master, appName: 'empty-tasks', conf: { 'flint.ui.progress': false } });
  try {
    await ctx.parallelize([] as number[], 20).count();
    const perTask: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      const n = await ctx.parallelize([] as number[], tasks).count();
      const ms = performance.now() - t0;
      if (n !== 0) throw new Error(`expected an empty count, got ${n}`);
      perTask.push(ms / tasks);
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
