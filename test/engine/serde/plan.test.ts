/** Stage plans: RDD kinds defined outside the engine travel by class name and module, and run as compiled code on executors. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { FlintContext } from '../../../engine/index.ts';
import { encodePlan } from '../../../engine/serde/plan.ts';
import { SquaresRDD } from '../../fixtures/engine/SquaresRDD.ts';

let ctx: FlintContext;

before(async () => {
  ctx = await FlintContext.create({ master: 'local[2]', conf: { 'flint.ui.showProgress': false } });
});
after(async () => {
  await ctx.stop();
});

test('an RDD kind registered with its module URL is imported and run by executors', async () => {
  const rdd = new SquaresRDD(ctx.parallelize([1, 2, 3, 4], 2), 100);
  assert.deepEqual(await rdd.collect(), [101, 104, 109, 116]);
  assert.deepEqual(await rdd.map((x) => x - 100).collect(), [1, 4, 9, 16]);
});

test('plans carry fields, not driver-only state, and name the modules to import', async () => {
  const base = ctx.parallelize([1, 2, 3], 3);
  const rdd = new SquaresRDD(base, 7);
  await rdd.prepare();
  const plan = encodePlan({ rdd });
  assert.equal(plan.modules.length, 1);
  assert.match(plan.modules[0], /SquaresRDD\.ts$/);
  const squares = plan.objects.find((o) => o.cls === 'test.SquaresRDD')!;
  assert.equal(squares.fields.offset, 7);
  assert.ok(!('_ctx' in squares.fields) && !('_partitions' in squares.fields));
  const parallel = plan.objects.find((o) => o.cls === 'ParallelCollectionRDD')!;
  assert.ok(!('_data' in parallel.fields), 'the driver-side data does not travel in the plan (each task carries its slice)');
});
