/** nn.OnnxModule: a PyTorch-exported model (test/fixtures/torch, made by test/fixtures/make-torch-onnx.py) imported as a trainable module. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { nn, optim, compilePredictor, compileTrainStep, exportOnnx } from '../../../dl/index.ts';
import * as ort from 'onnxruntime-node';
import { decodeModel } from '../../../ops/onnx/decode.ts';
import { emitModel } from '../../../ops/onnx/emit.ts';
import { Graph } from '../../../ops/index.ts';
import * as F from '../../../ops/api.ts';

const bytes = readFileSync(new URL('../../fixtures/torch/small-cnn.onnx', import.meta.url));
const expected = JSON.parse(readFileSync(new URL('../../fixtures/torch/small-cnn.json', import.meta.url), 'utf8')) as {
  inputShape: number[]; batch: number; input: number[]; output: number[];
};

test('decodeModel reads nodes, attributes, initializers and shapes of a PyTorch export', () => {
  const m = decodeModel(bytes);
  assert.equal(m.producer, 'pytorch');
  assert.equal(m.opsetVersion, 17);
  assert.deepEqual(m.inputs[0].shape, ['batch', 1, 8, 8]);
  assert.deepEqual(m.nodes.map(n => n.opType), ['Conv', 'Tanh', 'MaxPool', 'Conv', 'Relu', 'Flatten', 'Gemm', 'Sigmoid', 'Gemm']);
  assert.deepEqual(m.nodes[0].attrs.pads, [1, 1, 1, 1]);
  assert.deepEqual(m.initializers.map(t => t.name), ['0.weight', '0.bias', '3.weight', '3.bias', '6.weight', '6.bias', '8.weight', '8.bias']);
});

test('decodeModel reads what emitModel writes', () => {
  const g = new Graph();
  const x = g.input('x', 'float32', ['N', 3]);
  const w = g.input('w', 'float32', [2, 3]);
  const y = F.leakyRelu(F.gemm(x, w, null, { transB: true }), 0.25);
  const m = decodeModel(emitModel(g, { outputs: [{ name: 'y', tensor: y }], initializers: new Map([[w, Float32Array.from([1, 2, 3, 4, 5, 6])]]) }));
  assert.deepEqual(m.inputs, [{ name: 'x', elemType: 1, shape: ['N', 3] }]);
  assert.deepEqual(m.initializers[m.initializers.length - 1], { name: 'w', dims: [2, 3], dataType: 1, values: [1, 2, 3, 4, 5, 6] });
  const leaky = m.nodes.find(n => n.opType === 'LeakyRelu')!;
  assert.equal(leaky.attrs.alpha, 0.25);
  assert.throws(() => decodeModel(Uint8Array.from([0x3a, 0x05, 0x0a])), /truncated/);
});

test('an imported PyTorch model reproduces PyTorch outputs and names parameters by initializer', async () => {
  const m = new nn.OnnxModule(bytes);
  assert.deepEqual(m.inputShape, [1, 8, 8]);
  assert.deepEqual(m.namedParameters().map(([k]) => k), ['0.weight', '0.bias', '3.weight', '3.bias', '6.weight', '6.bias', '8.weight', '8.bias']);
  const pred = await compilePredictor(m);
  const out = await pred.run(Float32Array.from(expected.input), expected.batch);
  out.forEach((v, i) => assert.ok(Math.abs(v - expected.output[i]) < 1e-5, `output ${i}: ${v} vs ${expected.output[i]}`));
  await pred.dispose();
});

test('an imported model fine-tunes with a compiled train step and exports again', async () => {
  const m = new nn.OnnxModule(bytes);
  const x = Float32Array.from(expected.input);
  const y = Float32Array.from({ length: expected.batch }, (_, i) => i % 5);
  const step = await compileTrainStep(m, new nn.CrossEntropyLoss(), new optim.Adam({ lr: 0.05 }));
  const first = await step.step(x, y, expected.batch, 0.05);
  let last = first;
  for (let i = 0; i < 80; i++) last = await step.step(x, y, expected.batch, 0.05);
  assert.ok(last < first * 0.3, `loss ${first} -> ${last}`);
  const session = await ort.InferenceSession.create(exportOnnx(m));
  const r = await session.run({ input: new ort.Tensor('float32', x, [expected.batch, 1, 8, 8]) });
  const pred = await compilePredictor(m);
  const want = await pred.run(x, expected.batch);
  (r.output.data as Float32Array).forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-5));
  await session.release();
  await pred.dispose();
  await step.dispose();
});

test('unsupported operators fail at import, naming the operator', () => {
  const g = new Graph();
  const x = g.input('x', 'float32', ['N', 4]);
  const y = F.sign(x);
  assert.throws(() => new nn.OnnxModule(emitModel(g, { outputs: [{ name: 'y', tensor: y }] })), {
    code: 'NN_NOT_IMPLEMENTED',
    message: /ONNX operator 'Sign' \(node 'n0_Sign'\) is not supported by OnnxModule/,
  });
});
