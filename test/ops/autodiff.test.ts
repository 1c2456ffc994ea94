/** Reverse-mode autodiff: accumulation across uses, pruning, zero gradients, and the missing-rule error. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph } from '../../ops/index.ts';
import { gradients } from '../../ops/autodiff.ts';
import { registerOp } from '../../ops/registry.ts';
import { evalGraph } from '../../ops/eval.ts';
import * as F from '../../ops/api.ts';

test('gradients of a tensor used several times are summed', async () => {
  const g = new Graph();
  const x = g.input('x', 'float32', [3]);
  const y = F.sumAll(F.add(F.mul(x, x), F.mul(x, 3)));
  const [gx] = gradients(y, [x]);
  const [v] = await evalGraph(g, [gx], { x: [1, 2, -1] });
  assert.deepEqual(Array.from(v as Float32Array), [5, 7, 1]);
});

test('a parameter the output does not depend on gets zeros', async () => {
  const g = new Graph();
  const x = g.input('x', 'float32', [2]);
  const unused = g.input('u', 'float32', [2, 2]);
  const [, gu] = gradients(F.sumAll(x), [x, unused]);
  const [v] = await evalGraph(g, [gu], { x: [1, 2], u: [1, 2, 3, 4] });
  assert.deepEqual(Array.from(v as Float32Array), [0, 0, 0, 0]);
});

test('a missing gradient rule fails naming the op and the parameter that needed it', () => {
  registerOp({
    name: 'test.NoGrad',
    shape: ([x]) => [{ dtype: x.dtype, shape: [...x.shape] }],
    lower: (_n, ins, outs, L) => L.emit('Identity', ins, outs),
  });
  const g = new Graph();
  const w = g.input('conv1.weight', 'float32', [2]);
  const y = F.sumAll(g.apply('test.NoGrad', [F.mul(w, 2)])[0]);
  assert.throws(() => gradients(y, [w], { names: ['conv1.weight'] }), {
    code: 'OPS_NO_GRADIENT',
    message: /no gradient rule for op 'test\.NoGrad' \(needed by parameter conv1\.weight\)/,
  });
});

test('ops off the path to the parameters need no gradient rule', () => {
  const g = new Graph();
  const w = g.input('w', 'float32', [2]);
  const c = g.input('c', 'float32', [2]);
  const side = g.apply('test.NoGrad', [c])[0];
  const [gw] = gradients(F.sumAll(F.mul(w, side)), [w]);
  assert.deepEqual(gw.shape, [2]);
});

test('a non-scalar output needs a seed', () => {
  const g = new Graph();
  const x = g.input('x', 'float32', [2]);
  assert.throws(() => gradients(F.mul(x, 2), [x]), /not a scalar; pass a seed gradient/);
  const [gx] = gradients(F.mul(x, 2), [x], { seed: g.constant([1, 1], 'float32', [2]) });
  assert.deepEqual(gx.shape, [2]);
});

test('non-differentiable ops stop the gradient flow', async () => {
  const g = new Graph();
  const x = g.input('x', 'float32', [3]);
  const mask = F.cast(F.greater(x, 0), 'float32');
  const [gx] = gradients(F.sumAll(F.mul(mask, x)), [x]);
  const [v] = await evalGraph(g, [gx], { x: [-1, 2, 3] });
  assert.deepEqual(Array.from(v as Float32Array), [0, 1, 1]);
});

test('gradients with a symbolic batch dim scale means by the run-time batch size', async () => {
  const g = new Graph();
  const x = g.input('x', 'float32', ['N', 2]);
  const w = g.input('w', 'float32', [2]);
  const [gw] = gradients(F.meanAll(F.mul(x, w)), [w]);
  const [a] = await evalGraph(g, [gw], { x: [1, 2, 3, 4], w: [0, 0] });
  assert.deepEqual(Array.from(a as Float32Array), [1, 1.5]);
  const [b] = await evalGraph(g, [gw], { x: [1, 2, 3, 4, 5, 6], w: [0, 0] });
  assert.deepEqual(Array.from(b as Float32Array), [1.5, 2]);
});
