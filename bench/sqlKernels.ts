/**
 * In-process CPU micro-benchmark of the DataFrame aggregation kernels (group-id lookup and accumulation),
 * single thread, timed with process.cpuUsage so that other load on the machine matters less.
 *
 *   node --import tsx bench/sqlKernels.ts [--rows 10000000] [--keys 100000] [--batch 65536] [--runs 3]
 */
import { fixedColumn, makeBatch, type Col } from '../engine/sql/columns.ts';
import { GroupTable } from '../engine/sql/hash.ts';
import { FusedAccumulator } from '../engine/sql/fusedAgg.ts';
import { SqlSession, InProcessRuntime, sum, avg, count } from '../engine/sql/index.ts';
import { recordRun } from './record.ts';

recordRun();

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const rows = arg('rows', 10_000_000);
const keys = arg('keys', 100_000);
const batch = arg('batch', 65_536);
const runs = arg('runs', 3);

/** CPU milliseconds (user + system) of f, best of `runs`. */
function cpu(f: () => void): number {
  let best = Infinity;
  for (let r = 0; r < runs; r++) {
    const t0 = process.cpuUsage();
    f();
    const d = process.cpuUsage(t0);
    best = Math.min(best, (d.user + d.system) / 1000);
  }
  return best;
}

let seed = 12345;
const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
const batches: { k: Col; a: Col; b: Col; n: number }[] = [];
for (let o = 0; o < rows; o += batch) {
  const n = Math.min(batch, rows - o);
  const k = new Int32Array(n), a = new Float64Array(n), b = new Float64Array(n);
  for (let i = 0; i < n; i++) { k[i] = Math.floor(rnd() * keys); a[i] = rnd(); b[i] = rnd(); }
  batches.push({ k: fixedColumn('int32', k, null), a: fixedColumn('float64', a, null), b: fixedColumn('float64', b, null), n });
}

const aggs = [{ fn: 'sum' as const }, { fn: 'avg' as const }, { fn: 'count' as const }];
const argTypes = ['float64' as const, 'float64' as const, null];
const lookupMs = cpu(() => { const t = new GroupTable(['int32']); for (const x of batches) t.groupIds([x.k], x.n); });
const gidsAll = (() => { const t = new GroupTable(['int32']); return { gids: batches.map(x => t.groupIds([x.k], x.n)), size: t.size }; })();
const accMs = cpu(() => {
  const f = new FusedAccumulator(aggs, argTypes);
  batches.forEach((x, i) => f.add(gidsAll.gids[i], x.n, gidsAll.size, [x.a, x.b, null]));
});

const spec = [{ name: 'k', type: 'int32' as const, nullable: true }, { name: 'a', type: 'float64' as const, nullable: true }, { name: 'b', type: 'float64' as const, nullable: true }];
const s = new SqlSession(new InProcessRuntime({ parallelism: 1 }));
const df = s.createDataFrame(batches.map(x => makeBatch(spec, [x.k, x.a, x.b], x.n)), 'k int, a double, b double', 1);
let queryMs = Infinity;
let groups = 0;
for (let r = 0; r < runs; r++) {
  const t0 = process.cpuUsage();
  groups = await df.groupBy('k').agg(sum('a'), avg('b'), count()).count();
  const d = process.cpuUsage(t0);
  queryMs = Math.min(queryMs, (d.user + d.system) / 1000);
}
console.log(`${rows} rows, ${keys} keys, batches of ${batch}, CPU ms (best of ${runs}):`);
console.log(`  group ids ${lookupMs.toFixed(0)}, accumulate sum/avg/count ${accMs.toFixed(0)}, whole groupBy in process ${queryMs.toFixed(0)} (${groups} groups)`);
