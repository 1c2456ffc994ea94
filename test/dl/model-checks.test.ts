/** Model.predict and evaluate refuse inputs that would give silent wrong answers: features of the wrong length, labels outside the model's classes. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { FlintContext, FlintError } from '../../engine/index.ts';
import { nn, Top1Accuracy, Top5Accuracy, Loss, MAE, Model, type Sample } from '../../dl/index.ts';

let ctx: FlintContext;
let model: Model;

before(async () => {
  ctx = await FlintContext.create({ master: 'local[2]', conf: { 'flint.ui.showProgress': false } });
  nn.manualSeed(3);
  const m = new nn.Sequential(new nn.Linear(4, 3));
  m.inputShape = [4];
  model = Model.fromModule(m);
});
after(async () => {
  await model.dispose();
  await ctx.stop();
});

const rows = (n: number, len: number) => Array.from({ length: n }, (_, i) => Float32Array.from({ length: len }, (_, j) => (i + j) / 10));
const failsWith = (code: string, text: RegExp) => (e: unknown) => {
  const err = e instanceof FlintError && e.code === 'JOB_FAILED' ? (e.cause as Error) ?? e : e;
  assert.ok(err instanceof Error, String(e));
  assert.match(`${(e as Error).message}`, text);
  if (!(e instanceof FlintError && e.code === 'JOB_FAILED')) assert.equal((err as FlintError).code, code);
  return true;
};

test('predict on an array refuses 8 features for a 4-input model, also when every record is wrong the same way', async () => {
  await assert.rejects(model.predict(rows(5, 8)), failsWith('DL_BAD_SAMPLE', /predict: record 0 has 8 features but the model takes 4 per sample/));
  await assert.rejects(model.predictClass(rows(3, 2).map((f) => ({ features: f, label: 0 }))), failsWith('DL_BAD_SAMPLE', /record 0 has 2 features but the model takes 4/));
  await assert.rejects(model.predict([...rows(2, 4), ...rows(1, 8)]), failsWith('DL_BAD_SAMPLE', /record 2 has 8 features but record 0 has 4/));
  assert.equal((await model.predict(rows(5, 4))).length, 5, 'the right size predicts');
});

test('predict and predictClass over an RDD fail the job naming the record, partition and sizes', async () => {
  await assert.rejects(model.predict(ctx.parallelize(rows(6, 8), 2)).collect(),
    failsWith('DL_BAD_SAMPLE', /inference: record 0 of partition \d has 8 features but the model takes 4 per sample/));
  await assert.rejects(model.predictClass(ctx.parallelize(rows(6, 8).map((f) => ({ features: f, label: 0 })), 2)).collect(),
    failsWith('DL_BAD_SAMPLE', /record 0 of partition \d has 8 features but the model takes 4/));
  const good = await model.predict(ctx.parallelize(rows(6, 4), 2)).collect();
  assert.deepEqual(good.map((o) => [...o]), (await model.predict(rows(6, 4))).map((o) => [...o]));
});

test('evaluate refuses labels outside the class range of the model (its output width), on arrays and RDDs', async () => {
  const samples = (labels: number[], len = 4): Sample[] => rows(labels.length, len).map((features, i) => ({ features, label: labels[i] }));
  for (const metrics of [[new Top1Accuracy()], [new Loss()], [new Top5Accuracy(), new Loss()]]) {
    await assert.rejects(model.evaluate(samples([0, 1, 7]), metrics), failsWith('DL_LABEL_OUT_OF_RANGE', /evaluation data: sample 2 has label 7, outside the class range \[0, 3\) of a model with 3 outputs/));
    await assert.rejects(model.evaluate(ctx.parallelize(samples([0, 1, 2, -1]), 2), metrics),
      failsWith('DL_LABEL_OUT_OF_RANGE', /evaluation: record 1 of partition 1 has label -1, outside the class range \[0, 3\)/));
  }
  await assert.rejects(model.evaluate(samples([0, 1.5]), [new Top1Accuracy()]), failsWith('DL_LABEL_OUT_OF_RANGE', /label 1.5/));
  await assert.rejects(model.evaluate(samples([0, 1], 8), [new Top1Accuracy()]), failsWith('DL_BAD_SAMPLE', /sample 0 has 8 features but the model takes 4/));
  await assert.rejects(model.evaluate(ctx.parallelize(samples([0, 1], 8), 1), [new Top1Accuracy()]), failsWith('DL_BAD_SAMPLE', /record 0 of partition 0 has 8 features but the model takes 4/));
  const ok = await model.evaluate(samples([0, 1, 2, 1]), [new Top1Accuracy(), new Loss()]);
  assert.ok(ok.every((r) => Number.isFinite(r.value)), 'labels in range score as before');
  const overRdd = await model.evaluate(ctx.parallelize(samples([0, 1, 2, 1]), 2), [new Top1Accuracy(), new Loss()]);
  assert.deepEqual(overRdd.map((r) => r.count), ok.map((r) => r.count));
  const mae = await model.evaluate(samples([5, 9]), [new MAE()]);
  assert.ok(Number.isFinite(mae[0].value), 'a regression metric takes any target');
});
