/** Model.loadOnnx runs ONNX files made elsewhere: a PyTorch-exported CNN gives PyTorch's outputs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Model } from '../../dl/model.ts';
import { Top1Accuracy, Loss } from '../../dl/metrics.ts';
import { OrtPredictor } from '../../dl/ort-predictor.ts';
import { cachedSessionCount } from '../../ops/runtime.ts';
import { nn, exportOnnx } from '../../dl/index.ts';

const dir = fileURLToPath(new URL('../fixtures/torch/', import.meta.url));
const ref = JSON.parse(readFileSync(join(dir, 'small-cnn.json'), 'utf8')) as { input: number[]; output: number[]; batch: number; inputShape: number[] };
const per = ref.inputShape.reduce((a, b) => a * b, 1);
const rows = Array.from({ length: ref.batch }, (_, i) => Float32Array.from(ref.input.slice(i * per, (i + 1) * per)));

test("a PyTorch-exported model gives PyTorch's outputs", async () => {
  const model = await Model.loadOnnx(join(dir, 'small-cnn.onnx'));
  try {
    const out = await model.predict(rows, { batchSize: 3 });
    assert.equal(out.length, ref.batch);
    const flat = out.flatMap((o) => [...o]);
    assert.equal(flat.length, ref.output.length);
    for (let i = 0; i < flat.length; i++) assert.ok(Math.abs(flat[i] - ref.output[i]) < 1e-5, `output ${i}: ${flat[i]} vs ${ref.output[i]}`);
    const classes = await model.predictClass(rows.map((f) => ({ features: f, label: 0 })));
    const want = Array.from({ length: ref.batch }, (_, i) => {
      const r = ref.output.slice(i * 5, i * 5 + 5);
      return r.indexOf(Math.max(...r));
    });
    assert.deepEqual(classes, want);
    const samples = rows.map((f, i) => ({ features: f, label: want[i] }));
    const [acc, loss] = await model.evaluate(samples, [new Top1Accuracy(), new Loss()]);
    assert.equal(acc.value, 1);
    assert.ok(loss.value > 0 && Number.isFinite(loss.value));
  } finally {
    await model.dispose();
  }
});

test('saveOnnx writes the bytes that loadOnnx reads back', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'flint-model-'));
  try {
    const model = await Model.loadOnnx(join(dir, 'small-cnn.onnx'));
    await model.saveOnnx(join(tmp, 'sub', 'copy.onnx'));
    await model.dispose();
    const again = await Model.loadOnnx(join(tmp, 'sub', 'copy.onnx'));
    const a = await again.predict(rows.slice(0, 2));
    assert.ok(Math.abs(a[1][3] - ref.output[8]) < 1e-5);
    await again.dispose();
  } finally {
    rmSync(tmp, { recursive: true });
  }
});

test('loading a missing or corrupt ONNX file fails naming the file', async () => {
  await assert.rejects(Model.loadOnnx('/nonexistent/m.onnx'), (e: Error & { code?: string }) => e.code === 'DL_BAD_ONNX' && e.message.includes('/nonexistent/m.onnx'));
  const tmp = mkdtempSync(join(tmpdir(), 'flint-model-'));
  try {
    writeFileSync(join(tmp, 'bad.onnx'), 'not a model');
    await assert.rejects(Model.loadOnnx(join(tmp, 'bad.onnx')), (e: Error & { code?: string }) => e.code === 'DL_BAD_ONNX' && e.message.includes('bad.onnx'));
  } finally {
    rmSync(tmp, { recursive: true });
  }
});

test('a model with a fixed batch runs any number of rows, padding the last chunk', async () => {
  const model = await Model.loadOnnx(join(dir, 'small-cnn-batch4.onnx'));
  try {
    const out = await model.predict(rows);
    assert.equal(out.length, 7);
    for (let i = 0; i < 7; i++) for (let j = 0; j < 5; j++) assert.ok(Math.abs(out[i][j] - ref.output[i * 5 + j]) < 1e-5);
  } finally {
    await model.dispose();
  }
});

test('OrtPredictor sessions come from the runtime cache: same bytes and threads share one, the last dispose releases it', async () => {
  const bytes = readFileSync(join(dir, 'small-cnn.onnx'));
  const before = cachedSessionCount();
  const a = await OrtPredictor.create(bytes, { threads: 1 });
  const b = await OrtPredictor.create(bytes, { threads: 1 });
  const c = await OrtPredictor.create(bytes, { threads: 2 });
  assert.equal(cachedSessionCount(), before + 2, 'one session per thread count');
  assert.deepEqual(a.inputShape, ref.inputShape);
  const x = Float32Array.from(ref.input.slice(0, 2 * per));
  const [ra, rc] = [await a.run(x, 2), await c.run(x, 2)];
  for (let i = 0; i < 10; i++) assert.ok(Math.abs(ra[i] - ref.output[i]) < 1e-5 && Math.abs(rc[i] - ref.output[i]) < 1e-5);
  await a.dispose();
  await a.dispose(); // a second dispose of one predictor must not drop b's reference
  assert.equal(cachedSessionCount(), before + 2);
  assert.ok(Math.abs((await b.run(x, 2))[0] - ref.output[0]) < 1e-5, 'b still runs after a is disposed');
  await b.dispose();
  await c.dispose();
  assert.equal(cachedSessionCount(), before);
});

test('saving belongs to Model: Model.fromModule(module).saveOnnx writes the export, and the old Module.saveOnnx names it', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'flint-model-'));
  try {
    nn.manualSeed(3);
    const m = new nn.Sequential(new nn.Linear(4, 3), new nn.Tanh());
    const file = join(tmp, 'm.onnx');
    await Model.fromModule(m).saveOnnx(file);
    assert.deepEqual(new Uint8Array(readFileSync(file)), exportOnnx(m));
    const back = await Model.loadOnnx(file);
    const [y] = await back.predict([Float32Array.of(1, 2, 3, 4)]);
    const [w, b] = [m.namedParameters()[0][1].data, m.namedParameters()[1][1].data];
    for (let o = 0; o < 3; o++) {
      const want = Math.tanh(b[o] + [1, 2, 3, 4].reduce((a, v, i) => a + v * w[o * 4 + i], 0));
      assert.ok(Math.abs(y[o] - want) < 1e-6);
    }
    await back.dispose();
    await assert.rejects(m.saveOnnx(file), { code: 'NN_BAD_ARGUMENT', message: /Sequential\.saveOnnx moved: saving belongs to Model; call Model\.fromModule\(model\)\.saveOnnx\(path\)/ });
  } finally {
    rmSync(tmp, { recursive: true });
  }
});
