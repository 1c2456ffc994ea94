/** Learning-rate schedules follow PyTorch's formulas and resume from their state. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ExponentialLR, LinearLR, MultiStepLR, PolynomialLR, ReduceLROnPlateau, SequentialLR, StepLR,
  type LearningRateSchedule,
} from '../../../dl/optim/schedules.ts';

function rates(s: LearningRateSchedule, base: number, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    out.push(Number(s.getLr(base).toPrecision(10)));
    s.step();
  }
  return out;
}

test('StepLR multiplies by gamma every stepSize steps', () => {
  assert.deepEqual(rates(new StepLR({ stepSize: 2, gamma: 0.5 }), 1, 6), [1, 1, 0.5, 0.5, 0.25, 0.25]);
});

test('MultiStepLR decays at each milestone', () => {
  assert.deepEqual(rates(new MultiStepLR({ milestones: [3, 1], gamma: 0.1 }), 1, 5), [1, 0.1, 0.1, 0.01, 0.01]);
});

test('ExponentialLR decays every step', () => {
  assert.deepEqual(rates(new ExponentialLR({ gamma: 0.5 }), 2, 4), [2, 1, 0.5, 0.25]);
});

test('PolynomialLR reaches zero at totalIters and stays there', () => {
  assert.deepEqual(rates(new PolynomialLR({ totalIters: 4, power: 2 }), 1, 6), [1, 0.5625, 0.25, 0.0625, 0, 0]);
});

test('LinearLR warms up from startFactor to endFactor', () => {
  assert.deepEqual(rates(new LinearLR({ startFactor: 0.25, totalIters: 3 }), 0.4, 5), [0.1, 0.2, 0.3, 0.4, 0.4]);
});

test('SequentialLR switches at the milestone and restarts the next schedule', () => {
  const s = new SequentialLR([new LinearLR({ startFactor: 0.5, totalIters: 2 }), new StepLR({ stepSize: 1, gamma: 0.5 })], [2]);
  assert.deepEqual(rates(s, 1, 5), [0.5, 0.75, 1, 0.5, 0.25]);
});

test('ReduceLROnPlateau cuts the rate after patience bad validations, honouring cooldown and minLr', () => {
  const s = new ReduceLROnPlateau({ mode: 'min', factor: 0.5, patience: 1, cooldown: 1, minLr: 0.2 });
  const seen: number[] = [];
  for (const v of [1, 0.9, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95]) {
    seen.push(s.getLr(1));
    s.step(v);
  }
  seen.push(s.getLr(1));
  // bad at steps 3,4 -> cut to 0.5 after step 4; cooldown swallows step 5; bad 6,7 -> 0.25; cooldown 8; bad 9,10 -> 0.2 (minLr)
  assert.deepEqual(seen, [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.2]);
});

test('ReduceLROnPlateau in max mode treats higher values as better', () => {
  const s = new ReduceLROnPlateau({ mode: 'max', factor: 0.1, patience: 0 });
  s.getLr(1);
  s.step(0.5);
  s.step(0.6);
  assert.equal(s.getLr(1), 1);
  s.step(0.55);
  assert.ok(Math.abs(s.getLr(1) - 0.1) < 1e-12);
});

test('a schedule restored from its state continues identically', () => {
  const a = new SequentialLR([new LinearLR({ totalIters: 3 }), new ExponentialLR({ gamma: 0.9 })], [3]);
  rates(a, 1, 4);
  const b = new SequentialLR([new LinearLR({ totalIters: 3 }), new ExponentialLR({ gamma: 0.9 })], [3]);
  b.setState(JSON.parse(JSON.stringify(a.getState())));
  assert.deepEqual(rates(b, 1, 4), rates(a, 1, 4));
  const p = new ReduceLROnPlateau();
  p.step(1);
  const q = new ReduceLROnPlateau();
  q.setState(JSON.parse(JSON.stringify(p.getState())));
  assert.deepEqual(q.getState(), p.getState());
});

test('bad schedule options fail naming the option', () => {
  assert.throws(() => new StepLR({ stepSize: 0 }), /StepLR: stepSize must be a positive integer/);
  assert.throws(() => new MultiStepLR({ milestones: [-1] }), /MultiStepLR: milestones/);
  assert.throws(() => new ReduceLROnPlateau({ factor: 2 }), /factor must be in \(0, 1\)/);
  assert.throws(() => new ReduceLROnPlateau().step(undefined), /needs a finite validation value/);
});
