/** Training a real compiled model (onnxruntime) end to end: it learns, exports ONNX that a fresh session runs identically, and resumes exactly. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { nn, optim, Optimizer, Trigger, Top1Accuracy, Loss, Model, StepLR } from '../../dl/index.ts';
import { mnistDigitSamples } from '../../connectors/mnist/index.ts';

const train = mnistDigitSamples({ end: 1200 });
const held = mnistDigitSamples({ start: 9000, end: 9400 });

function smallCnn(seed: number): nn.Module {
  nn.manualSeed(seed);
  return new nn.Sequential(
    new nn.Conv2d(1, 4, 5, { stride: 2 }), new nn.Tanh(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(4 * 6 * 6, 32), new nn.Tanh(), new nn.Linear(32, 10));
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'flint-train-'));
}

test('a compiled CNN learns the digits and its exported ONNX runs identically in a fresh session', async () => {
  const dir = tmp();
  try {
    const model = smallCnn(1);
    const opt = new Optimizer({
      model, data: train, criterion: new nn.CrossEntropyLoss(), batchSize: 32,
      optimMethod: new optim.SGD({ lr: 0.05, momentum: 0.9 }), endWhen: Trigger.maxEpoch(4), seed: 3,
      validation: { trigger: Trigger.everyEpoch(), data: held, metrics: [new Top1Accuracy(), new Loss()] },
    });
    const trained = await opt.optimize();
    const [acc] = opt.summary!.validations[3].results;
    assert.ok(acc.value > 0.8, `held-out accuracy ${acc.value}`);
    assert.deepEqual((model as nn.Sequential).inputShape, [1, 28, 28], 'input shape inferred from the first Conv2d');

    const file = join(dir, 'cnn.onnx');
    await trained.saveOnnx(file);
    const ours = await trained.predict(held.slice(0, 50));
    const session = await ort.InferenceSession.create(file);
    const x = new Float32Array(50 * 784);
    held.slice(0, 50).forEach((s, i) => x.set(s.features, i * 784));
    const r = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, [50, 1, 28, 28]) });
    const fresh = r[session.outputNames[0]].data as Float32Array;
    for (let i = 0; i < 50; i++) for (let j = 0; j < 10; j++) assert.ok(Math.abs(ours[i][j] - fresh[i * 10 + j]) < 1e-4);
    await session.release();

    const loaded = await Model.loadOnnx(file);
    const [acc2] = await loaded.evaluate(held, [new Top1Accuracy()]);
    assert.equal(acc2.value, acc.value);
    await loaded.dispose();
    await trained.dispose();
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('a compiled model resumed from a mid-epoch checkpoint ends with the weights of an uninterrupted run', async () => {
  const dir = tmp();
  try {
    const data = train.slice(0, 300);
    const opts = () => ({
      data, criterion: new nn.CrossEntropyLoss(), batchSize: 32, seed: 9,
      learningRateSchedule: new StepLR({ stepSize: 1, gamma: 0.5 }),
    });
    const full = smallCnn(2);
    await new Optimizer({ ...opts(), model: full, optimMethod: new optim.SGD({ lr: 0.05, momentum: 0.9 }), endWhen: Trigger.maxEpoch(2) }).optimize();

    const first = smallCnn(2);
    await new Optimizer({
      ...opts(), model: first, optimMethod: new optim.SGD({ lr: 0.05, momentum: 0.9 }), endWhen: Trigger.maxIteration(13),
      checkpoint: { path: dir, trigger: Trigger.severalIteration(13) },
    }).optimize();
    assert.deepEqual(readdirSync(dir), ['checkpoint-00000013.flint']);

    const resumed = smallCnn(77);
    await new Optimizer({ ...opts(), model: resumed, optimMethod: new optim.SGD({ lr: 0.05, momentum: 0.9 }), endWhen: Trigger.maxEpoch(2), resumeFrom: dir }).optimize();
    const a = nn.Sequential.prototype.namedParameters.call(full).map(([, p]) => [...p.data]);
    const b = nn.Sequential.prototype.namedParameters.call(resumed).map(([, p]) => [...p.data]);
    assert.deepEqual(b, a);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('samples that do not fit the model input fail before training, naming both sizes', async () => {
  const model = new nn.Sequential(new nn.Linear(10, 3));
  await assert.rejects(new Optimizer({
    model, data: train.slice(0, 10), criterion: new nn.CrossEntropyLoss(), batchSize: 4,
    optimMethod: new optim.SGD({ lr: 0.1 }), endWhen: Trigger.maxEpoch(1),
  }).optimize(), /samples have 784 features but the model takes inputs of shape \[10\]/);
});
