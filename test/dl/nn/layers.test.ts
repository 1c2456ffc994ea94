/** nn layers: hand-computed forward values, training/eval behaviour, and float64 gradient checks of each layer with its parameters. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nn } from '../../../dl/index.ts';
import type { Tensor } from '../../../ops/ir.ts';
import { evalGraph } from '../../../ops/eval.ts';
import { checkGrads, type GradCheckInput, type GradCheckOptions } from '../../../ops/index.ts';

/** Runs a module's forward in float32 on x (per-sample shape `shape`), returning the output and the new buffer values. */
async function forward(m: nn.Module, shape: number[], x: number[], training = false, rng = 0) {
  const ctx = new nn.BuildContext(m, { training });
  const xt = ctx.graph.input('x', 'float32', ['N', ...shape]);
  const y = m.forward(xt, ctx);
  const feeds: Record<string, number[] | Float32Array> = { x };
  for (const [k, p] of m.namedParameters()) feeds[k] = p.data;
  for (const [k, b] of m.namedBuffers()) feeds[k] = b.data;
  if (ctx.graph.inputs.some(t => t.node.attrs.name === 'rng')) feeds.rng = [rng];
  const updates = [...ctx.bufferUpdates.values()];
  const [out, ...bufs] = await evalGraph(ctx.graph, [y, ...updates], feeds);
  return { out: Array.from(out as Float32Array), buffers: bufs.map(b => Array.from(b as Float32Array)) };
}

/** Gradient check of a module in float64 with respect to its input (unless integer) and every parameter. */
async function checkModule(m: nn.Module, xShape: number[], opts: { training?: boolean; x?: GradCheckInput; gc?: GradCheckOptions } = {}) {
  const params = m.namedParameters().map(([, p]) => p);
  const inputs: GradCheckInput[] = [opts.x ?? { shape: xShape }, ...params.map(p => ({ shape: p.shape, data: p.data }))];
  const r = await checkGrads((x, ...ps) => {
    const bind = new Map<nn.Parameter, Tensor>(params.map((p, i) => [p, ps[i]]));
    // Buffers are not checked: bind them to constants holding their values.
    for (const [, b] of m.namedBuffers()) bind.set(b, x.graph.constant(Float64Array.from(b.data), 'float64', b.shape));
    const ctx = new nn.BuildContext(m, { training: opts.training ?? true, dtype: 'float64', graph: x.graph, bind });
    return m.forward(x, ctx);
  }, inputs, opts.gc);
  assert.ok(r.checked > 0);
}

const close = (a: number[], e: number[], tol = 1e-5) =>
  a.forEach((v, i) => assert.ok(Math.abs(v - e[i]) <= tol * (1 + Math.abs(e[i])), `element ${i}: ${v} vs ${e[i]} (${a})`));

test('Linear computes x·Wᵀ + b', async () => {
  const l = new nn.Linear(2, 2);
  l.weight.data = Float32Array.from([1, 2, 3, 4]);
  l.bias!.data = Float32Array.from([0.5, -1]);
  close((await forward(l, [2], [1, 1, 2, 0])).out, [3.5, 6, 2.5, 5]);
});

test('BatchNorm2d normalises with batch statistics and updates running statistics in training, uses them in eval', async () => {
  const bn = new nn.BatchNorm2d(1, 1e-5, 0.1);
  const x = [1, 2, 3, 4, 5, 6, 7, 8];
  const { out, buffers } = await forward(bn, [1, 2, 2], x, true);
  const mean = 4.5, variance = 5.25;
  close(out, x.map(v => (v - mean) / Math.sqrt(variance + 1e-5)), 1e-4);
  close(buffers[0], [0.1 * mean]);
  close(buffers[1], [0.9 + 0.1 * variance * (8 / 7)]);
  bn.runningMean.data = Float32Array.of(2);
  bn.runningVar.data = Float32Array.of(4);
  close((await forward(bn, [1, 2, 2], x, false)).out, x.map(v => (v - 2) / Math.sqrt(4 + 1e-5)), 1e-4);
});

test('LayerNorm normalises each sample over its trailing dims', async () => {
  const ln = new nn.LayerNorm(4);
  const { out } = await forward(ln, [4], [1, 2, 3, 4, 2, 2, 2, 2]);
  const s = Math.sqrt(1.25 + 1e-5);
  close(out, [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s, 0, 0, 0, 0], 1e-4);
});

test('Embedding looks rows up by index', async () => {
  const e = new nn.Embedding(3, 2);
  e.weight.data = Float32Array.from([0, 1, 10, 11, 20, 21]);
  close((await forward(e, [2], [2, 0, 1, 1])).out, [20, 21, 0, 1, 10, 11, 10, 11]);
});

test('Dropout is the identity in eval mode and drops in training mode', async () => {
  const d = new nn.Dropout(0.5);
  const x = new Array(1000).fill(1);
  assert.deepEqual((await forward(d, [1000], x, false)).out, x);
  const t = (await forward(d, [1000], x, true)).out;
  assert.ok(t.every(v => v === 0 || v === 2));
  const zeros = t.filter(v => v === 0).length;
  assert.ok(zeros > 400 && zeros < 600, `${zeros} of 1000 dropped`);
  assert.deepEqual((await forward(d, [1000], x, true, 0)).out, t, 'the mask is a function of the counter');
  const other = (await forward(d, [1000], x, true, 1)).out;
  const same = other.filter((v, i) => v === t[i]).length;
  assert.ok(same > 400 && same < 600, `another step draws another mask (${same} of 1000 agree)`);
});

test('LSTM matches a step-by-step reference with PyTorch gate order', async () => {
  nn.manualSeed(3);
  const lstm = new nn.LSTM(2, 3);
  const T = 3, I = 2, H = 3;
  const x = [0.5, -1, 0.25, 0.75, -0.5, 0.1];
  const { out } = await forward(lstm, [T, I], x);
  const [wih, whh, bih, bhh] = lstm.parameters().map(p => p.data);
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  let h = [0, 0, 0], c = [0, 0, 0];
  const expected: number[] = [];
  for (let t = 0; t < T; t++) {
    const gates = Array.from({ length: 4 * H }, (_, r) => {
      let s = bih[r] + bhh[r];
      for (let i = 0; i < I; i++) s += wih[r * I + i] * x[t * I + i];
      for (let j = 0; j < H; j++) s += whh[r * H + j] * h[j];
      return s;
    });
    c = c.map((cv, j) => sig(gates[H + j]) * cv + sig(gates[j]) * Math.tanh(gates[2 * H + j]));
    h = c.map((cv, j) => sig(gates[3 * H + j]) * Math.tanh(cv));
    expected.push(...h);
  }
  close(out, expected, 1e-5);
  assert.deepEqual(lstm.namedParameters().map(([k]) => k), ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']);
});

test('nn.Graph runs a two-input model with slices of one x row per input', async () => {
  const a = nn.Input([2]);
  const b = nn.Input([1]);
  const la = new nn.Linear(2, 1);
  la.weight.data = Float32Array.from([1, 1]);
  la.bias!.data = Float32Array.of(0);
  const out = nn.node(new nn.JoinTable(1), nn.node(la, a), nn.node(new nn.Tanh(), b));
  const g = new nn.Graph([a, b], out);
  assert.deepEqual(g.inputShape, [3]);
  assert.deepEqual(g.namedParameters().map(([k]) => k), ['0.weight', '0.bias']);
  close((await forward(g, [3], [1, 2, 0, 3, 4, 1])).out, [3, 0, 7, Math.tanh(1)]);
  const bad = nn.node(new nn.CAddTable(), nn.node(new nn.Linear(2, 3), a), nn.node(new nn.Linear(2, 2), a));
  assert.throws(() => new nn.Graph([a, b], bad).outputShape(), /layer '2' \(CAddTable\) cannot merge layer '0' \(Linear\) \[N,3\], layer '1' \(Linear\) \[N,2\]/);
});

test('gradient check: Linear', async () => {
  await checkModule(new nn.Linear(3, 2), [2, 3]);
});
test('gradient check: Conv2d with stride, padding and groups', async () => {
  await checkModule(new nn.Conv2d(2, 4, 3, { stride: 2, padding: 1, groups: 2 }), [2, 2, 5, 5]);
});
test('a subclass of BatchNorm2d names its parent\'s input layout in shape errors', () => {
  class MyNorm extends nn.BatchNorm2d {}
  assert.throws(() => new nn.Sequential(new MyNorm(3)).outputShape([3, 5]), { code: 'NN_SHAPE_MISMATCH', message: /MyNorm expects \[N, C, H, W\] with C = 3/ });
  assert.throws(() => new nn.Sequential(new nn.BatchNorm1d(3)).outputShape([2, 5]), { code: 'NN_SHAPE_MISMATCH', message: /BatchNorm1d expects \[N, C\] or \[N, C, L\] with C = 3/ });
});
test('gradient check: BatchNorm2d in training mode', async () => {
  await checkModule(new nn.BatchNorm2d(2), [3, 2, 2, 2]);
});
test('gradient check: BatchNorm1d in eval mode', async () => {
  const bn = new nn.BatchNorm1d(3);
  bn.runningMean.data = Float32Array.from([0.1, -0.2, 0.3]);
  bn.runningVar.data = Float32Array.from([0.5, 1.5, 2]);
  await checkModule(bn, [4, 3], { training: false });
});
test('gradient check: LayerNorm', async () => {
  await checkModule(new nn.LayerNorm([2, 3]), [2, 2, 3]);
});
test('gradient check: Embedding (scatter-add into the table)', async () => {
  await checkModule(new nn.Embedding(4, 3), [2, 3], { x: { shape: [2, 3], data: [0, 3, 3, 1, 0, 0], constant: true } });
});
test('gradient check: LSTM over three steps, two layers', async () => {
  await checkModule(new nn.LSTM(2, 3, { numLayers: 2 }), [2, 3, 2]);
});
test('gradient check: activations, pooling and shape layers in a Sequential', async () => {
  await checkModule(
    new nn.Sequential(new nn.MaxPool2d(2), new nn.LeakyReLU(0.1), new nn.AvgPool2d(2, 1), new nn.Flatten(), new nn.Sigmoid(), new nn.Reshape([2, 2]), new nn.Softmax(-1), new nn.LogSoftmax(1), new nn.Tanh(), new nn.ReLU()),
    [2, 1, 6, 6],
  );
});
test('GELU with the tanh approximation is within 1e-3 of the exact form', async () => {
  const x = [-3, -1, -0.2, 0, 0.5, 2];
  const exact = (await forward(new nn.GELU(), [6], x)).out;
  const approx = (await forward(new nn.GELU('tanh'), [6], x)).out;
  approx.forEach((v, i) => assert.ok(Math.abs(v - exact[i]) < 1e-3));
  await checkModule(new nn.GELU('tanh'), [2, 3]);
});

test('gradient check: GELU', async () => {
  await checkModule(new nn.GELU(), [2, 3]);
});

test('the compile path pools before a monotonic activation in every model, whatever builds the graph', async () => {
  const { planPredictor, planTrainStep, compilePredictor, exportOnnx, optim } = await import('../../../dl/index.ts');
  const { decodeModel } = await import('../../../ops/onnx/decode.ts');
  const F = await import('../../../ops/api.ts');
  class ByHand extends nn.Module {
    conv = new nn.Conv2d(1, 2, 3);
    head = new nn.Linear(8, 2);
    forward(x: Tensor, ctx: nn.BuildContext): Tensor {
      const a = F.tanh(ctx.call(this.conv, x));
      return ctx.call(this.head, F.flatten(F.maxPool2d(a, { kernel: [2, 2] })));
    }
  }
  const models: [string, () => nn.Module][] = [
    ['a Sequential', () => new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.Tanh(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(8, 2))],
    ['nested Sequentials', () => new nn.Sequential(new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.Tanh()), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(8, 2))],
    ['a hand-written forward', () => new ByHand()],
    ['an nn.Graph', () => {
      const i = nn.Input([1, 6, 6]);
      return new nn.Graph(i, nn.node(new nn.Linear(8, 2), nn.node(new nn.Flatten(), nn.node(new nn.MaxPool2d(2), nn.node(new nn.ReLU(), nn.node(new nn.Conv2d(1, 2, 3), i))))));
    }],
  ];
  const opsOf = (bytes: Uint8Array) => decodeModel(bytes).nodes.map(n => n.opType);
  const x = Array.from({ length: 2 * 36 }, (_, i) => Math.sin(i));
  for (const [what, make] of models) {
    nn.manualSeed(4);
    const m = make();
    m.inputShape = [1, 6, 6];
    for (const bytes of [planPredictor(m).onnx, planTrainStep(m, new nn.CrossEntropyLoss(), new optim.SGD({ lr: 0.1 })).onnx, exportOnnx(m)]) {
      const ops = opsOf(bytes);
      const act = ops.findIndex(o => o === 'Tanh' || o === 'Relu');
      assert.ok(act > ops.indexOf('MaxPool'), `${what}: MaxPool runs before the activation (${ops.join(' ')})`);
    }
    // the built graph without passes is the reference
    const p = await compilePredictor(m);
    close(Array.from(await p.run(Float32Array.from(x), 2)), (await forward(m, [1, 6, 6], x)).out, 1e-6);
    await p.dispose();
  }
});

test('ConvTranspose2d produces PyTorch output sizes and inverts a strided Conv2d shape', async () => {
  const up = new nn.ConvTranspose2d(2, 3, 3, { stride: 2, padding: 1, outputPadding: 1 });
  assert.deepEqual(up.weight.shape, [2, 3, 3, 3]);
  assert.deepEqual(up.outputShape([2, 4, 5]), [3, 8, 10]);
  const one = new nn.ConvTranspose2d(1, 1, 2, { bias: false });
  one.weight.data = Float32Array.from([1, 1, 1, 1]);
  close((await forward(one, [1, 2, 2], [1, 2, 3, 4])).out, [1, 3, 2, 4, 10, 6, 3, 7, 4]);
  assert.throws(() => new nn.ConvTranspose2d(2, 2, 3, { stride: 2, outputPadding: 2 }), /outputPadding/);
});
test('gradient check: ConvTranspose2d with stride, padding, output padding and groups', async () => {
  await checkModule(new nn.ConvTranspose2d(2, 4, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2 }), [1, 2, 3, 3]);
});
