/** Validation metrics score batches by hand-computed values and merge across batches as sum + count. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Loss, MAE, Top1Accuracy, Top5Accuracy, ValidationResult } from '../../dl/metrics.ts';
import { CrossEntropyLoss, MSELoss } from '../../dl/nn/loss.ts';
import type { Criterion } from '../../dl/backend.ts';

const out = new Float32Array([
  0.1, 0.7, 0.2, 0, 0, 0,
  0.5, 0.1, 0.0, 0.3, 0.05, 0.2,
]);

test('Top1Accuracy counts argmax hits', () => {
  const r = new Top1Accuracy().evaluate({ output: out, outDim: 6, targets: new Float32Array([1, 3]), targetDim: 1, batch: 2 });
  assert.equal(r.sum, 1);
  assert.equal(r.count, 2);
  assert.equal(r.value, 0.5);
});

test('Top1Accuracy with one output thresholds at 0.5', () => {
  const r = new Top1Accuracy().evaluate({ output: new Float32Array([0.7, 0.2, 0.6]), outDim: 1, targets: new Float32Array([1, 1, 0]), targetDim: 1, batch: 3 });
  assert.equal(r.sum, 1);
});

test('Top5Accuracy counts labels among the five best outputs', () => {
  // sample 0: label 1 is best; sample 1: label 2 (0.0) is the smallest of six -> miss, label 4 (0.05) is fifth -> hit
  const m = new Top5Accuracy();
  assert.equal(m.evaluate({ output: out, outDim: 6, targets: new Float32Array([1, 2]), targetDim: 1, batch: 2 }).sum, 1);
  assert.equal(m.evaluate({ output: out, outDim: 6, targets: new Float32Array([1, 4]), targetDim: 1, batch: 2 }).sum, 2);
});

test('Top5Accuracy never counts a label that is not one of the outputs', () => {
  // labels 6 and 2.5 index no output of six: neither is among the best five (Top1Accuracy agrees)
  const batch = { output: out, outDim: 6, targets: new Float32Array([6, 2.5]), targetDim: 1, batch: 2 };
  assert.equal(new Top5Accuracy().evaluate(batch).sum, 0);
  assert.equal(new Top1Accuracy().evaluate(batch).sum, 0);
});

test('Loss defaults to cross-entropy over logits', () => {
  const logits = new Float32Array([1, 2, 3, 0, 0, 0]);
  const r = new Loss().evaluate({ output: logits, outDim: 3, targets: new Float32Array([2, 0]), targetDim: 1, batch: 2 });
  const ce0 = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) - 3;
  assert.ok(Math.abs(r.value - (ce0 + Math.log(3)) / 2) < 1e-6);
});

test('Loss uses the given criterion, MSE averaging over elements', () => {
  const r = new Loss(new MSELoss()).evaluate({ output: new Float32Array([1, 2, 3, 4]), outDim: 2, targets: new Float32Array([0, 2, 3, 6]), targetDim: 2, batch: 2 });
  assert.equal(r.value, (1 + 0 + 0 + 4) / 4);
});

test('Loss rejects a criterion it cannot evaluate', () => {
  class MyFancyLoss {}
  assert.throws(() => new Loss(new MyFancyLoss() as unknown as Criterion), { code: 'DL_BAD_ARGUMENT', message: /a MyFancyLoss has no batchLoss\(batch\) method/ });
});

test('Loss evaluates a subclass of an nn loss as its parent: dispatch is on the loss, not its class name', () => {
  class MyCrossEntropy extends CrossEntropyLoss {}
  const batch = { output: new Float32Array([1, 2, 3, 0, 0, 0]), outDim: 3, targets: new Float32Array([2, 0]), targetDim: 1, batch: 2 };
  assert.equal(new Loss(new MyCrossEntropy()).evaluate(batch).value, new Loss(new CrossEntropyLoss()).evaluate(batch).value);
  class Halved extends MSELoss {}
  const dense = { output: new Float32Array([1, 2]), outDim: 1, targets: new Float32Array([0, 0]), targetDim: 1, batch: 2 };
  assert.equal(new Loss(new Halved()).evaluate(dense).value, 2.5);
});

test('MAE averages absolute errors, broadcasting scalar targets', () => {
  const r = new MAE().evaluate({ output: new Float32Array([1, -1, 3]), outDim: 1, targets: new Float32Array([0, 0, 1]), targetDim: 1, batch: 3 });
  assert.equal(r.value, 4 / 3);
});

test('results merge as sum and count and survive a JSON round trip', () => {
  const a = new ValidationResult('Top1Accuracy', 3, 4);
  const b = ValidationResult.fromJSON(JSON.parse(JSON.stringify(new ValidationResult('Top1Accuracy', 1, 4))));
  const m = a.merge(b);
  assert.equal(m.value, 0.5);
  assert.equal(m.count, 8);
  assert.throws(() => a.merge(new ValidationResult('Loss', 1, 1)), /cannot merge a 'Loss' result/);
});
