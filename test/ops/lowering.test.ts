/** The float32 lowerings (native Conv, ConvTranspose, AveragePool) agree with the float64 im2col lowerings that the gradient checks verify. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph, type DType, type Tensor } from '../../ops/index.ts';
import { gradients } from '../../ops/autodiff.ts';
import { evalGraph } from '../../ops/eval.ts';
import * as F from '../../ops/api.ts';

async function both(shapes: number[][], f: (...xs: Tensor[]) => Tensor): Promise<void> {
  const data = shapes.map((s, k) => Array.from({ length: s.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * 1.3 + k)));
  const results: number[][][] = [];
  for (const dt of ['float32', 'float64'] as DType[]) {
    const g = new Graph();
    const xs = shapes.map((s, i) => g.input(`x${i}`, dt, s));
    const y = f(...xs);
    const grads = gradients(F.sumAll(F.mul(y, y)), xs);
    const outs = await evalGraph(g, [y, ...grads], Object.fromEntries(data.map((d, i) => [`x${i}`, d])));
    results.push(outs.map(o => Array.from(o as Float64Array)));
  }
  results[0].forEach((arr, k) => arr.forEach((v, i) => assert.ok(Math.abs(v - results[1][k][i]) < 1e-4 * (1 + Math.abs(v)), `output ${k}[${i}]: ${v} vs ${results[1][k][i]}`)));
}

test('Conv with stride, padding, dilation and groups: float32 native equals float64 im2col, values and gradients', async () => {
  await both([[2, 4, 7, 6], [6, 2, 3, 2], [6]], (x, w, b) => F.conv2d(x, w, b, { strides: [2, 1], pads: [1, 0, 2, 1], dilations: [1, 2], group: 2 }));
});

test('ConvTranspose: float32 native equals float64 im2col', async () => {
  await both([[1, 4, 3, 3], [4, 1, 3, 3]], (g, w) => F.convTranspose2d(g, w, [6, 5], { strides: [2, 2], pads: [1, 1, 1, 1], group: 2 }));
});

test('AveragePool: float32 native equals float64 depthwise convolution', async () => {
  await both([[2, 3, 5, 5]], x => F.avgPool2d(x, { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }));
});

test('MaxPool gradient by MaxUnpool (float32) equals the scatter-add lowering (float64), with padding', async () => {
  await both([[2, 3, 7, 6]], x => F.maxPool2d(x, { kernel: [2, 2], strides: [2, 3], pads: [1, 0, 1, 1] }));
});

test('float64 Erf (no onnxruntime kernel) matches reference values to 1e-14 on both branches', async () => {
  const ref: [number, number][] = [[0.1, 0.1124629160182849], [1, 0.8427007929497149], [2, 0.9953222650189527], [2.5, 0.999593047982555], [3, 0.9999779095030014], [-1.5, -0.9661051464753108], [6, 1]];
  const g = new Graph();
  const x = g.input('x', 'float64', [ref.length]);
  const [v] = (await evalGraph(g, [F.erf(x)], { x: ref.map(r => r[0]) })) as Float64Array[];
  ref.forEach(([a, e], i) => assert.ok(Math.abs(v[i] - e) < 1e-14, `erf(${a}) = ${v[i]}, expected ${e}`));
});
