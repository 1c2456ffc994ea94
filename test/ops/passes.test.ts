/** Graph passes: pool-before-activation rewrites MaxPool(f(x)) into f(MaxPool(x)) with the same values and gradients, and only where that holds. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as F from '../../ops/api.ts';
import '../../ops/index.ts'; // registers the built-in operators
import { Graph, type Tensor } from '../../ops/ir.ts';
import { gradients } from '../../ops/autodiff.ts';
import { evalGraph } from '../../ops/eval.ts';
import { checkGrads } from '../../ops/check-grads.ts';
import { forwardPasses, poolBeforeActivation, runPasses } from '../../ops/passes.ts';

const shape = [2, 2, 6, 6];
const x = Array.from({ length: 2 * 2 * 6 * 6 }, (_, i) => Math.sin(i * 1.7) * 2);
const proj = Float32Array.from({ length: 2 * 2 * 3 * 3 }, (_, i) => Math.cos(i * 0.9));
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-6) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol * (1 + Math.abs(b[i])), `element ${i}: ${a[i]} vs ${b[i]}`);
};

const activations: [string, (t: Tensor) => Tensor][] = [
  ['Tanh', F.tanh],
  ['Relu', F.relu],
  ['Sigmoid', F.sigmoid],
  ['LeakyRelu', (t) => F.leakyRelu(t, 0.1)],
];

test('the compile path runs pool-before-activation', () => {
  assert.ok(forwardPasses.includes(poolBeforeActivation));
  assert.equal(poolBeforeActivation.name, 'pool-before-activation');
});

for (const [op, act] of activations) {
  test(`pool-before-activation moves a max pool ahead of ${op} with the same values and gradients`, async () => {
    const g = new Graph();
    const xt = g.input('x', 'float32', shape);
    const y = F.maxPool2d(act(xt), { kernel: [2, 2] });
    const [y2] = runPasses(g, [y]);
    assert.notEqual(y2, y, 'the root is replaced');
    assert.equal(y2.node.op, op);
    assert.equal(y2.node.inputs[0].node.op, 'MaxPool');
    assert.equal(y2.node.inputs[0].node.inputs[0], xt);
    assert.ok(g.nodes.indexOf(y2.node.inputs[0].node) < g.nodes.indexOf(y2.node), 'build order stays topological');
    // the replaced nodes stay in the graph, so the old root still computes the unrewritten value
    const r = g.constant(proj, 'float32', [2, 2, 3, 3]);
    const [gx] = gradients(F.sumAll(F.mul(y, r)), [xt]);
    const [gx2] = gradients(F.sumAll(F.mul(y2, r)), [xt]);
    const [v, v2, d, d2] = await evalGraph(g, [y, y2, gx, gx2], { x });
    close(v2 as Float32Array, v as Float32Array);
    close(d2 as Float32Array, d as Float32Array);
    assert.ok((d as Float32Array).some((e) => e !== 0));
  });
}

test('gradient check: the rewritten graph with overlapping, padded, dilated windows', async () => {
  for (const act of [F.tanh, F.sigmoid]) {
    const r = await checkGrads((t) => {
      const y = F.maxPool2d(act(t), { kernel: [3, 3], strides: [1, 2], pads: [1, 1, 1, 1], dilations: [1, 2] });
      const [y2] = runPasses(t.graph, [y]);
      assert.notEqual(y2, y);
      return y2;
    }, [{ shape: [1, 2, 5, 6] }]);
    assert.ok(r.checked > 0);
  }
});

test('pool-before-activation rewrites every consumer of the pooled tensor and cascades through stacked pools', async () => {
  const g = new Graph();
  const xt = g.input('x', 'float32', shape);
  const p1 = F.maxPool2d(F.tanh(xt), { kernel: [1, 1] });
  const p2 = F.maxPool2d(p1, { kernel: [2, 2] });
  const a = F.exp(p2);
  const b = F.neg(p2);
  const [a2, b2] = runPasses(g, [a, b]);
  assert.equal(a2, a, 'roots that were not rewritten come back as they were');
  assert.equal(b2, b);
  // both pools now run before the one Tanh, which feeds both consumers
  const tanh = a.node.inputs[0].node;
  assert.equal(tanh.op, 'Tanh');
  assert.equal(b.node.inputs[0].node, tanh);
  assert.equal(tanh.inputs[0].node.op, 'MaxPool');
  assert.equal(tanh.inputs[0].node.inputs[0].node.op, 'MaxPool');
  assert.equal(tanh.inputs[0].node.inputs[0].node.inputs[0], xt);
  const want = new Graph();
  const wx = want.input('x', 'float32', shape);
  const wp = F.maxPool2d(F.maxPool2d(F.tanh(wx), { kernel: [1, 1] }), { kernel: [2, 2] });
  const [ea, eb] = await evalGraph(want, [F.exp(wp), F.neg(wp)], { x });
  const [va, vb] = await evalGraph(g, [a, b], { x });
  close(va as Float32Array, ea as Float32Array);
  close(vb as Float32Array, eb as Float32Array);
});

test('pool-before-activation leaves the graph alone where the swap would not hold or would duplicate work', () => {
  const cases: [string, (t: Tensor) => Tensor[]][] = [
    ['a decreasing LeakyRelu', (t) => [F.maxPool2d(F.leakyRelu(t, -0.5), { kernel: [2, 2] })]],
    ['a non-monotonic activation (Gelu)', (t) => [F.maxPool2d(F.gelu(t), { kernel: [2, 2] })]],
    ['an activation whose output is used elsewhere', (t) => {
      const a = F.tanh(t);
      return [F.maxPool2d(a, { kernel: [2, 2] }), F.sumAll(a)];
    }],
    ['an activation output that is itself a root', (t) => {
      const a = F.tanh(t);
      return [F.maxPool2d(a, { kernel: [2, 2] }), a];
    }],
    ['a pool whose indices are used', (t) => {
      const [p, idx] = t.graph.apply('MaxPool', [F.relu(t)], { kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1] });
      return [p, F.cast(idx, 'float32')];
    }],
    ['an average pool', (t) => [F.avgPool2d(F.tanh(t), { kernel: [2, 2] })]],
  ];
  for (const [what, build] of cases) {
    const g = new Graph();
    const roots = build(g.input('x', 'float32', shape));
    const ops = g.nodes.map((n) => n.op);
    const out = runPasses(g, roots);
    assert.deepEqual(out, roots, what);
    assert.deepEqual(g.nodes.map((n) => n.op), ops, what);
  }
});
