/** The local training loop: trains, validates, schedules, checkpoints and resumes exactly, and rejects bad labels and NaN losses. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Optimizer } from '../../dl/optimizer.ts';
import { Trigger } from '../../dl/trigger.ts';
import { Loss, Top1Accuracy } from '../../dl/metrics.ts';
import { ReduceLROnPlateau, StepLR } from '../../dl/optim/schedules.ts';
import { CrossEntropyLoss, FakeLinear, FakeSGD, LinearBackend, toySamples } from '../fixtures/linear-backend.ts';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'flint-opt-'));
}

test('trains a separable problem to high validation accuracy, validating every epoch', async () => {
  const backend = new LinearBackend();
  const model = new FakeLinear(4, 3);
  const opt = new Optimizer({
    model, data: toySamples(90), criterion: new CrossEntropyLoss(), batchSize: 16,
    optimMethod: new FakeSGD(0.5, 0.9), endWhen: Trigger.maxEpoch(4), seed: 1, backend,
    validation: { trigger: Trigger.everyEpoch(), data: toySamples(30, 99), metrics: [new Top1Accuracy(), new Loss()] },
  });
  const trained = await opt.optimize();
  const s = opt.summary!;
  assert.equal(s.epoch, 4);
  assert.equal(s.iteration, 4 * Math.ceil(90 / 16));
  assert.equal(s.samplesTrained, 360);
  assert.equal(s.validations.length, 4);
  assert.deepEqual(s.validations.map((v) => v.epoch), [1, 2, 3, 4]);
  const last = s.validations[3].results;
  assert.ok(last[0].value >= 0.9, `accuracy ${last[0].value}`);
  assert.ok(last[1].value < s.validations[0].results[1].value + 1e-9, 'validation loss does not grow');
  const scores = await trained.evaluate(toySamples(30, 99), [new Top1Accuracy()]);
  assert.equal(scores[0].value, last[0].value);
  assert.deepEqual(await trained.predictClass(toySamples(6, 7)), [0, 1, 2, 0, 1, 2]);
});

test('batches reuse one input buffer and one target buffer for the whole run', async () => {
  const backend = new LinearBackend();
  await new Optimizer({
    model: new FakeLinear(4, 3), data: toySamples(50), criterion: new CrossEntropyLoss(), batchSize: 8,
    optimMethod: new FakeSGD(0.1), endWhen: Trigger.maxEpoch(3), backend,
  }).optimize();
  assert.equal(backend.steps[0].steps, 3 * 7);
  assert.equal(backend.steps[0].buffers.size, 2);
});

test('maxIteration stops at exactly that many iterations, mid-epoch', async () => {
  const backend = new LinearBackend();
  const opt = new Optimizer({
    model: new FakeLinear(4, 3), data: toySamples(50), criterion: new CrossEntropyLoss(), batchSize: 8,
    optimMethod: new FakeSGD(0.1), endWhen: Trigger.or(Trigger.maxIteration(10), Trigger.maxEpoch(100)), backend,
  });
  await opt.optimize();
  assert.equal(opt.summary!.iteration, 10);
  assert.equal(opt.summary!.epoch, 1);
});

async function weightsAfter(opts: { seed: number; shuffle?: boolean }): Promise<Float32Array> {
  const backend = new LinearBackend();
  const model = new FakeLinear(4, 3);
  await new Optimizer({
    model, data: toySamples(50), criterion: new CrossEntropyLoss(), batchSize: 8, optimMethod: new FakeSGD(0.1, 0.9),
    endWhen: Trigger.maxEpoch(2), backend, ...opts,
  }).optimize();
  return model.weights;
}

test('the seed fixes the per-epoch shuffle: same seed same weights, other seed other weights', async () => {
  const a = await weightsAfter({ seed: 11 });
  assert.deepEqual(await weightsAfter({ seed: 11 }), a);
  assert.notDeepEqual(await weightsAfter({ seed: 12 }), a);
  assert.deepEqual(await weightsAfter({ seed: 1, shuffle: false }), await weightsAfter({ seed: 2, shuffle: false }));
});

test('the learning-rate schedule steps per epoch and reaches the train step', async () => {
  const backend = new LinearBackend();
  await new Optimizer({
    model: new FakeLinear(4, 3), data: toySamples(20), criterion: new CrossEntropyLoss(), batchSize: 10,
    optimMethod: new FakeSGD(0.8), endWhen: Trigger.maxEpoch(3), backend,
    learningRateSchedule: new StepLR({ stepSize: 1, gamma: 0.5 }),
  }).optimize();
  assert.deepEqual(backend.steps[0].lrs, [0.8, 0.8, 0.4, 0.4, 0.2, 0.2]);
});

test('resuming from a mid-epoch checkpoint ends with the same weights as an uninterrupted run', async () => {
  const dir = tmp();
  try {
    const common = () => ({
      data: toySamples(50), criterion: new CrossEntropyLoss(), batchSize: 8, seed: 5,
      learningRateSchedule: new StepLR({ stepSize: 1, gamma: 0.7 }),
      validation: { trigger: Trigger.everyEpoch(), data: toySamples(12, 4), metrics: [new Top1Accuracy()] },
    });
    const full = new FakeLinear(4, 3);
    await new Optimizer({ ...common(), model: full, optimMethod: new FakeSGD(0.2, 0.9), endWhen: Trigger.maxEpoch(3), backend: new LinearBackend() }).optimize();

    const first = new FakeLinear(4, 3);
    const stopped = new Optimizer({
      ...common(), model: first, optimMethod: new FakeSGD(0.2, 0.9), endWhen: Trigger.maxIteration(10), backend: new LinearBackend(),
      checkpoint: { path: dir, trigger: Trigger.severalIteration(5) },
    });
    await stopped.optimize();
    assert.deepEqual(readdirSync(dir).sort(), ['checkpoint-00000005.flint', 'checkpoint-00000010.flint']);

    // a fresh model with other initial weights: everything must come from the checkpoint
    const resumed = new FakeLinear(4, 3, 999);
    const again = new Optimizer({ ...common(), model: resumed, optimMethod: new FakeSGD(0.2, 0.9), endWhen: Trigger.maxEpoch(3), backend: new LinearBackend(), resumeFrom: dir });
    await again.optimize();
    assert.equal(again.summary!.iteration, 3 * 7);
    assert.deepEqual(resumed.weights, full.weights);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('overwrite keeps only the newest checkpoint', async () => {
  const dir = tmp();
  try {
    await new Optimizer({
      model: new FakeLinear(4, 3), data: toySamples(30), criterion: new CrossEntropyLoss(), batchSize: 10,
      optimMethod: new FakeSGD(0.1), endWhen: Trigger.maxEpoch(3), backend: new LinearBackend(),
      checkpoint: { path: dir, trigger: Trigger.everyEpoch(), overwrite: true },
    }).optimize();
    assert.deepEqual(readdirSync(dir), ['checkpoint-00000009.flint']);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('a label outside the class range fails naming the sample index', async () => {
  const data = toySamples(20);
  data[13].label = 3;
  await assert.rejects(new Optimizer({
    model: new FakeLinear(4, 3), data, criterion: new CrossEntropyLoss(), batchSize: 4,
    optimMethod: new FakeSGD(0.1), endWhen: Trigger.maxEpoch(1), backend: new LinearBackend(),
  }).optimize(), (e: Error & { code?: string }) => e.code === 'DL_LABEL_OUT_OF_RANGE' && /sample 13 has label 3, outside the class range \[0, 3\)/.test(e.message));
  data[13].label = 1.5;
  await assert.rejects(new Optimizer({
    model: new FakeLinear(4, 3), data, criterion: new CrossEntropyLoss(), batchSize: 4,
    optimMethod: new FakeSGD(0.1), backend: new LinearBackend(),
  }).optimize(), /sample 13 has label 1.5/);
});

test('a NaN loss stops training naming the iteration and the last good checkpoint', async () => {
  const dir = tmp();
  try {
    const data = toySamples(40);
    data[25].features[2] = NaN;
    await assert.rejects(new Optimizer({
      model: new FakeLinear(4, 3), data, criterion: new CrossEntropyLoss(), batchSize: 5, shuffle: false,
      optimMethod: new FakeSGD(0.1), endWhen: Trigger.maxEpoch(1), backend: new LinearBackend(),
      checkpoint: { path: dir, trigger: Trigger.severalIteration(2) },
    }).optimize(), (e: Error & { code?: string }) => e.code === 'DL_NAN_LOSS' && /at iteration 6 \(epoch 1\)/.test(e.message)
      && e.message.includes(join(dir, 'checkpoint-00000004.flint')));
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('RDD-like data is collected to the driver', async () => {
  const backend = new LinearBackend();
  const rddLike = { collect: async () => toySamples(30) };
  const opt = new Optimizer({ model: new FakeLinear(4, 3), data: rddLike, criterion: new CrossEntropyLoss(), batchSize: 10, optimMethod: new FakeSGD(0.1), endWhen: Trigger.maxEpoch(1), backend });
  await opt.optimize();
  assert.equal(opt.summary!.samplesTrained, 30);
});

test('bad options and bad samples fail with the option or sample named', async () => {
  const base = { model: new FakeLinear(4, 3), data: toySamples(10), criterion: new CrossEntropyLoss(), optimMethod: new FakeSGD(0.1), backend: new LinearBackend() };
  assert.throws(() => new Optimizer({ ...base, batchSize: 0 }), /batchSize must be a positive integer/);
  assert.throws(() => new Optimizer({ ...base, batchSize: 2, endWhen: 5 as never }), /endWhen must be a Trigger/);
  assert.throws(() => new Optimizer({ ...base, batchSize: 2, validation: { trigger: Trigger.everyEpoch(), data: [], metrics: [] } }), /validation.metrics/);
  assert.throws(() => new Optimizer({ ...base, batchSize: 2, validation: { trigger: Trigger.everyEpoch(), data: [], metrics: [new Top1Accuracy()], batchSize: 0 } }), /validation.batchSize must be a positive integer, got 0/);
  await assert.rejects(new Optimizer({ ...base, batchSize: 2, data: [] }).optimize(), /training data has no samples/);
  const short = toySamples(10);
  short[4] = { features: new Float32Array(3), label: 1 };
  await assert.rejects(new Optimizer({ ...base, batchSize: 2, data: short }).optimize(), /sample 4 has 3 features but sample 0 has 4/);
  await assert.rejects(new Optimizer({ ...base, batchSize: 2, resumeFrom: '/nonexistent/ckpt' }).optimize(), /checkpoint \/nonexistent\/ckpt does not exist/);
});

test('ReduceLROnPlateau steps on each validation score', async () => {
  const backend = new LinearBackend();
  // a learning rate too small to change predictions: the score never improves after the first validation
  await new Optimizer({
    model: new FakeLinear(4, 3), data: toySamples(20), criterion: new CrossEntropyLoss(), batchSize: 20,
    optimMethod: new FakeSGD(1e-9), endWhen: Trigger.maxEpoch(4), backend,
    validation: { trigger: Trigger.everyEpoch(), data: toySamples(9, 8), metrics: [new Top1Accuracy()] },
    learningRateSchedule: new ReduceLROnPlateau({ mode: 'max', factor: 0.5, patience: 0, eps: 1e-20 }),
  }).optimize();
  assert.deepEqual(backend.steps[0].lrs.map((l) => l / 1e-9), [1, 1, 0.5, 0.25]);
});
