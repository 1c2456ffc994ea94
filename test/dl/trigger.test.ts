/** Triggers fire on the training states BigDL's triggers fire on. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Trigger, type TrainingState } from '../../dl/trigger.ts';

const st = (o: Partial<TrainingState>): TrainingState => ({ iteration: 0, epoch: 0, epochEnded: false, loss: NaN, score: undefined, ...o });

test('everyEpoch fires only when an epoch just ended', () => {
  const t = Trigger.everyEpoch();
  assert.equal(t.fires(st({ iteration: 5, epoch: 1, epochEnded: true })), true);
  assert.equal(t.fires(st({ iteration: 6, epoch: 1 })), false);
});

test('severalIteration fires on multiples of n and not before the first iteration', () => {
  const t = Trigger.severalIteration(3);
  assert.deepEqual([0, 1, 2, 3, 4, 6].map((i) => t.fires(st({ iteration: i }))), [false, false, false, true, false, true]);
});

test('maxEpoch and maxIteration fire once the count is reached', () => {
  assert.equal(Trigger.maxEpoch(2).fires(st({ epoch: 1 })), false);
  assert.equal(Trigger.maxEpoch(2).fires(st({ epoch: 2 })), true);
  assert.equal(Trigger.maxEpoch(0).fires(st({})), true);
  assert.equal(Trigger.maxIteration(10).fires(st({ iteration: 9 })), false);
  assert.equal(Trigger.maxIteration(10).fires(st({ iteration: 10 })), true);
});

test('minLoss and maxScore compare with the last loss and validation score', () => {
  assert.equal(Trigger.minLoss(0.1).fires(st({ iteration: 1, loss: 0.05 })), true);
  assert.equal(Trigger.minLoss(0.1).fires(st({ iteration: 1, loss: 0.2 })), false);
  assert.equal(Trigger.minLoss(0.1).fires(st({})), false);
  assert.equal(Trigger.maxScore(0.9).fires(st({ score: 0.95 })), true);
  assert.equal(Trigger.maxScore(0.9).fires(st({ score: 0.85 })), false);
  assert.equal(Trigger.maxScore(0.9).fires(st({})), false);
});

test('and/or combine triggers', () => {
  const both = Trigger.and(Trigger.maxEpoch(1), Trigger.minLoss(1));
  assert.equal(both.fires(st({ iteration: 1, epoch: 1, loss: 0.5 })), true);
  assert.equal(both.fires(st({ iteration: 1, epoch: 1, loss: 2 })), false);
  const either = Trigger.or(Trigger.maxIteration(100), Trigger.maxScore(0.5));
  assert.equal(either.fires(st({ iteration: 3, score: 0.6 })), true);
  assert.equal(either.fires(st({ iteration: 3, score: 0.4 })), false);
  assert.equal(String(either), 'or(maxIteration(100), maxScore(0.5))');
});

test('bad trigger arguments fail naming the factory', () => {
  assert.throws(() => Trigger.severalIteration(0), /severalIteration\(n\): n must be a positive integer/);
  assert.throws(() => Trigger.maxEpoch(1.5), /maxEpoch/);
  assert.throws(() => Trigger.and(Trigger.everyEpoch(), {} as Trigger), /argument 1 is not a Trigger/);
});
