/**
 * A short tour of Flint's engine and DataFrames, the code of README's tour: word count on RDDs,
 * CSV into a DataFrame with groupBy-agg, the three malformed-input modes, and the closure check.
 *
 * Run: node --import tsx examples/tour.ts
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlintContext, col, lit, sum, avg, count, when } from 'flint';

const dir = mkdtempSync(join(tmpdir(), 'flint-tour-'));
mkdirSync(join(dir, 'text'));
writeFileSync(join(dir, 'text', 'a.txt'), 'the quick brown fox\njumps over the lazy dog\nthe end\n');
writeFileSync(join(dir, 'sales.csv'), 'region,product,amount\neu,a,10.5\nus,b,3\neu,b,7\nus,a,2.5\n');
writeFileSync(join(dir, 'bad.csv'), 'region,amount\neu,1\nus,zz\n');

const ctx = await FlintContext.create({ master: 'local[2]', appName: 'tour' });
try {
  // RDDs: values a function uses from outside travel in its env argument
  const minLen = 3;
  const counts = await ctx.textFile(join(dir, 'text', '*.txt'))
    .flatMap(line => line.split(/\s+/))
    .filter(w => w.length >= minLen, { minLen })
    .map(w => [w, 1] as [string, number])
    .reduceByKey((a, b) => a + b)
    .collect();
  console.log('word counts:', counts);

  // DataFrames: Arrow record batches, column-at-a-time expressions, partial aggregation before the shuffle
  const sales = await ctx.read.csv(join(dir, 'sales.csv'), { header: true, inferSchema: true });
  sales.printSchema();
  await sales.groupBy('region').agg(sum('amount').alias('total'), avg('amount'), count('*')).orderBy('region').show();
  await sales.withColumn('big', when(col('amount').gt(5), lit(true)).otherwise(lit(false))).show();

  // Bad input: PERMISSIVE keeps the raw line in _corrupt_record; FAILFAST names file, line and text
  const permissive = await ctx.read.csv(join(dir, 'bad.csv'),
    { header: true, schema: 'region string, amount double, _corrupt_record string' });
  await permissive.show();
  try {
    await (await ctx.read.csv(join(dir, 'bad.csv'), { header: true, schema: 'region string, amount double', mode: 'FAILFAST' })).collect();
  } catch (e) {
    console.log('FAILFAST:', (e as Error).message);
  }

  // The closure check runs at the call site, before any job
  try {
    const k = 2;
    ctx.parallelize([1, 2, 3]).map(x => x * k);
  } catch (e) {
    console.log('closure check:', (e as Error).message);
  }
} finally {
  await ctx.stop();
  rmSync(dir, { recursive: true, force: true });
}
