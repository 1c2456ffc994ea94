/**
 * DataFrame benchmark: Flint local[2] against DuckDB (2 threads) in one process on the same generated data
 * (DuckDB from its in-memory table, Flint from a cached DataFrame and from Arrow IPC files), plus CSV read
 * against DuckDB's read_csv on the same file, with `wc -l` as the I/O floor. Each pair computes the same
 * thing: every aggregate either side computes is consumed (summed into a checksum that both return, and
 * the checks compare) or returned, so neither side can drop work the other does.
 *
 *   node --import tsx bench/dataframe.ts [--rows 10000000] [--keys 100000] [--csv-mb 1024] [--runs 3] [--scale 0.1]
 *
 * --scale multiplies rows and CSV size for a quick run. Data is generated under bench/data/ (git-ignored)
 * and reused when present. Prints one line per measurement and a Markdown table at the end.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { FlintContext } from '../engine/index.ts';
import { col, sum, avg, count, max, length } from '../engine/sql/index.ts';
import '../connectors/parquet/index.ts';
import '../connectors/arrow/index.ts';
import '../connectors/csv/index.ts';
import { recordRun } from './record.ts';

recordRun();

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const scale = arg('scale', 1);
const rows = Math.round(arg('rows', 10_000_000) * scale);
const keys = arg('keys', 100_000);
const csvMb = Math.round(arg('csv-mb', 1024) * scale);
const runs = arg('runs', 3);
const dataDir = join(import.meta.dirname, 'data');
mkdirSync(dataDir, { recursive: true });
const tag = `${rows}r-${keys}k`;
const parquetPath = join(dataDir, `facts-${tag}.parquet`);
const dimPath = join(dataDir, `dim-${keys}k.parquet`);
const arrowDir = join(dataDir, `facts-${tag}-arrow`);
const dimArrowDir = join(dataDir, `dim-${keys}k-arrow`);
const csvPath = join(dataDir, `facts-${csvMb}mb.csv`);

async function time<T>(f: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await f();
  return { ms: performance.now() - t0, value };
}

/** Median of `runs` timed runs after one warm-up run. */
async function bench<T>(f: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const warm = await time(f);
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) ms.push((await time(f)).ms);
  ms.sort((a, b) => a - b);
  return { ms: ms[Math.floor(ms.length / 2)], value: warm.value };
}

const duck = await DuckDBInstance.create(':memory:', { threads: '2' });
const conn = await duck.connect();
const q = async (sql: string) => (await conn.runAndReadAll(sql)).getRows();

if (!existsSync(parquetPath)) {
  console.log(`generating ${rows} rows with ${keys} keys -> ${parquetPath}`);
  await q(`COPY (SELECT (hash(i) % ${keys})::INTEGER AS k, random() AS a, random() AS b FROM range(${rows}) r(i)) TO '${parquetPath}' (FORMAT parquet)`);
}
if (!existsSync(dimPath)) {
  await q(`COPY (SELECT i::INTEGER AS k, (i % 97)::DOUBLE AS w FROM range(${keys}) r(i)) TO '${dimPath}' (FORMAT parquet)`);
}
if (!existsSync(csvPath)) {
  const lines = Math.round((csvMb * 1024 * 1024) / 40);
  console.log(`generating ${csvMb} MB CSV (${lines} lines) -> ${csvPath}`);
  await q(`COPY (SELECT (hash(i) % ${keys})::INTEGER AS k, round(random(), 9) AS a, round(random() * 1000, 6) AS b, 'row' || (i % 1000) AS s FROM range(${lines}) r(i)) TO '${csvPath}' (HEADER, DELIMITER ',')`);
}
await q(`CREATE TABLE facts AS SELECT * FROM read_parquet('${parquetPath}')`);
await q(`CREATE TABLE dim AS SELECT * FROM read_parquet('${dimPath}')`);

const ctx = await FlintContext.create({ master: 'local[2]', appName: 'bench-dataframe', conf: { 'flint.ui.showProgress': false } });
const results: { name: string; flint: number; duck: number; check: string }[] = [];
try {
  if (!existsSync(arrowDir)) await (await ctx.read.parquet(parquetPath)).write.mode('overwrite').arrow(arrowDir);
  if (!existsSync(dimArrowDir)) await (await ctx.read.parquet(dimPath)).write.mode('overwrite').arrow(dimArrowDir);
  const files = await ctx.read.arrow(arrowDir, { minPartitions: 2 });
  // Cached like DuckDB's in-memory table: executor blocks of Arrow IPC batches, filled by the warm-up run.
  const facts = files.cache();
  const dim = (await ctx.read.arrow(dimArrowDir)).cache();

  // Both sides compute sum(a), avg(b) and count(*) for every key, then sum each over the groups: a checksum
  // that consumes all three aggregates (DuckDB would drop aggregates that nothing reads).
  const groupSums = (df: typeof facts) => df.groupBy('k').agg(sum('a').alias('sa'), avg('b').alias('ab'), count().alias('n'))
    .agg(sum('sa').alias('sa'), sum('ab').alias('ab'), sum('n').alias('n'), count().alias('groups')).collect();
  const duckGroupSums = 'SELECT sum(sa), sum(ab), sum(n), count(*) FROM (SELECT k, sum(a) AS sa, avg(b) AS ab, count(*) AS n FROM facts GROUP BY k)';
  const sameSums = (f: Record<string, unknown>, d: unknown[]): string => {
    const close = (x: unknown, y: unknown) => Math.abs(Number(x) - Number(y)) <= 1e-9 * Math.max(1, Math.abs(Number(y)));
    const ok = close(f.sa, d[0]) && close(f.ab, d[1]) && Number(f.n) === Number(d[2]) && Number(f.groups) === Number(d[3]);
    if (!ok) throw new Error(`Flint and DuckDB disagree: ${JSON.stringify(f, (_, v) => (typeof v === 'bigint' ? Number(v) : v))} vs ${d.map(String).join(', ')}`);
    return `${Number(f.groups)} groups, sums agree`;
  };
  const fromFiles = await bench(() => groupSums(files));
  const agg = await bench(() => groupSums(facts));
  const dAgg = await bench(() => q(duckGroupSums));
  results.push({ name: `groupBy(k).agg(sum, avg, count), summed over groups, ${rows} rows, ${keys} keys (cached)`, flint: agg.ms, duck: dAgg.ms, check: sameSums(agg.value[0], dAgg.value[0]) });
  results.push({ name: `same, Flint reading the Arrow IPC files each run`, flint: fromFiles.ms, duck: dAgg.ms, check: sameSums(fromFiles.value[0], dAgg.value[0]) });
  // Every group returned to JavaScript as rows (Flint collect(), DuckDB getRows()).
  const all = await bench(() => facts.groupBy('k').agg(sum('a'), avg('b'), count()).collect());
  const dAll = await bench(() => q('SELECT k, sum(a), avg(b), count(*) FROM facts GROUP BY k'));
  results.push({ name: `groupBy(k).agg(sum, avg, count), every group collected as rows, ${rows} rows (cached)`, flint: all.ms, duck: dAll.ms, check: `${all.value.length} rows / ${dAll.value.length}` });

  const scanF = () => facts.filter(col('a').gt(0.5)).select(col('k'), col('a').multiply(2).plus(col('b')).alias('c')).agg(sum('c'), count()).collect();
  const scan = await bench(scanF);
  const dScan = await bench(() => q('SELECT sum(c), count(*) FROM (SELECT k, a * 2 + b AS c FROM facts WHERE a > 0.5)'));
  results.push({ name: `filter(a > 0.5) + projection (a*2+b), ${rows} rows`, flint: scan.ms, duck: dScan.ms, check: `${scan.value[0]['count(1)']} rows / ${dScan.value[0][1]}` });

  const joinF = () => facts.join(dim, 'k').withColumn('aw', col('a').multiply(col('w'))).agg(sum('aw'), count()).collect();
  const j = await bench(joinF);
  const dJoin = await bench(() => q('SELECT sum(a * w), count(*) FROM facts JOIN dim USING (k)'));
  results.push({ name: `inner join ${rows} x ${keys} (broadcast)`, flint: j.ms, duck: dJoin.ms, check: `${j.value[0]['count(1)']} rows / ${dJoin.value[0][1]}` });

  ctx.conf.set('flint.sql.broadcastThresholdBytes', -1);
  const js = await bench(joinF);
  ctx.conf.set('flint.sql.broadcastThresholdBytes', 10 * 1024 * 1024);
  results.push({ name: `inner join ${rows} x ${keys} (shuffle hash join)`, flint: js.ms, duck: dJoin.ms, check: `${js.value[0]['count(1)']} rows` });

  const size = statSync(csvPath).size;
  const mb = size / (1024 * 1024);
  const mbps = (ms: number) => (mb / (ms / 1000)).toFixed(0);
  const wc = await bench(async () => spawnSync('wc', ['-l', csvPath], { encoding: 'utf8' }).stdout.trim().split(/\s+/)[0]);
  const csvDf = await ctx.read.schema('k int, a double, b double, s string').csv(csvPath, { header: true });
  const duckCsv = `read_csv('${csvPath}', header = true, columns = {'k': 'INTEGER', 'a': 'DOUBLE', 'b': 'DOUBLE', 's': 'VARCHAR'})`;
  const csvCount = await bench(() => csvDf.count());
  const dCsvCount = await bench(() => q(`SELECT count(*) FROM ${duckCsv}`));
  // Every column parsed and consumed (the string column through max(length(s))).
  const csvAll = await bench(() => csvDf.agg(sum('k').alias('k'), sum('a').alias('a'), sum('b').alias('b'), max(length('s')).alias('s')).collect());
  const dCsvAll = await bench(() => q(`SELECT sum(k), sum(a), sum(b), max(length(s)) FROM ${duckCsv}`));
  const f = csvAll.value[0], d = dCsvAll.value[0];
  const agree = Number(f.k) === Number(d[0]) && Math.abs(Number(f.a) - Number(d[1])) <= 1e-6 * Math.abs(Number(d[1])) &&
    Math.abs(Number(f.b) - Number(d[2])) <= 1e-6 * Math.abs(Number(d[2])) && Number(f.s) === Number(d[3]);
  if (!agree) throw new Error(`CSV: Flint and DuckDB disagree: ${JSON.stringify(f, (_, v) => (typeof v === 'bigint' ? Number(v) : v))} vs ${d.map(String).join(', ')}`);
  console.log(`CSV ${mb.toFixed(0)} MB: count() Flint ${mbps(csvCount.ms)} MB/s, DuckDB read_csv ${mbps(dCsvCount.ms)} MB/s; every column: Flint ${mbps(csvAll.ms)} MB/s, DuckDB ${mbps(dCsvAll.ms)} MB/s; wc -l ${mbps(wc.ms)} MB/s (${wc.value} lines)`);
  results.push({ name: `CSV read ${mb.toFixed(0)} MB, count() (MB/s: Flint ${mbps(csvCount.ms)}, DuckDB ${mbps(dCsvCount.ms)}; wc -l ${mbps(wc.ms)})`, flint: csvCount.ms, duck: dCsvCount.ms, check: `${csvCount.value} rows / ${dCsvCount.value[0][0]} / ${Number(wc.value) - 1}` });
  results.push({ name: `CSV read ${mb.toFixed(0)} MB, every column summed (MB/s: Flint ${mbps(csvAll.ms)}, DuckDB ${mbps(dCsvAll.ms)})`, flint: csvAll.ms, duck: dCsvAll.ms, check: 'sums agree' });
} finally {
  await ctx.stop();
  conn.closeSync();
  duck.closeSync();
}

console.log('\n| measurement | Flint local[2] ms | DuckDB ms | ratio | check |');
console.log('|---|---:|---:|---:|---|');
for (const r of results) console.log(`| ${r.name} | ${r.flint.toFixed(0)} | ${r.duck.toFixed(0)} | ${(r.flint / r.duck).toFixed(2)} | ${r.check} |`);
