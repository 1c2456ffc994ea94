/** Compiled train steps, predictors, gradient steps, slice updates and ONNX export on onnxruntime. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { nn, optim, compileTrainStep, compilePredictor, compileGradStep, compileSliceUpdate, exportOnnx, getModelWeights, setModelWeights } from '../../dl/index.ts';
import { cachedSessionCount } from '../../ops/runtime.ts';

/** A tiny separable problem: class = argmax of the first three features. */
function toyData(n: number, seed = 1) {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const x = new Float32Array(n * 4), y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 4; j++) x[i * 4 + j] = rnd();
    y[i] = [0, 1, 2].reduce((b, j) => (x[i * 4 + j] > x[i * 4 + b] ? j : b), 0);
  }
  return { x, y };
}
const mlp = () => {
  nn.manualSeed(5);
  return new nn.Sequential(new nn.Linear(4, 16), new nn.Tanh(), new nn.Linear(16, 3));
};

test('a compiled train step lowers the loss and keeps the module weights in sync', async () => {
  const model = mlp();
  const before = getModelWeights(model);
  const step = await compileTrainStep(model, new nn.CrossEntropyLoss(), new optim.SGD({ lr: 0.5, momentum: 0.9 }));
  const { x, y } = toyData(64);
  const first = await step.step(x, y, 64, 0.5);
  let last = first;
  for (let i = 0; i < 60; i++) last = await step.step(x, y, 64, 0.5);
  assert.ok(last < first * 0.5, `loss ${first} -> ${last}`);
  assert.notDeepEqual(getModelWeights(model), before);
  assert.deepEqual(step.getWeights(), getModelWeights(model));
  const pred = await compilePredictor(model);
  const scores = await pred.run(x, 64);
  let correct = 0;
  for (let i = 0; i < 64; i++) {
    const row = Array.from(scores.subarray(i * 3, i * 3 + 3));
    if (row.indexOf(Math.max(...row)) === y[i]) correct++;
  }
  assert.ok(correct >= 56, `train accuracy ${correct}/64`);
  assert.deepEqual(pred.outputShape, [3]);
  await step.dispose();
  await pred.dispose();
});

test('the learning rate is a run-time input: lr 0 leaves weights unchanged and changing it compiles nothing', async () => {
  const model = mlp();
  const step = await compileTrainStep(model, new nn.CrossEntropyLoss(), new optim.SGD({ lr: 0.1 }));
  const sessions = cachedSessionCount();
  const { x, y } = toyData(8);
  const w0 = step.getWeights();
  await step.step(x, y, 8, 0);
  assert.deepEqual(step.getWeights(), w0);
  await step.step(x, y, 8, 0.3);
  assert.notDeepEqual(step.getWeights(), w0);
  assert.equal(cachedSessionCount(), sessions);
  await step.dispose();
});

test('one SGD step equals weights minus lr times the gradient from compileGradStep', async () => {
  const model = mlp();
  const { x, y } = toyData(16);
  const w0 = getModelWeights(model);
  const gs = await compileGradStep(model, new nn.CrossEntropyLoss());
  const { loss, grad } = await gs.run(w0, x, y, 16);
  assert.equal(grad.length, model.numParameters());
  const step = await compileTrainStep(model, new nn.CrossEntropyLoss(), new optim.SGD({ lr: 0.1 }));
  const l2 = await step.step(x, y, 16, 0.1);
  assert.ok(Math.abs(loss - l2) < 1e-6);
  const w1 = step.getWeights();
  w1.forEach((v, i) => assert.ok(Math.abs(v - (w0[i] - 0.1 * grad[i])) < 1e-6, `weight ${i}`));
  await gs.dispose();
  await step.dispose();
});

test('distributed pieces agree with the fused step: gradient step plus slice updates equal Adam train steps', async () => {
  const a = mlp(), b = mlp();
  const { x, y } = toyData(32);
  const fused = await compileTrainStep(a, new nn.CrossEntropyLoss(), new optim.Adam({ lr: 0.01 }));
  const gs = await compileGradStep(b, new nn.CrossEntropyLoss());
  const P = gs.size, half = Math.floor(P / 2);
  const s1 = await compileSliceUpdate(new optim.Adam({ lr: 0.01 }), half);
  const s2 = await compileSliceUpdate(new optim.Adam({ lr: 0.01 }), P - half);
  let w = getModelWeights(b);
  for (let t = 0; t < 3; t++) {
    await fused.step(x, y, 32, 0.01);
    const { grad } = await gs.run(w, x, y, 32);
    const lo = await s1.run(w.slice(0, half), grad.slice(0, half), 0.01);
    const hi = await s2.run(w.slice(half), grad.slice(half), 0.01);
    w = new Float32Array(P);
    w.set(lo);
    w.set(hi, half);
  }
  const wf = fused.getWeights();
  wf.forEach((v, i) => assert.ok(Math.abs(v - w[i]) < 1e-5, `weight ${i}: ${v} vs ${w[i]}`));
  for (const c of [fused, gs, s1, s2]) await c.dispose();
});

test('optimizer state and weights restore to continue exactly as an uninterrupted run', async () => {
  const { x, y } = toyData(16);
  const a = mlp();
  const sa = await compileTrainStep(a, new nn.CrossEntropyLoss(), new optim.SGD({ lr: 0.1, momentum: 0.9, nesterov: true }));
  await sa.step(x, y, 16, 0.1);
  await sa.step(x, y, 16, 0.1);
  const w = sa.getWeights(), st = sa.getOptimState();
  assert.equal(st.length, a.parameters().length + 1);
  assert.equal(st[st.length - 1][0], 2);
  await sa.step(x, y, 16, 0.1);
  const b = new nn.Sequential(new nn.Linear(4, 16), new nn.Tanh(), new nn.Linear(16, 3));
  const sb = await compileTrainStep(b, new nn.CrossEntropyLoss(), new optim.SGD({ lr: 0.1, momentum: 0.9, nesterov: true }));
  sb.setWeights(w);
  sb.setOptimState(st);
  await sb.step(x, y, 16, 0.1);
  assert.deepEqual(sb.getWeights(), sa.getWeights());
  await sa.dispose();
  await sb.dispose();
});

test('bad minibatches fail with the sample index or the expected length', async () => {
  const step = await compileTrainStep(mlp(), new nn.CrossEntropyLoss(), new optim.SGD({ lr: 0.1 }));
  const { x } = toyData(4);
  await assert.rejects(step.step(x, Float32Array.from([0, 1, 3, 2]), 4, 0.1), {
    code: 'DL_LABEL_OUT_OF_RANGE',
    message: /sample 2 of the minibatch has label 3, outside the class range \[0, 3\)/,
  });
  await assert.rejects(step.step(x, Float32Array.from([0, 1, 0.5, 2]), 4, 0.1), /sample 2 of the minibatch has label 0\.5/);
  await assert.rejects(step.step(x, Float32Array.from([0, 1, 2]), 4, 0.1), { code: 'NN_BAD_BATCH', message: /y has 3 values; batch 4 x 1 per sample needs 4/ });
  assert.throws(() => step.setWeights(new Float32Array(3)), /weight vector has 3 values; the model has 131 parameters/);
  await step.dispose();
});

test('regression losses train on dense targets, and BatchNorm running statistics follow the steps', async () => {
  nn.manualSeed(2);
  const model = new nn.Sequential(new nn.Linear(4, 8), new nn.BatchNorm1d(8), new nn.ReLU(), new nn.Dropout(0.1), new nn.Linear(8, 1));
  const { x } = toyData(32);
  const y = Float32Array.from({ length: 32 }, (_, i) => x[i * 4] - 2 * x[i * 4 + 1]);
  const step = await compileTrainStep(model, new nn.MSELoss(), new optim.Adam({ lr: 0.02 }));
  const first = await step.step(x, y, 32, 0.02);
  let last = first;
  for (let i = 0; i < 80; i++) last = await step.step(x, y, 32, 0.02);
  assert.ok(last < first * 0.3, `loss ${first} -> ${last}`);
  const bn = model.layers[1][1] as nn.BatchNorm1d;
  assert.ok(bn.runningMean.data.some(v => v !== 0), 'running mean moved');
  await step.dispose();
});

test('exported ONNX runs in a fresh onnxruntime session with the same outputs as the predictor', async () => {
  nn.manualSeed(9);
  const model = new nn.Sequential(new nn.Conv2d(1, 3, 3), new nn.BatchNorm2d(3), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(27, 4), new nn.LogSoftmax(1));
  model.inputShape = [1, 8, 8];
  const { x: raw } = toyData(48);
  const x = raw.subarray(0, 3 * 64);
  const train = await compileTrainStep(model, new nn.NLLLoss(), new optim.SGD({ lr: 0.1 }));
  await train.step(x, Float32Array.from([0, 1, 3]), 3, 0.1);
  const pred = await compilePredictor(model);
  const expected = await pred.run(x, 3);
  const session = await ort.InferenceSession.create(exportOnnx(model));
  assert.deepEqual(session.inputNames, ['input']);
  const r = await session.run({ input: new ort.Tensor('float32', x, [3, 1, 8, 8]) });
  const got = r.output.data as Float32Array;
  got.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-5));
  await session.release();
  await pred.dispose();
  await train.dispose();
});

test('setModelWeights and getModelWeights use namedParameters order', () => {
  const m = new nn.Sequential(new nn.Linear(1, 2), new nn.Linear(2, 1));
  setModelWeights(m, Float32Array.from([1, 2, 3, 4, 5, 6, 7]));
  assert.deepEqual(Array.from(m.parameters()[1].data), [3, 4]);
  assert.deepEqual(Array.from(getModelWeights(m)), [1, 2, 3, 4, 5, 6, 7]);
});

test('train steps reuse two buffers per parameter and never overwrite an array the caller put in the module', async () => {
  const model = mlp();
  const step = await compileTrainStep(model, new nn.CrossEntropyLoss(), new optim.SGD({ lr: 0.1, momentum: 0.9 }));
  const { x, y } = toyData(8);
  const p = model.parameters()[0];
  const mine = p.data;
  const mineCopy = mine.slice();
  await step.step(x, y, 8, 0.1);
  const a = p.data;
  await step.step(x, y, 8, 0.1);
  const b = p.data;
  await step.step(x, y, 8, 0.1);
  assert.notEqual(a, b);
  assert.equal(p.data, a, 'the third step writes into the first step\'s buffer');
  await step.step(x, y, 8, 0.1);
  assert.equal(p.data, b);
  assert.deepEqual(mine, mineCopy, 'the initial array was not recycled');
  await step.dispose();
});

test('plans are plain data: a structured-cloned plan loads without the model classes and computes the same', async () => {
  const { planTrainStep, planGradStep, planPredictor, loadTrainStep, loadGradStep, loadPredictor } = await import('../../dl/index.ts');
  nn.manualSeed(11);
  const model = new nn.Sequential(new nn.Linear(4, 6), new nn.BatchNorm1d(6), new nn.Tanh(), new nn.Linear(6, 3));
  const { x, y } = toyData(16);
  const w0 = getModelWeights(model);
  const bn0 = model.namedBuffers().map(([, b]) => b.data.slice());

  const gradPlan = structuredClone(planGradStep(model, new nn.CrossEntropyLoss()));
  const remote = await loadGradStep(gradPlan);
  remote.setBuffers(bn0);
  const local = await compileGradStep(model, new nn.CrossEntropyLoss());
  const a = await remote.run(w0, x, y, 16), b = await local.run(w0, x, y, 16);
  assert.equal(a.loss, b.loss);
  assert.deepEqual(a.grad, b.grad);
  assert.deepEqual(remote.getBuffers(), model.namedBuffers().map(([, buf]) => buf.data), 'running statistics updated the same way');

  setModelWeights(model, w0);
  model.namedBuffers().forEach(([, buf], i) => (buf.data = bn0[i].slice()));
  const trainPlan = structuredClone(planTrainStep(model, new nn.CrossEntropyLoss(), new optim.SGD({ lr: 0.1, momentum: 0.9 })));
  const rt = await loadTrainStep(trainPlan);
  rt.setWeights(w0);
  rt.setBuffers(bn0);
  const lt = await compileTrainStep(model, new nn.CrossEntropyLoss(), new optim.SGD({ lr: 0.1, momentum: 0.9 }));
  for (let i = 0; i < 3; i++) assert.equal(await rt.step(x, y, 16, 0.1), await lt.step(x, y, 16, 0.1));
  assert.deepEqual(rt.getWeights(), lt.getWeights());
  assert.deepEqual(rt.getOptimState(), lt.getOptimState());

  model.eval();
  const pp = structuredClone(planPredictor(model));
  const rp = await loadPredictor(pp, getModelWeights(model), model.namedBuffers().map(([, buf]) => buf.data));
  const lp = await compilePredictor(model);
  assert.deepEqual(await rp.run(x, 16), await lp.run(x, 16));
  await assert.rejects(loadGradStep(pp), /expected a 'grad' plan, got a 'predict' plan/);
  for (const s of [remote, local, rt, lt, rp, lp]) await s.dispose();
});

test('training with dropout is reproducible and resumes from weights plus optimizer state to the same weights', async () => {
  const { x, y } = toyData(16);
  const build = () => {
    nn.manualSeed(21);
    return new nn.Sequential(new nn.Linear(4, 32), new nn.ReLU(), new nn.Dropout(0.5), new nn.Linear(32, 3));
  };
  const a = build();
  const sa = await compileTrainStep(a, new nn.CrossEntropyLoss(), new optim.Adam({ lr: 0.01 }));
  const losses = [];
  for (let i = 0; i < 2; i++) losses.push(await sa.step(x, y, 16, 0.01));
  const w = sa.getWeights(), st = sa.getOptimState();
  for (let i = 0; i < 3; i++) losses.push(await sa.step(x, y, 16, 0.01));

  const b = build();
  const sb = await compileTrainStep(b, new nn.CrossEntropyLoss(), new optim.Adam({ lr: 0.01 }));
  sb.setWeights(w);
  sb.setOptimState(st);
  for (let i = 0; i < 3; i++) assert.equal(await sb.step(x, y, 16, 0.01), losses[2 + i]);
  assert.deepEqual(sb.getWeights(), sa.getWeights());

  const c = build();
  const sc = await compileTrainStep(c, new nn.CrossEntropyLoss(), new optim.Adam({ lr: 0.01 }));
  for (let i = 0; i < 5; i++) assert.equal(await sc.step(x, y, 16, 0.01), losses[i], 'a fresh run repeats the same masks');
  for (const s of [sa, sb, sc]) await s.dispose();
});

test('a sequence model (Embedding, LSTM, Select, LayerNorm) trains and exports', async () => {
  nn.manualSeed(13);
  const model = new nn.Sequential(new nn.Embedding(5, 4), new nn.LSTM(4, 8), new nn.Select(1, -1), new nn.LayerNorm(8), new nn.GELU(), new nn.Linear(8, 2));
  model.inputShape = [3];
  // Class 1 when the sequence contains token 4.
  const n = 32;
  const x = new Float32Array(n * 3), y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < 3; t++) x[i * 3 + t] = (i * 7 + t * 3) % 5;
    y[i] = x.subarray(i * 3, i * 3 + 3).includes(4) ? 1 : 0;
  }
  const step = await compileTrainStep(model, new nn.CrossEntropyLoss(), new optim.Adam({ lr: 0.05 }));
  const first = await step.step(x, y, n, 0.05);
  let last = first;
  for (let i = 0; i < 60; i++) last = await step.step(x, y, n, 0.05);
  assert.ok(last < first * 0.3, `loss ${first} -> ${last}`);
  const pred = await compilePredictor(model);
  const session = await ort.InferenceSession.create(exportOnnx(model));
  const r = await session.run({ input: new ort.Tensor('float32', x, [n, 3]) });
  const expected = await pred.run(x, n);
  (r.output.data as Float32Array).forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-5));
  await session.release();
  await pred.dispose();
  await step.dispose();
});
