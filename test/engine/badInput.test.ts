/** Bad input fails fast with a coded error naming the argument, file or record and the fix: never a hang or a silent wrong answer. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlintContext, FlintError } from '../../engine/index.ts';
import '../../connectors/text/index.ts';

let ctx: FlintContext;
const scratch = mkdtempSync(join(tmpdir(), 'flint-bad-input-'));

before(async () => {
  ctx = await FlintContext.create({ master: 'local[2]', appName: 'bad-input', conf: { 'flint.ui.showProgress': false } });
});
after(async () => {
  await ctx.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** Asserts `p` rejects (or `f` throws) with a FlintError of `code` whose text (with its cause) matches every pattern. */
async function fails(p: Promise<unknown> | (() => unknown), code: string, ...patterns: RegExp[]): Promise<void> {
  let err: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    err = e;
  }
  assert.ok(err !== undefined, `expected ${code}, but it succeeded`);
  assert.ok(err instanceof FlintError, `expected a FlintError ${code}, got ${String((err as Error)?.stack ?? err)}`);
  assert.equal((err as FlintError).code, code, String((err as Error).message));
  const text = `${(err as Error).message}\n${String(((err as Error).cause as Error | undefined)?.message ?? '')}`;
  for (const re of patterns) assert.match(text, re);
  ctx.dagScheduler.assertDataStructuresEmpty();
}

test('textFile on a missing path names the path', async () => {
  const missing = join(scratch, 'no-such-file.txt');
  await fails(ctx.textFile(missing).count(), 'INPUT_NOT_FOUND', /no-such-file\.txt/);
});

test('saveAsTextFile to an existing path refuses, naming the path and the fix', async () => {
  const out = join(scratch, 'exists');
  mkdirSync(out);
  await fails(ctx.parallelize([1, 2]).saveAsTextFile(out), 'OUTPUT_EXISTS', /exists/, /delete|remove|another/i);
});

test('reduceByKey over records that are not pairs names the record and the operation', async () => {
  await fails(ctx.parallelize([1, 2, 3], 2).map((x) => (x === 2 ? undefined : [x, 1]) as [number, number]).reduceByKey((a: number, b: number) => a + b).collect(),
    'JOB_FAILED', /pair|\[key, value\]/i, /undefined/);
});

test('records that cannot be cloned (functions) in a shuffle fail with a clear error', async () => {
  await fails(ctx.parallelize([1, 2], 2).map((x) => [x, () => x] as [number, () => number]).groupByKey().collect(),
    'JOB_FAILED', /function|clon|serializ/i);
});

test('class instances with methods lose their methods through a shuffle: said clearly, not silently', async () => {
  await fails(ctx.parallelize([1, 2], 2).map((x) => {
    class Point { constructor(public x: number) {} norm(): number { return Math.abs(this.x); } }
    return [x, new Point(x)] as [number, Point];
  }).groupByKey().collect(), 'JOB_FAILED', /Point/, /plain|method/i);
});

test('invalid master strings are refused with the accepted forms', async () => {
  for (const master of ['local[0]', 'local[-1]', 'local[two]', 'spark://x:7077', '', 'local[2,0]']) {
    await fails(FlintContext.create({ master }), 'BAD_MASTER', /local\[N/);
  }
});

test('invalid conf values are refused naming the key', async () => {
  await fails(FlintContext.create({ master: 'local', conf: { 'flint.shuffle.memoryBytes': -5 } }), 'BAD_CONF', /flint\.shuffle\.memoryBytes/);
  await fails(FlintContext.create({ master: 'local', conf: { 'flint.storage.memoryBytes': 'lots' } }), 'BAD_CONF', /flint\.storage\.memoryBytes/);
  await fails(FlintContext.create({ master: 'local', conf: { 'flint.default.parallelism': -2 } }), 'BAD_CONF', /flint\.default\.parallelism/);
  await fails(FlintContext.create({ master: 'local', conf: { 'flint.task.maxFailures': 1.5 } }), 'BAD_CONF', /flint\.task\.maxFailures/);
});

test('numSlices <= 0 or fractional is refused', async () => {
  for (const n of [0, -1, 1.5, NaN]) await fails(() => ctx.parallelize([1, 2], n), 'BAD_ARGUMENT', /numSlices/);
  await fails(() => ctx.range(0, 10, 1, 0), 'BAD_ARGUMENT', /numSlices/);
});

test('take, takeOrdered and top with a negative or fractional count are refused', async () => {
  const r = ctx.parallelize([3, 1, 2]);
  await fails(r.take(-1), 'BAD_ARGUMENT', /take/, /-1/);
  await fails(r.take(1.5), 'BAD_ARGUMENT', /take/);
  await fails(r.takeOrdered(-2), 'BAD_ARGUMENT', /takeOrdered/);
  await fails(r.top(-2), 'BAD_ARGUMENT', /top/);
  assert.deepEqual(await r.take(0), []);
});

test('sample fractions out of range are refused', async () => {
  const r = ctx.parallelize([1, 2, 3]);
  await fails(() => r.sample(false, 1.5), 'BAD_ARGUMENT', /fraction/);
  await fails(() => r.sample(false, -0.1), 'BAD_ARGUMENT', /fraction/);
  await fails(() => r.sample(true, -1), 'BAD_ARGUMENT', /fraction/);
  await fails(() => r.sample(false, NaN), 'BAD_ARGUMENT', /fraction/);
  await fails(() => r.randomSplit([1, -1]), 'BAD_ARGUMENT', /weights/);
});

test('zip of RDDs with different partition counts or sizes fails naming both', async () => {
  await fails(ctx.parallelize([1, 2, 3, 4], 2).zip(ctx.parallelize([1, 2, 3, 4], 3)).collect(), 'ZIP_MISMATCH', /2/, /3/);
  await fails(ctx.parallelize([1, 2, 3, 4], 2).zip(ctx.parallelize([1, 2, 3], 2)).collect(), 'JOB_FAILED', /zip/i, /partition/);
});

test('a user function throwing in a shuffle map stage names the stage, the partition and the user stack', async () => {
  const file = join(scratch, 'words.txt');
  writeFileSync(file, 'a b\nc d\nboom e\n');
  await fails(ctx.textFile(file, 2).flatMap((l) => l.split(' ')).map((w) => {
    if (w === 'boom') throw new RangeError(`bad word ${w}`);
    return [w, 1] as [string, number];
  }).reduceByKey((a, b) => a + b).map(([w, n]) => `${w}:${n}`).collect(),
  'JOB_FAILED', /stage \d+/, /partition \d+/, /bad word boom/, /badInput\.test\.ts:\d+/);
});

test('partition counts are validated by the operation that takes them, and a bad mapPartitions result names its call site', async () => {
  const r = ctx.parallelize([1, 2, 3, 4], 2);
  await fails(() => r.repartition(-1), 'BAD_ARGUMENT', /repartition/);
  await fails(() => r.coalesce(0), 'BAD_ARGUMENT', /coalesce/);
  await fails(() => r.map((x) => [x, x] as [number, number]).reduceByKey((a, b) => a + b, 0), 'BAD_ARGUMENT', /numPartitions/);
  await fails(r.mapPartitions(() => 5 as never).collect(), 'JOB_FAILED', /mapPartitions function \(at engine\/badInput\.test\.ts:\d+\)/, /iterable/);
});

test('a result that cannot leave its executor thread (functions) fails saying so, not [object Object]', async () => {
  await fails(ctx.parallelize([1, 2]).map((x) => () => x).collect(), 'JOB_FAILED', /could not be sent back/, /plain data/);
});
