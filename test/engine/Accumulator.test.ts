/** Accumulators, ported from Spark's AccumulatorSuite: long, double and collection accumulators added in tasks and read on the driver. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { FlintContext } from '../../engine/index.ts';

let ctx: FlintContext;

before(async () => {
  ctx = await FlintContext.create({ master: 'local[2]', conf: { 'flint.ui.showProgress': false } });
});
after(async () => {
  await ctx.stop();
});

test('a long accumulator sums what tasks add', async () => {
  const acc = ctx.longAccumulator('sum');
  await ctx.parallelize(Array.from({ length: 100 }, (_, i) => i + 1), 4).foreach((x) => acc.add(x), { acc });
  assert.equal(acc.value, 5050);
  assert.equal(acc.count, 100);
  assert.equal(acc.avg, 50.5);
  assert.equal(acc.name, 'sum');
  acc.add(1);
  assert.equal(acc.value, 5051, 'the driver may add too');
  acc.reset();
  assert.equal(acc.value, 0);
});

test('adding a non-number to a long accumulator inside a task fails the task instead of concatenating', async () => {
  const acc = ctx.longAccumulator();
  await assert.rejects(
    ctx.parallelize(['1', '2'], 1).foreach((x) => acc.add(x as unknown as number), { acc }),
    /add needs a number; got string/,
  );
  assert.equal(acc.value, 0);
});

test('a double accumulator sums fractions', async () => {
  const acc = ctx.doubleAccumulator();
  await ctx.parallelize([0.5, 0.25, 0.125], 3).foreach((x) => acc.add(x), { acc });
  assert.equal(acc.value, 0.875);
});

test('a collection accumulator gathers items from every task', async () => {
  const acc = ctx.collectionAccumulator<string>();
  await ctx.parallelize(['a', 'b', 'c', 'd'], 2).foreachPartition((it) => { for (const x of it) acc.add(x.toUpperCase()); }, { acc });
  assert.deepEqual(acc.value.sort(), ['A', 'B', 'C', 'D']);
});

test('accumulators in a transformation count once per job that computes it', async () => {
  const acc = ctx.longAccumulator();
  const rdd = ctx.parallelize([1, 2, 3], 3).map((x) => { acc.add(1); return x; }, { acc });
  await rdd.count();
  assert.equal(acc.value, 3);
  await rdd.count();
  assert.equal(acc.value, 6, 'not cached: the second job recomputes');
});

test('reading an accumulator inside a task fails clearly', async () => {
  const acc = ctx.longAccumulator();
  await assert.rejects(ctx.parallelize([1]).map(() => acc.value, { acc }).collect(), /only on the driver/);
});
