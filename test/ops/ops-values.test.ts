/** Hand-computed forward values and gradients of the operators, run through the float32 ONNX lowering on onnxruntime. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph, type Tensor } from '../../ops/index.ts';
import { evalGraph } from '../../ops/eval.ts';
import { gradients } from '../../ops/autodiff.ts';
import * as F from '../../ops/api.ts';

function close(actual: ArrayLike<number | bigint>, expected: number[], tol = 1e-5): void {
  const a = Array.from(actual, Number);
  assert.equal(a.length, expected.length, `length ${a.length} vs ${expected.length}: ${a}`);
  a.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) <= tol * (1 + Math.abs(expected[i])), `element ${i}: ${v} vs ${expected[i]} (got ${a})`));
}

/** Builds one float32 graph from inputs of the given shapes and returns its outputs' values. */
async function run(shapes: number[][], data: number[][], build: (...xs: Tensor[]) => Tensor | Tensor[]): Promise<number[][]> {
  const g = new Graph();
  const xs = shapes.map((s, i) => g.input(`x${i}`, 'float32', s));
  const out = build(...xs);
  const outs = Array.isArray(out) ? out : [out];
  const feeds = Object.fromEntries(data.map((d, i) => [`x${i}`, d]));
  return (await evalGraph(g, outs, feeds)).map(a => Array.from(a as ArrayLike<number | bigint>, Number));
}
const one = async (shape: number[], data: number[], build: (x: Tensor) => Tensor | Tensor[]) => run([shape], [data], build);

test('elementwise binary ops broadcast a row over a matrix', async () => {
  const [add, sub, mul, div, pow, max] = await run([[2, 2], [2]], [[1, 2, 3, 4], [10, 20]], (a, b) => [
    F.add(a, b), F.sub(a, b), F.mul(a, b), F.div(a, b), F.pow(a, 2), F.max(a, 2.5),
  ]);
  close(add, [11, 22, 13, 24]);
  close(sub, [-9, -18, -7, -16]);
  close(mul, [10, 40, 30, 80]);
  close(div, [0.1, 0.1, 0.3, 0.2]);
  close(pow, [1, 4, 9, 16]);
  close(max, [2.5, 2.5, 3, 4]);
});

test('comparisons and Where select elementwise', async () => {
  const [w] = await run([[4], [4]], [[1, 2, 3, 4], [4, 2, 2, 1]], (a, b) => {
    const k = (v: number) => a.graph.scalar(v, 'float32');
    return [F.add(F.add(F.where(F.greater(a, b), 100, k(0)), F.where(F.equal(a, b), 10, k(0))), F.where(F.less(a, b), 1, k(0)))];
  });
  close(w, [1, 10, 100, 100]);
});

test('unary ops give their textbook values', async () => {
  const x = [-2, 0, 1, 4];
  const [neg, abs, sign, tanh, sig, relu, leaky, erf, gelu, softplus] = await one([4], x, a => [
    F.neg(a), F.abs(a), F.sign(a), F.tanh(a), F.sigmoid(a), F.relu(a), F.leakyRelu(a, 0.1), F.erf(a), F.gelu(a), F.softplus(a),
  ]);
  close(neg, [2, 0, -1, -4]);
  close(abs, [2, 0, 1, 4]);
  close(sign, [-1, 0, 1, 1]);
  close(tanh, x.map(Math.tanh));
  close(sig, x.map(v => 1 / (1 + Math.exp(-v))));
  close(relu, [0, 0, 1, 4]);
  close(leaky, [-0.2, 0, 1, 4]);
  close(erf, [-0.995322265, 0, 0.842700793, 0.999999985]);
  close(gelu, [-0.0455002639, 0, 0.841344746, 3.99987332]);
  close(softplus, x.map(v => Math.log1p(Math.exp(v))));
  const [exp, log, sqrt] = await one([3], [1, 4, 9], a => [F.exp(F.sub(a, 1)), F.log(a), F.sqrt(a)]);
  close(exp, [1, Math.E ** 3, Math.E ** 8]);
  close(log, [0, Math.log(4), Math.log(9)]);
  close(sqrt, [1, 2, 3]);
});

test('Softmax and LogSoftmax normalise along the axis', async () => {
  const [sm, lsm] = await one([2, 3], [1, 2, 3, 0, 0, 0], a => [F.softmax(a, 1), F.logSoftmax(a, 1)]);
  close(sm, [0.0900306, 0.2447285, 0.6652410, 1 / 3, 1 / 3, 1 / 3]);
  close(lsm, [Math.log(0.0900306), Math.log(0.2447285), Math.log(0.665241), -Math.log(3), -Math.log(3), -Math.log(3)]);
});

test('MatMul and Gemm multiply matrices', async () => {
  const [mm, gemm] = await run([[2, 2], [2, 2]], [[1, 2, 3, 4], [5, 6, 7, 8]], (a, b) => [
    F.matmul(a, b),
    F.gemm(a, b, a.graph.constant([1, -1], 'float32', [2]), { transB: true }),
  ]);
  close(mm, [19, 22, 43, 50]);
  close(gemm, [18, 22, 40, 52]);
});

test('Conv sums windows, with stride and padding', async () => {
  const x = [1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [plain, strided] = await one([1, 1, 3, 3], x, a => {
    const w = a.graph.constant([1, 1, 1, 1], 'float32', [1, 1, 2, 2]);
    return [F.conv2d(a, w, null), F.conv2d(a, w, a.graph.constant([0.5], 'float32', [1]), { strides: [2, 2], pads: [1, 1, 1, 1] })];
  });
  close(plain, [12, 16, 24, 28]);
  close(strided, [1.5, 5.5, 11.5, 28.5]);
});

test('ConvTranspose spreads each input over the kernel window', async () => {
  const [y] = await one([1, 1, 2, 2], [1, 2, 3, 4], g => F.convTranspose2d(g, g.graph.constant([1, 1, 1, 1], 'float32', [1, 1, 2, 2]), [3, 3]));
  close(y, [1, 3, 2, 4, 10, 6, 3, 7, 4]);
});

test('MaxPool and AveragePool reduce 2x2 windows', async () => {
  const x = Array.from({ length: 16 }, (_, i) => i + 1);
  const [mp, ap] = await one([1, 1, 4, 4], x, a => [F.maxPool2d(a, { kernel: [2, 2] }), F.avgPool2d(a, { kernel: [2, 2] })]);
  close(mp, [6, 8, 14, 16]);
  close(ap, [3.5, 5.5, 11.5, 13.5]);
});

test('reductions sum, average and take the maximum over axes', async () => {
  const [s, m, mx, all] = await one([2, 3], [1, 2, 3, 4, 5, 6], a => [F.reduceSum(a, [1]), F.reduceMean(a, [0], true), F.reduceMax(a, [1]), F.meanAll(a)]);
  close(s, [6, 15]);
  close(m, [2.5, 3.5, 4.5]);
  close(mx, [3, 6]);
  close(all, [3.5]);
});

test('shape ops move, cut, join and pad data', async () => {
  const x = [1, 2, 3, 4, 5, 6];
  const [t, r, fl, c, sl, sq, pad, ex, z] = await one([2, 3], x, a => [
    F.transpose(a, [1, 0]),
    F.reshape(a, [3, -1]),
    F.flatten(F.unsqueeze(a, [0]), 1),
    F.concat([a, a], 0),
    F.slice(a, [1], [3], [1]),
    F.squeeze(F.unsqueeze(a, [1]), [1]),
    a.graph.apply('Pad', [a], { pads: [0, 1, 0, 0] })[0],
    F.expandAs(F.reduceSum(a, [0], true), a),
    F.zerosLike(a),
  ]);
  close(t, [1, 4, 2, 5, 3, 6]);
  close(r, x);
  close(fl, x);
  close(c, [...x, ...x]);
  close(sl, [2, 3, 5, 6]);
  close(sq, x);
  close(pad, [0, 1, 2, 3, 0, 4, 5, 6]);
  close(ex, [5, 7, 9, 5, 7, 9]);
  close(z, [0, 0, 0, 0, 0, 0]);
});

test('Size and Cast resolve the batch at run time', async () => {
  const g = new Graph();
  const x = g.input('x', 'float32', ['N', 3]);
  const [size, cast] = await evalGraph(g, [F.sizeOf(x, 'float32'), F.cast(F.cast(x, 'int64'), 'float32')], { x: [1.7, -2.2, 3, 4, 5, 6] });
  close(size, [6]);
  close(cast, [1, -2, 3, 4, 5, 6]);
});

test('Gather picks rows and scatter-add accumulates repeated indices', async () => {
  const g = new Graph();
  const w = g.input('w', 'float32', [3, 2]);
  const idx = g.constant([2, 0, 2], 'int64', [3]);
  const rows = F.gather(w, idx, 0);
  const [gradW] = gradients(F.sumAll(F.mul(rows, g.constant([1, 2, 3, 4, 5, 6], 'float32', [3, 2]))), [w]);
  const ge = F.gatherElements(w, g.constant([1, 0, 0, 0, 1, 1], 'int64', [3, 2]), 1);
  const se = F.scatterElementsAdd(F.zerosLike(w), g.constant([0, 0, 1, 1, 0, 1], 'int64', [3, 2]), w, 1);
  const [r, gw, gev, sev] = await evalGraph(g, [rows, gradW, ge, se], { w: [1, 2, 3, 4, 5, 6] });
  close(r, [5, 6, 1, 2, 5, 6]);
  close(gw, [3, 4, 0, 0, 6, 8]);
  close(gev, [2, 1, 3, 3, 6, 6]);
  close(sev, [3, 0, 0, 7, 5, 6]);
});

test('hand-computed gradients: tanh, sigmoid, relu, max pool, average pool', async () => {
  const g = new Graph();
  const x = g.input('x', 'float32', [1, 1, 2, 2]);
  const [gt] = gradients(F.sumAll(F.tanh(x)), [x]);
  const [gs] = gradients(F.sumAll(F.sigmoid(x)), [x]);
  const [gr] = gradients(F.sumAll(F.relu(x)), [x]);
  const [gm] = gradients(F.sumAll(F.maxPool2d(x, { kernel: [2, 2] })), [x]);
  const [ga] = gradients(F.sumAll(F.avgPool2d(x, { kernel: [2, 2] })), [x]);
  const [t, s, r, m, a] = await evalGraph(g, [gt, gs, gr, gm, ga], { x: [0, -1, 3, 1] });
  close(t, [0, -1, 3, 1].map(v => 1 - Math.tanh(v) ** 2));
  close(s, [0.25, 0.19661193, 0.04517666, 0.19661193]);
  close(r, [0, 0, 1, 1]);
  close(m, [0, 0, 1, 0]);
  close(a, [0.25, 0.25, 0.25, 0.25]);
});

test('Dropout keeps about 1-p of the elements scaled by 1/(1-p), and its gradient uses the same mask', async () => {
  const g = new Graph();
  const x = g.input('x', 'float32', [4000]);
  const y = F.dropout(x, 0.25, true, 7);
  const [gx] = gradients(F.sumAll(y), [x]);
  const [yv, gv] = (await evalGraph(g, [y, gx], { x: new Array(4000).fill(1) })) as Float32Array[];
  let kept = 0;
  for (let i = 0; i < 4000; i++) {
    assert.ok(yv[i] === 0 || Math.abs(yv[i] - 4 / 3) < 1e-6);
    assert.ok(Math.abs(gv[i] - yv[i]) < 1e-6, 'gradient of sum(dropout(1)) equals the output itself');
    if (yv[i] !== 0) kept++;
  }
  assert.ok(kept > 2800 && kept < 3200, `kept ${kept} of 4000`);
  const g2 = new Graph();
  const x2 = g2.input('x', 'float32', [3]);
  assert.equal(F.dropout(x2, 0.5, false), x2, 'dropout is the identity in eval mode');
});

test('StopGradient passes the value but no gradient', async () => {
  const g = new Graph();
  const x = g.input('x', 'float32', [3]);
  const y = F.mul(x, F.stopGradient(x));
  const [gx] = gradients(F.sumAll(y), [x]);
  const [yv, gv] = await evalGraph(g, [y, gx], { x: [1, 2, 3] });
  close(yv, [1, 4, 9]);
  close(gv, [1, 2, 3]);
});

test('DropoutMask keeps about 1-ratio of the elements on both lowerings and depends only on index, counter and seed', async () => {
  for (const shape of [['N', 50, 40], ['N']] as (number | string)[][]) {
    const g = new Graph();
    const x = g.input('x', 'float32', shape);
    const c = g.input('c', 'float32', []);
    const mask = g.apply('DropoutMask', [x, c], { ratio: 0.25, seed: 9 })[0];
    const run = async (step: number) => (await evalGraph(g, [mask], { x: { data: new Float32Array(4000), shape: shape.length === 3 ? [2, 50, 40] : [4000] }, c: [step] }))[0] as Uint8Array;
    const a = await run(5), b = await run(5), other = await run(6);
    assert.deepEqual(a, b);
    const kept = a.reduce((s, v) => s + v, 0);
    assert.ok(kept > 2850 && kept < 3150, `kept ${kept} of 4000 (shape ${shape})`);
    const same = a.reduce((s, v, i) => s + (v === other[i] ? 1 : 0), 0);
    assert.ok(same > 2350 && same < 2650, `next step agrees on ${same} of 4000, expected about 0.625`);
  }
});
