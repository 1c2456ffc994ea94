/** The seeded generator is deterministic, restorable from its state, and shuffles into permutations. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../dl/rng.ts';

test('the same seed gives the same sequence and different seeds differ', () => {
  const a = new Rng(42), b = new Rng(42), c = new Rng(43);
  const sa = Array.from({ length: 5 }, () => a.nextUint32());
  assert.deepEqual(sa, Array.from({ length: 5 }, () => b.nextUint32()));
  assert.notDeepEqual(sa, Array.from({ length: 5 }, () => c.nextUint32()));
});

test('restoring the state continues the sequence', () => {
  const a = new Rng(7);
  a.next();
  const b = new Rng(0);
  b.state = a.state;
  assert.deepEqual([a.next(), a.next()], [b.next(), b.next()]);
});

test('shuffle yields a permutation and floats stay in [0, 1)', () => {
  const r = new Rng(1);
  const p = Int32Array.from({ length: 100 }, (_, i) => i);
  r.shuffle(p);
  assert.deepEqual([...p].sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i));
  assert.notDeepEqual([...p], Array.from({ length: 100 }, (_, i) => i));
  for (let i = 0; i < 1000; i++) {
    const x = r.next();
    assert.ok(x >= 0 && x < 1);
  }
});
