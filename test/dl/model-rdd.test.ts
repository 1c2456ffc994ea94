/** Over RDDs: training data is read through the 'mnist-digits' source, and inference and evaluation run as map stages on executors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FlintContext } from '../../engine/index.ts';
import '../../connectors/mnist/index.ts';
import { nn, optim, Optimizer, Trigger, Top1Accuracy, Loss, Model, type Sample } from '../../dl/index.ts';

const dir = fileURLToPath(new URL('../fixtures/torch/', import.meta.url));
const ref = JSON.parse(readFileSync(join(dir, 'small-cnn.json'), 'utf8')) as { input: number[]; output: number[] };
const rows = Array.from({ length: 7 }, (_, i) => Float32Array.from(ref.input.slice(i * 64, (i + 1) * 64)));

test('predict over an RDD is a map stage giving the same outputs as local inference', async () => {
  const ctx = await FlintContext.create({ master: 'local[2]' });
  try {
    const model = await Model.loadOnnx(join(dir, 'small-cnn.onnx'));
    const out = await model.predict(ctx.parallelize(rows, 3), { batchSize: 2 }).collect();
    assert.equal(out.length, 7);
    for (let i = 0; i < 7; i++) for (let j = 0; j < 5; j++) assert.ok(Math.abs(out[i][j] - ref.output[i * 5 + j]) < 1e-5);
    const classes = await model.predictClass(ctx.parallelize(rows.map((f) => ({ features: f, label: 0 })), 2)).collect();
    assert.deepEqual(classes, await model.predictClass(rows));
    const held = (await ctx.executorStats()).flatMap((e) => e.objects).filter((k) => k.includes(model.key));
    assert.ok(held.length >= 1, 'executors cache the predictor');
    await model.dispose();
    assert.deepEqual((await ctx.executorStats()).flatMap((e) => e.objects).filter((k) => k.includes(model.key)), []);
  } finally {
    await ctx.stop();
  }
});

test('a model trained on an RDD read from the mnist-digits source evaluates the same over an RDD and an array', async () => {
  const ctx = await FlintContext.create({ master: 'local[2]' });
  try {
    const trainRdd = ctx.readFormat<Sample>('mnist-digits', '', { end: 1000 }, 2);
    const testRdd = ctx.readFormat<Sample>('mnist-digits', '', { start: 9500 }, 2);
    nn.manualSeed(5);
    const model = new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 32), new nn.Tanh(), new nn.Linear(32, 10));
    model.inputShape = [1, 28, 28];
    const opt = new Optimizer({
      model, data: trainRdd, criterion: new nn.CrossEntropyLoss(), batchSize: 50,
      optimMethod: new optim.SGD({ lr: 0.1, momentum: 0.9 }), endWhen: Trigger.maxEpoch(3),
      validation: { trigger: Trigger.everyEpoch(), data: testRdd, metrics: [new Top1Accuracy()] },
    });
    const trained = await opt.optimize();
    assert.equal(opt.summary!.samplesTrained, 3000);
    const overRdd = await trained.evaluate(testRdd, [new Top1Accuracy(), new Loss()]);
    const local = await trained.evaluate(await testRdd.collect(), [new Top1Accuracy(), new Loss()]);
    assert.equal(overRdd[0].count, local[0].count);
    assert.equal(overRdd[0].value, local[0].value);
    assert.ok(Math.abs(overRdd[1].value - local[1].value) < 1e-6);
    assert.equal(overRdd[0].value, opt.summary!.validations[2].results[0].value);
    assert.ok(overRdd[0].value > 0.75, `accuracy ${overRdd[0].value}`);
    await trained.dispose();
  } finally {
    await ctx.stop();
  }
});

test('a subclass of CrossEntropyLoss trains, validates with Loss and evaluates over an RDD as CrossEntropyLoss does', async () => {
  class MyCrossEntropy extends nn.CrossEntropyLoss {}
  const ctx = await FlintContext.create({ master: 'local[2]' });
  try {
    const samples = await ctx.readFormat<Sample>('mnist-digits', '', { end: 300 }, 2).collect();
    const run = async (criterion: nn.CrossEntropyLoss) => {
      nn.manualSeed(2);
      const model = new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 10));
      model.inputShape = [1, 28, 28];
      const opt = new Optimizer({
        model, data: samples.slice(0, 200), criterion, batchSize: 50,
        optimMethod: new optim.SGD({ lr: 0.1 }), endWhen: Trigger.maxEpoch(2),
        validation: { trigger: Trigger.everyEpoch(), data: samples.slice(200), metrics: [new Loss()] },
      });
      return { trained: await opt.optimize(), summary: opt.summary! };
    };
    const mine = await run(new MyCrossEntropy());
    const base = await run(new nn.CrossEntropyLoss());
    assert.equal(mine.summary.loss, base.summary.loss, 'the subclass trains exactly as its parent');
    const [v1, v2] = [mine.summary.validations[1].results[0], base.summary.validations[1].results[0]];
    assert.equal(v1.name, 'Loss');
    assert.ok(Number.isFinite(v1.value) && v1.value > 0);
    assert.equal(v1.value, v2.value, 'the Optimizer validates with the subclass as its Loss criterion');

    const held = ctx.parallelize(samples.slice(200), 3);
    const [overRdd] = await mine.trained.evaluate(held, [new Loss(new MyCrossEntropy())]);
    const [local] = await mine.trained.evaluate(samples.slice(200), [new Loss(new MyCrossEntropy())]);
    assert.equal(overRdd.count, 100);
    assert.ok(Math.abs(overRdd.value - local.value) < 1e-6, `${overRdd.value} vs ${local.value}`);
    assert.ok(Math.abs(local.value - v1.value) < 1e-6, 'evaluate agrees with the last validation');

    const bad = samples.slice(0, 20).map((s, i) => (i === 7 ? { ...s, label: 10 } : s));
    await assert.rejects(new Optimizer({
      model: new nn.Sequential(new nn.Linear(784, 10)), data: bad, criterion: new MyCrossEntropy(), batchSize: 10,
      optimMethod: new optim.SGD({ lr: 0.1 }), endWhen: Trigger.maxEpoch(1),
    }).optimize(), { code: 'DL_LABEL_OUT_OF_RANGE', message: /sample 7 has label 10/ });
    await mine.trained.dispose();
    await base.trained.dispose();
  } finally {
    await ctx.stop();
  }
});
