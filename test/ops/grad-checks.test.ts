/** Gradient checks of every differentiable operator in float64 against finite differences, and a coverage test over the registry. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkGrads, type GradCheckInput, type GradCheckOptions } from '../../ops/index.ts';
import { listOps, getOp } from '../../ops/registry.ts';
import type { Tensor } from '../../ops/ir.ts';
import * as F from '../../ops/api.ts';

interface Case {
  ops: string[];
  f: (...xs: Tensor[]) => Tensor;
  inputs: GradCheckInput[];
  opts?: GradCheckOptions;
}

const pos = (shape: number[], lo = 0.5, hi = 2): GradCheckInput => {
  const n = shape.reduce((a, b) => a * b, 1);
  return { shape, data: Array.from({ length: n }, (_, i) => lo + ((i * 0.618) % 1) * (hi - lo)) };
};

const cases: Record<string, Case> = {
  'Add broadcasts and unbroadcasts': { ops: ['Add'], f: (a, b) => F.add(a, b), inputs: [{ shape: [2, 3, 4] }, { shape: [3, 1] }] },
  'Sub broadcasts': { ops: ['Sub'], f: (a, b) => F.sub(a, b), inputs: [{ shape: [3, 1] }, { shape: [2, 1, 4] }] },
  'Mul broadcasts': { ops: ['Mul'], f: (a, b) => F.mul(a, b), inputs: [{ shape: [2, 3] }, { shape: [3] }] },
  'Div broadcasts': { ops: ['Div'], f: (a, b) => F.div(a, b), inputs: [{ shape: [2, 3] }, pos([2, 1])] },
  'Pow of positive base and tensor exponent': { ops: ['Pow'], f: (a, b) => F.pow(a, b), inputs: [pos([2, 3]), { shape: [2, 3] }] },
  'Max picks the larger operand': { ops: ['Max'], f: (a, b) => F.max(a, b), inputs: [{ shape: [3, 4] }, { shape: [4] }] },
  'Neg': { ops: ['Neg'], f: a => F.neg(a), inputs: [{ shape: [5] }] },
  'Exp': { ops: ['Exp'], f: a => F.exp(a), inputs: [{ shape: [2, 3] }] },
  'Log of positive values': { ops: ['Log'], f: a => F.log(a), inputs: [pos([2, 3])] },
  'Sqrt of positive values': { ops: ['Sqrt'], f: a => F.sqrt(a), inputs: [pos([2, 3])] },
  'Abs away from zero': { ops: ['Abs'], f: a => F.abs(a), inputs: [{ shape: [6], data: [-2, -1, -0.5, 0.5, 1, 2] }] },
  'Sign is flat': { ops: ['Sign'], f: a => F.mul(F.sign(a), a), inputs: [{ shape: [4], data: [-2, -1, 0.5, 1] }] },
  'Tanh': { ops: ['Tanh'], f: a => F.tanh(a), inputs: [{ shape: [3, 3] }] },
  'Sigmoid': { ops: ['Sigmoid'], f: a => F.sigmoid(a), inputs: [{ shape: [3, 3] }] },
  'Relu away from zero': { ops: ['Relu'], f: a => F.relu(a), inputs: [{ shape: [6], data: [-2, -1, -0.5, 0.5, 1, 2] }] },
  'LeakyRelu': { ops: ['LeakyRelu'], f: a => F.leakyRelu(a, 0.2), inputs: [{ shape: [6], data: [-2, -1, -0.5, 0.5, 1, 2] }] },
  'Erf on both sides of the series/continued-fraction switch': { ops: ['Erf'], f: a => F.erf(a), inputs: [{ shape: [6], data: [-3, -1.2, 0.3, 2.4, 2.6, 3.5] }] },
  'Gelu': { ops: ['Gelu'], f: a => F.gelu(a), inputs: [{ shape: [2, 4] }] },
  'Softplus': { ops: ['Softplus'], f: a => F.softplus(a), inputs: [{ shape: [2, 4] }] },
  'Softmax on axis 1': { ops: ['Softmax'], f: a => F.softmax(a, 1), inputs: [{ shape: [2, 4, 2] }] },
  'LogSoftmax on the last axis': { ops: ['LogSoftmax'], f: a => F.logSoftmax(a, -1), inputs: [{ shape: [3, 4] }] },
  'Cast through float32 and back': { ops: ['Cast'], f: a => F.cast(F.cast(a, 'float32'), 'float64'), inputs: [{ shape: [4] }], opts: { eps: 1e-2, atol: 1e-5, rtol: 1e-3 } },
  'MatMul with broadcast batch': { ops: ['MatMul'], f: (a, b) => F.matmul(a, b), inputs: [{ shape: [2, 3, 4] }, { shape: [4, 2] }] },
  'Gemm plain with bias': { ops: ['Gemm'], f: (a, b, c) => F.gemm(a, b, c), inputs: [{ shape: [3, 4] }, { shape: [4, 2] }, { shape: [2] }] },
  'Gemm transB': { ops: ['Gemm'], f: (a, b) => F.gemm(a, b, null, { transB: true }), inputs: [{ shape: [3, 4] }, { shape: [2, 4] }] },
  'Gemm transA': { ops: ['Gemm'], f: (a, b) => F.gemm(a, b, null, { transA: true }), inputs: [{ shape: [4, 3] }, { shape: [4, 2] }] },
  'Gemm transA transB': { ops: ['Gemm'], f: (a, b, c) => F.gemm(a, b, c, { transA: true, transB: true }), inputs: [{ shape: [4, 3] }, { shape: [2, 4] }, { shape: [3, 1] }] },
  'Transpose': { ops: ['Transpose'], f: a => F.transpose(a, [2, 0, 1]), inputs: [{ shape: [2, 3, 4] }] },
  'Reshape with -1 and 0': { ops: ['Reshape', 'ReshapeAs'], f: a => F.reshape(a, [0, -1]), inputs: [{ shape: [2, 3, 2] }] },
  'Flatten': { ops: ['Flatten'], f: a => F.flatten(a, 2), inputs: [{ shape: [2, 3, 2, 2] }] },
  'Squeeze and Unsqueeze': { ops: ['Squeeze', 'Unsqueeze'], f: a => F.unsqueeze(F.squeeze(a, [1]), [0, 3]), inputs: [{ shape: [2, 1, 3] }] },
  'Concat': { ops: ['Concat'], f: (a, b) => F.concat([a, b, a], 1), inputs: [{ shape: [2, 2] }, { shape: [2, 3] }] },
  'Slice with negative start': { ops: ['Slice', 'Pad'], f: a => F.slice(a, [1, -3], [3, 4], [0, 1]), inputs: [{ shape: [4, 5] }] },
  'ExpandAs': { ops: ['ExpandAs'], f: (a, b) => F.mul(F.expandAs(a, b), b), inputs: [{ shape: [3, 1] }, { shape: [2, 3, 4] }] },
  'ZerosLike contributes nothing': { ops: ['ZerosLike'], f: a => F.add(F.zerosLike(a), F.mul(a, a)), inputs: [{ shape: [3] }] },
  'ReduceSum keepdims': { ops: ['ReduceSum'], f: a => F.reduceSum(a, [0, 2], true), inputs: [{ shape: [2, 3, 4] }] },
  'ReduceMean without keepdims': { ops: ['ReduceMean'], f: a => F.reduceMean(a, [1]), inputs: [{ shape: [2, 3, 4] }] },
  'ReduceMax': { ops: ['ReduceMax'], f: a => F.reduceMax(a, [-1]), inputs: [{ shape: [3, 5] }] },
  'Where routes by condition': {
    ops: ['Where'],
    f: (c, a, b) => F.where(F.greater(c, 0), a, b),
    inputs: [{ shape: [2, 3], constant: true }, { shape: [2, 3] }, { shape: [3] }],
  },
  'Gather rows (embedding)': {
    ops: ['Gather', 'ScatterNDAdd'],
    f: (w, idx) => F.gather(w, idx, 0),
    inputs: [{ shape: [4, 3] }, { shape: [2, 3], dtype: 'int64', data: [0, 2, 2, 3, 0, 0] }],
  },
  'GatherElements': {
    ops: ['GatherElements', 'ScatterElementsAdd'],
    f: (x, idx) => F.gatherElements(x, idx, 1),
    inputs: [{ shape: [3, 4] }, { shape: [3, 2], dtype: 'int64', data: [0, 3, 1, 1, 2, 0] }],
  },
  'ScatterElementsAdd': {
    ops: ['ScatterElementsAdd'],
    f: (d, idx, u) => F.scatterElementsAdd(d, idx, u, 1),
    inputs: [{ shape: [2, 4] }, { shape: [2, 3], dtype: 'int64', data: [0, 3, 0, 1, 1, 2] }, { shape: [2, 3] }],
  },
  'ScatterNDAdd': {
    ops: ['ScatterNDAdd'],
    f: (d, idx, u) => F.scatterNDAdd(d, idx, u),
    inputs: [{ shape: [4, 2] }, { shape: [3, 1], dtype: 'int64', data: [3, 0, 3] }, { shape: [3, 2] }],
  },
  'Conv with stride, asymmetric padding, dilation and bias': {
    ops: ['Conv', 'ConvTranspose'],
    f: (x, w, b) => F.conv2d(x, w, b, { strides: [2, 1], pads: [1, 0, 1, 2], dilations: [1, 2] }),
    inputs: [{ shape: [2, 2, 5, 6] }, { shape: [3, 2, 3, 2] }, { shape: [3] }],
  },
  'Conv with groups': {
    ops: ['Conv'],
    f: (x, w) => F.conv2d(x, w, null, { group: 2, strides: [2, 2], pads: [1, 1, 1, 1] }),
    inputs: [{ shape: [2, 4, 5, 5] }, { shape: [4, 2, 3, 3] }],
  },
  'ConvTranspose with stride and padding': {
    ops: ['ConvTranspose'],
    f: (g, w) => F.convTranspose2d(g, w, [6, 5], { strides: [2, 2], pads: [1, 1, 1, 1] }),
    inputs: [{ shape: [1, 3, 3, 3] }, { shape: [3, 2, 3, 3] }],
  },
  'counter-based dropout (deterministic mask)': {
    ops: ['DropoutMask'],
    f: (x, c) => F.dropoutCounter(x, 0.4, c, 3),
    inputs: [{ shape: [4, 5] }, { shape: [], data: [7], constant: true }],
  },
  'MaxPool 2x2 (non-overlapping: MaxUnpool)': { ops: ['MaxPool'], f: x => F.maxPool2d(x, { kernel: [2, 2] }), inputs: [{ shape: [2, 2, 4, 4] }] },
  'MaxUnpool places values at pool indices': {
    ops: ['MaxUnpool'],
    f: (x, g) => x.graph.apply('MaxUnpool', [g, x.graph.apply('MaxPool', [x], { kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1] })[1], x], { kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0] })[0],
    inputs: [{ shape: [1, 2, 4, 4], constant: true }, { shape: [1, 2, 2, 2] }],
  },
  'MaxPool overlapping with padding (scatter-add)': {
    ops: ['MaxPool'],
    f: x => F.maxPool2d(x, { kernel: [3, 3], strides: [2, 1], pads: [1, 1, 1, 1] }),
    inputs: [{ shape: [1, 2, 5, 4] }],
  },
  'AveragePool with padding': {
    ops: ['AveragePool'],
    f: x => F.avgPool2d(x, { kernel: [3, 2], strides: [2, 2], pads: [1, 0, 1, 0] }),
    inputs: [{ shape: [2, 2, 5, 4] }],
  },
};

/** Operators whose gradients are checked by hand in ops-values.test.ts instead (random or deliberately non-mathematical gradients). */
const checkedByHand = new Set(['Dropout', 'StopGradient']);

for (const [name, c] of Object.entries(cases)) {
  test(`gradient of ${name} matches finite differences`, async () => {
    const r = await checkGrads(c.f, c.inputs, c.opts);
    assert.ok(r.checked > 0);
  });
}

test('every registered operator has a gradient spec and every differentiable one a gradient check', () => {
  const covered = new Set(Object.values(cases).flatMap(c => c.ops));
  for (const op of listOps()) {
    const def = getOp(op);
    assert.ok(def.grad !== undefined, `operator ${op} has no gradient spec`);
    if (typeof def.grad === 'function' && !checkedByHand.has(op)) assert.ok(covered.has(op), `operator ${op} has no gradient check`);
  }
});

test('checkGrads fails on a wrong gradient rule, naming the input and element', async () => {
  const { registerOp } = await import('../../ops/registry.ts');
  registerOp({
    name: 'test.WrongSquare',
    shape: ([x]) => [{ dtype: x.dtype, shape: [...x.shape] }],
    lower: (_n, [x], [y], L) => L.emit('Mul', [x, x], [y]),
    grad: (n, [g]) => [g ? F.mul(g, n.inputs[0]) : null],
  });
  await assert.rejects(
    checkGrads(x => x.graph.apply('test.WrongSquare', [x])[0], [{ shape: [3] }]),
    /gradient of input 0 at element 0 is .* by autodiff but .* by finite differences/,
  );
});
