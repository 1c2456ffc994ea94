/** Optimizers compiled to graphs follow PyTorch's update rules step by step (checked against plain-JS references). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { optim, compileSliceUpdate } from '../../../dl/index.ts';

type Ref = (w: number[], g: number[], lr: number, t: number) => number[];

/** A JS reference of each optimizer in PyTorch's formulation, keeping its own state. */
function reference(name: string): Ref {
  const s: Record<string, number[]> = {};
  const z = (k: string, n: number) => (s[k] ??= new Array(n).fill(0));
  switch (name) {
    case 'sgd':
      return (w, g, lr) => w.map((v, i) => v - lr * g[i]);
    case 'sgd-momentum-wd':
      return (w, g, lr, t) => {
        const b = z('b', w.length);
        return w.map((v, i) => {
          const d = g[i] + 0.01 * v;
          b[i] = t === 1 ? d : 0.9 * b[i] + 0.75 * d;
          return v - lr * b[i];
        });
      };
    case 'sgd-nesterov':
      return (w, g, lr) => {
        const b = z('b', w.length);
        return w.map((v, i) => {
          b[i] = 0.9 * b[i] + g[i];
          return v - lr * (g[i] + 0.9 * b[i]);
        });
      };
    case 'adam':
    case 'adamw':
      return (w, g, lr, t) => {
        const m = z('m', w.length), v2 = z('v', w.length);
        return w.map((v, i) => {
          let gi = g[i];
          if (name === 'adam') gi += 0.1 * v;
          else v *= 1 - lr * 0.1;
          m[i] = 0.9 * m[i] + 0.1 * gi;
          v2[i] = 0.999 * v2[i] + 0.001 * gi * gi;
          const denom = Math.sqrt(v2[i]) / Math.sqrt(1 - 0.999 ** t) + 1e-8;
          return v - (lr / (1 - 0.9 ** t)) * (m[i] / denom);
        });
      };
    case 'adagrad':
      return (w, g, lr, t) => {
        const sum = z('s', w.length);
        const clr = lr / (1 + (t - 1) * 0.1);
        return w.map((v, i) => {
          sum[i] += g[i] * g[i];
          return v - clr * g[i] / (Math.sqrt(sum[i] + 0.5) + 1e-10);
        });
      };
    case 'rmsprop':
      return (w, g, lr) => {
        const sq = z('sq', w.length), b = z('b', w.length), ga = z('ga', w.length);
        return w.map((v, i) => {
          sq[i] = 0.9 * sq[i] + 0.1 * g[i] * g[i];
          ga[i] = 0.9 * ga[i] + 0.1 * g[i];
          const avg = Math.sqrt(sq[i] - ga[i] * ga[i]) + 1e-8;
          b[i] = 0.5 * b[i] + g[i] / avg;
          return v - lr * b[i];
        });
      };
  }
  throw new Error(name);
}

const configs: [string, () => optim.OptimMethod][] = [
  ['sgd', () => new optim.SGD({ lr: 0.1 })],
  ['sgd-momentum-wd', () => new optim.SGD({ lr: 0.1, momentum: 0.9, dampening: 0.25, weightDecay: 0.01 })],
  ['sgd-nesterov', () => new optim.SGD({ lr: 0.1, momentum: 0.9, nesterov: true })],
  ['adam', () => new optim.Adam({ lr: 0.01, weightDecay: 0.1 })],
  ['adamw', () => new optim.AdamW({ lr: 0.01, weightDecay: 0.1 })],
  ['adagrad', () => new optim.Adagrad({ lr: 0.1, lrDecay: 0.1, initialAccumulatorValue: 0.5 })],
  ['rmsprop', () => new optim.RMSprop({ lr: 0.01, alpha: 0.9, momentum: 0.5, centered: true })],
];

for (const [name, make] of configs) {
  test(`${name} matches PyTorch's update over four steps with a changing learning rate`, async () => {
    const n = 5;
    const up = await compileSliceUpdate(make(), n);
    const ref = reference(name);
    let w: Float32Array = Float32Array.from({ length: n }, (_, i) => Math.sin(i + 1));
    let wr = Array.from(w);
    for (let t = 1; t <= 4; t++) {
      const g = Float32Array.from({ length: n }, (_, i) => Math.cos(i * 2.1 + t));
      const lr = [0.1, 0.05, 0.05, 0.2][t - 1] * (name.startsWith('adam') || name === 'rmsprop' ? 0.1 : 1);
      w = await up.run(w, g, lr);
      wr = ref(wr, Array.from(g), lr, t);
      Array.from(w).forEach((v, i) => assert.ok(Math.abs(v - wr[i]) < 1e-5, `step ${t} element ${i}: ${v} vs ${wr[i]}`));
    }
    const state = up.getOptimState();
    assert.equal(state[state.length - 1][0], 4, 'the step counter is the last state array');
    await up.dispose();
  });
}

test('optimizer state round-trips: a restored slice update continues identically', async () => {
  const a = await compileSliceUpdate(new optim.Adam({ lr: 0.01 }), 3);
  const g = Float32Array.from([0.1, -0.2, 0.3]);
  let w: Float32Array = Float32Array.from([1, 2, 3]);
  w = await a.run(w, g, 0.01);
  const saved = a.getOptimState();
  const next = await a.run(w, g, 0.01);
  const b = await compileSliceUpdate(new optim.Adam({ lr: 0.01 }), 3);
  b.setOptimState(saved);
  assert.deepEqual(await b.run(w, g, 0.01), next);
  assert.throws(() => b.setOptimState([new Float32Array(3)]), { code: 'NN_STATE_MISMATCH' });
  await a.dispose();
  await b.dispose();
});

test('optimizer arguments are validated', () => {
  assert.throws(() => new optim.SGD({ lr: -1 }), /lr must be a non-negative number/);
  assert.throws(() => new optim.SGD({ lr: 0.1, nesterov: true }), /Nesterov momentum needs momentum > 0/);
  assert.throws(() => new optim.Adam({ betas: [1.5, 0.9] }), /beta1 must be in \[0, 1\]/);
  assert.deepEqual(new optim.RMSprop({ momentum: 0.9 }).slotNames, ['square_avg', 'momentum_buffer']);
  assert.equal(new optim.AdamW().weightDecay, 0.01);
});
