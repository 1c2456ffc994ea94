/** The operator registry: user operators, duplicate names, unknown names, shape-rule errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registerOp, getOp, listOps } from '../../ops/registry.ts';
import { Graph } from '../../ops/ir.ts';
import { evalGraph } from '../../ops/eval.ts';
import { checkGrads } from '../../ops/check-grads.ts';
import * as F from '../../ops/api.ts';

test('registering an operator name twice throws', () => {
  assert.throws(
    () => registerOp({ name: 'Tanh', shape: ([x]) => [{ dtype: x.dtype, shape: x.shape }], lower: () => {}, grad: 'nondifferentiable' }),
    { code: 'OPS_DUPLICATE_OP', message: /operator 'Tanh' is already registered/ },
  );
});

test('an unknown operator name fails clearly', () => {
  assert.throws(() => getOp('NoSuchOp'), { code: 'OPS_UNKNOWN_OP', message: /unknown operator 'NoSuchOp'/ });
  const g = new Graph();
  const x = g.input('x', 'float32', [1]);
  assert.throws(() => g.apply('NoSuchOp', [x]), /unknown operator 'NoSuchOp'/);
});

test('a user operator (cube) lowers, runs and differentiates like a built-in one', async () => {
  registerOp({
    name: 'test.Cube',
    shape: ([x]) => [{ dtype: x.dtype, shape: [...x.shape] }],
    lower: (_n, [x], [y], L) => {
      const sq = L.tmp();
      L.emit('Mul', [x, x], [sq]);
      L.emit('Mul', [sq, x], [y]);
    },
    grad: (n, [g]) => [g ? F.mul(g, F.mul(F.mul(n.inputs[0], n.inputs[0]), 3)) : null],
  });
  assert.ok(listOps().includes('test.Cube'));
  const g = new Graph();
  const x = g.input('x', 'float32', [3]);
  const [v] = await evalGraph(g, [g.apply('test.Cube', [x])[0]], { x: [1, 2, -3] });
  assert.deepEqual(Array.from(v as Float32Array), [1, 8, -27]);
  await checkGrads(t => t.graph.apply('test.Cube', [t])[0], [{ shape: [4] }]);
});

test('shape rules reject mismatched operands when the graph is built', () => {
  const g = new Graph();
  const a = g.input('a', 'float32', [2, 3]);
  const b = g.input('b', 'float32', [4, 5]);
  assert.throws(() => F.matmul(a, b), { code: 'OPS_SHAPE_MISMATCH', message: /inner dims differ: \[2,3\] x \[4,5\]/ });
  assert.throws(() => F.add(a, b), /shapes \[2,3\] and \[4,5\] do not broadcast/);
  const x = g.input('x', 'float32', ['N', 3, 8, 8]);
  const w = g.input('w', 'float32', [4, 2, 3, 3]);
  assert.throws(() => F.conv2d(x, w, null), /input has 3 channels but the weight/);
  assert.throws(() => F.reshape(a, [4, -1]), /cannot reshape \[2,3\] to \[4,-1\]/);
  const other = new Graph().input('o', 'float32', [2, 3]);
  assert.throws(() => F.add(a, other), { code: 'OPS_GRAPH_MISMATCH' });
});

test('symbolic batch dims flow through shape rules', () => {
  const g = new Graph();
  const x = g.input('x', 'float32', ['N', 1, 28, 28]);
  const w = g.input('w', 'float32', [6, 1, 5, 5]);
  const y = F.maxPool2d(F.conv2d(x, w, null), { kernel: [2, 2] });
  assert.deepEqual(y.shape, ['N', 6, 12, 12]);
  assert.deepEqual(F.flatten(y).shape, ['N', 864]);
  assert.deepEqual(F.reshape(y, [-1, 864]).shape, ['N', 864]);
  assert.deepEqual(F.reduceMean(y, [0, 2, 3], true).shape, [1, 6, 1, 1]);
});
