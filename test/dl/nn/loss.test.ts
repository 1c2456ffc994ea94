/** Losses: hand-computed values and float64 gradient checks against finite differences. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nn } from '../../../dl/index.ts';
import { Graph } from '../../../ops/index.ts';
import { evalGraph } from '../../../ops/eval.ts';
import { checkGrads, type GradCheckInput } from '../../../ops/check-grads.ts';
import { lossFromSpec, lossSpec } from '../../../dl/nn/loss.ts';

async function lossValue(loss: nn.Loss, input: number[], shape: number[], target: number[]): Promise<number> {
  const g = new Graph();
  const x = g.input('x', 'float32', shape);
  const y = g.input('y', 'float32', loss.targetShape(shape) as number[]);
  const [v] = await evalGraph(g, [loss.forward(x, y)], { x: input, y: target });
  return (v as Float32Array)[0];
}
const near = (a: number, b: number, tol = 1e-5) => assert.ok(Math.abs(a - b) <= tol * (1 + Math.abs(b)), `${a} vs ${b}`);

test('CrossEntropyLoss is the mean negative log-softmax at the labels', async () => {
  const lse = (r: number[]) => Math.log(r.reduce((a, v) => a + Math.exp(v), 0));
  const rows = [[1, 2, 3], [0, 0, 5]];
  const expected = ((lse(rows[0]) - 3) + (lse(rows[1]) - 0)) / 2;
  near(await lossValue(new nn.CrossEntropyLoss(), rows.flat(), [2, 3], [2, 0]), expected);
  near(await lossValue(new nn.CrossEntropyLoss('sum'), rows.flat(), [2, 3], [2, 0]), expected * 2);
});

test('NLLLoss and ClassNLLCriterion pick the negated log-probability', async () => {
  near(await lossValue(new nn.NLLLoss(), [-1, -2, -3, -4], [2, 2], [1, 0]), (2 + 3) / 2);
  near(await lossValue(new nn.ClassNLLCriterion(), [-1, -2, -3, -4], [2, 2], [0, 1]), (1 + 4) / 2);
});

test('MSELoss, BCELoss, BCEWithLogitsLoss and SmoothL1Loss match their formulas', async () => {
  near(await lossValue(new nn.MSELoss(), [1, 2, 3, 4], [2, 2], [1, 0, 3, 2]), (0 + 4 + 0 + 4) / 4);
  const p = [0.9, 0.2], t = [1, 0];
  near(await lossValue(new nn.BCELoss(), p, [2, 1], t), -(Math.log(0.9) + Math.log(0.8)) / 2);
  near(await lossValue(new nn.BCELoss(), [0, 1], [2, 1], [1, 0]), 100, 1e-4);
  const z = [2, -1, 30], zt = [1, 0, 0];
  const bce = z.map((v, i) => -(zt[i] * Math.log(1 / (1 + Math.exp(-v))) + (1 - zt[i]) * Math.log(1 - 1 / (1 + Math.exp(-v)))));
  bce[2] = 30;
  near(await lossValue(new nn.BCEWithLogitsLoss(), z, [3, 1], zt), bce.reduce((a, b) => a + b) / 3, 1e-4);
  near(await lossValue(new nn.SmoothL1Loss(), [0, 0, 0], [3, 1], [0.5, 2, -3]), (0.125 + 1.5 + 2.5) / 3);
  near(await lossValue(new nn.SmoothL1Loss('mean', 2), [0], [1, 1], [1]), 0.25);
});

test('dense losses reject a target of another shape', () => {
  const g = new Graph();
  const x = g.input('x', 'float32', ['N', 3]);
  const y = g.input('y', 'float32', ['N', 2]);
  assert.throws(() => new nn.MSELoss().forward(x, y), { code: 'NN_SHAPE_MISMATCH', message: /target float32\[N,2\] does not match the model output float32\[N,3\]/ });
});

const labels: GradCheckInput = { shape: [3], data: [2, 0, 1], constant: true };
const cases: [string, nn.Loss, GradCheckInput, GradCheckInput][] = [
  ['CrossEntropyLoss', new nn.CrossEntropyLoss(), { shape: [3, 4] }, labels],
  ['NLLLoss', new nn.NLLLoss('sum'), { shape: [3, 4] }, labels],
  ['MSELoss', new nn.MSELoss(), { shape: [3, 2] }, { shape: [3, 2], constant: true }],
  ['BCELoss', new nn.BCELoss(), { shape: [4], data: [0.2, 0.5, 0.7, 0.9] }, { shape: [4], data: [0, 1, 1, 0], constant: true }],
  ['BCEWithLogitsLoss', new nn.BCEWithLogitsLoss(), { shape: [2, 3] }, { shape: [2, 3], data: [0, 1, 1, 0, 0.3, 1], constant: true }],
  ['SmoothL1Loss', new nn.SmoothL1Loss('mean', 0.5), { shape: [6], data: [-2, -0.3, -0.1, 0.2, 0.4, 3] }, { shape: [6], data: new Array(6).fill(0), constant: true }],
];
for (const [name, loss, input, target] of cases) {
  test(`gradient check: ${name}`, async () => {
    const r = await checkGrads((x, y) => loss.forward(x, y), [input, target]);
    assert.ok(r.checked > 0);
  });
}

// One definition per loss: the JS evaluation (batchLoss, used by the Loss metric) equals the graph's 'mean' value.
const jsCases: [nn.Loss, number[], number[], number[]][] = [
  [new nn.CrossEntropyLoss(), [1, 2, 3, 0, 0, 5, -1, 0.5, 2], [3, 3], [2, 0, 1]],
  [new nn.NLLLoss(), [-1, -2, -3, -4], [2, 2], [1, 0]],
  [new nn.ClassNLLCriterion(), [-1, -2, -3, -4], [2, 2], [0, 1]],
  [new nn.MSELoss(), [1, 2, 3, 4, -1, 0.5], [3, 2], [1, 0, 3, 2, 0, 0]],
  [new nn.BCELoss(), [0.9, 0.2, 0, 1], [4, 1], [1, 0, 1, 0]],
  [new nn.BCEWithLogitsLoss(), [2, -1, 30, 0.1, -4, 0], [3, 2], [1, 0, 0, 1, 0.3, 1]],
  [new nn.SmoothL1Loss('mean', 0.5), [-2, -0.3, -0.1, 0.2, 0.4, 3], [6, 1], [0, 0, 0, 0, 0.5, 1]],
];
for (const [loss, input, shape, target] of jsCases) {
  test(`${loss.constructor.name}'s JS batchLoss equals its graph's mean loss`, async () => {
    const [batch, outDim] = shape;
    const { sum, count } = loss.batchLoss({
      output: Float32Array.from(input), outDim, targets: Float32Array.from(target), targetDim: loss.targetKind === 'class' ? 1 : outDim, batch,
    });
    near(sum / count, await lossValue(loss, input, shape, target), 1e-5);
  });
}

test('losses ship by kind: a spec survives structured cloning and rebuilds the same loss', () => {
  for (const loss of [new nn.CrossEntropyLoss('sum'), new nn.ClassNLLCriterion(), new nn.SmoothL1Loss('mean', 0.25), new nn.BCELoss()]) {
    const back = lossFromSpec(structuredClone(lossSpec(loss)));
    assert.equal(back.kind, loss.kind);
    assert.equal(back.reduction, loss.reduction);
    assert.ok(back instanceof nn.Loss);
  }
  assert.equal((lossFromSpec(lossSpec(new nn.SmoothL1Loss('mean', 0.25))) as nn.SmoothL1Loss).beta, 0.25);
  assert.equal(new nn.ClassNLLCriterion().kind, 'NLLLoss');
});

test('a subclass ships as its parent kind unless it overrides the JS evaluation', () => {
  class MyCrossEntropy extends nn.CrossEntropyLoss {}
  assert.deepEqual(lossSpec(new MyCrossEntropy()), { kind: 'CrossEntropyLoss', args: ['mean'] });
  assert.ok(lossFromSpec(lossSpec(new MyCrossEntropy())) instanceof nn.CrossEntropyLoss);
  class Doubled extends nn.MSELoss {
    batchLoss(b: Parameters<nn.MSELoss['batchLoss']>[0]) {
      const r = super.batchLoss(b);
      return { sum: 2 * r.sum, count: r.count };
    }
  }
  assert.throws(() => lossSpec(new Doubled()), { code: 'NN_NOT_IMPLEMENTED', message: /Doubled overrides batchLoss, so executors cannot evaluate it as its kind 'MSELoss'/ });
  class Custom extends nn.MSELoss {
    readonly kind = 'Custom';
  }
  assert.throws(() => lossSpec(new Custom()), { code: 'NN_NOT_IMPLEMENTED', message: /kind 'Custom', which executors cannot rebuild/ });
  assert.throws(() => lossFromSpec({ kind: 'Nope', args: [] }), { code: 'NN_BAD_ARGUMENT', message: /unknown loss kind 'Nope'/ });
});
