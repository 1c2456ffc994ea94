/** Tests of key value semantics: hashing, equality, ordering, KeyMap/KeySet and size estimates. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { hashKey, keyEquals, compareKeys, KeyMap, KeySet, estimateSize } from '../../../engine/serde/keys.ts';
import { FlintUserError } from '../../../engine/errors.ts';

const samples: unknown[] = [
  undefined, null, false, true, -Infinity, -1.5, -1, 0, 1, 2.5, 2 ** 40, Infinity, NaN, 1n, 2n,
  '', 'a', 'ab', 'b', 'é', '日本', new Date(0), new Date(1000), [], [1], [1, 'a'], [1, 'b'], [2],
  [[1, 2], { x: 1 }], new Uint8Array([1, 2]), new Uint8Array([1, 3]), {}, { a: 1 }, { a: 1, b: 2 }, { b: 1 },
];

test('equal tuple keys hash alike and compare equal, whatever their identity', () => {
  const a = [1, 'a'], b = [1, 'a'];
  assert.notEqual(a, b);
  assert.equal(hashKey(a), hashKey(b));
  assert.ok(keyEquals(a, b));
  assert.equal(compareKeys(a, b), 0);
  assert.ok(!keyEquals([1, 'a'], [1, 'b']));
  assert.ok(!keyEquals([1, 'a'], ['1', 'a']));
  assert.ok(!keyEquals([1], [1, undefined]));
});

test('plain objects compare by sorted own keys and values', () => {
  const a = { x: 1, y: [2, 'z'] }, b = { y: [2, 'z'], x: 1 };
  assert.equal(hashKey(a), hashKey(b));
  assert.ok(keyEquals(a, b));
  assert.equal(compareKeys(a, b), 0);
  assert.ok(!keyEquals({ x: 1 }, { x: 1, y: undefined }));
  assert.ok(!keyEquals({ x: 1 }, { y: 1 }));
  assert.ok(!keyEquals({ 0: 'a' }, ['a']));
});

test('-0 equals 0 and NaN equals NaN in hashing, equality, ordering and KeyMap', () => {
  assert.equal(hashKey(-0), hashKey(0));
  assert.equal(hashKey(NaN), hashKey(0 / 0));
  assert.ok(keyEquals(-0, 0));
  assert.ok(keyEquals(NaN, NaN));
  assert.ok(keyEquals([NaN, -0], [NaN, 0]));
  assert.equal(hashKey([NaN, -0]), hashKey([NaN, 0]));
  assert.equal(compareKeys(-0, 0), 0);
  assert.equal(compareKeys(NaN, NaN), 0);
  assert.equal(compareKeys(NaN, Infinity), 1);
  const m = new KeyMap<unknown, number>();
  m.set(-0, 1).set(0, 2).set(NaN, 3).set([NaN], 4).set([NaN], 5);
  assert.equal(m.size, 3);
  assert.equal(m.get(0), 2);
  assert.equal(m.get(NaN), 3);
  assert.equal(m.get([NaN]), 5);
});

test('keys of different kinds never collide as equal', () => {
  for (let i = 0; i < samples.length; i++) {
    for (let j = 0; j < samples.length; j++) {
      const eq = keyEquals(samples[i], samples[j]);
      assert.equal(eq, i === j, `keyEquals(${String(samples[i])}, ${String(samples[j])})`);
      assert.equal(compareKeys(samples[i], samples[j]) === 0, i === j);
    }
  }
  assert.ok(!keyEquals(1, '1'));
  assert.ok(!keyEquals(1, 1n));
  assert.ok(!keyEquals(null, undefined));
});

test('compareKeys is a total order: antisymmetric and transitive over mixed kinds', () => {
  // Array.prototype.sort moves undefined to the end without asking the comparator, so sort positions.
  const sorted = samples.map((_, i) => i).sort((i, j) => compareKeys(samples[i], samples[j])).map(i => samples[i]);
  for (let i = 0; i < sorted.length; i++) {
    for (let j = 0; j < sorted.length; j++) {
      const c = compareKeys(sorted[i], sorted[j]);
      assert.equal(Math.sign(c), Math.sign(i - j), `order of ${i} and ${j}`);
      assert.equal(Math.sign(compareKeys(sorted[j], sorted[i])) + Math.sign(c), 0);
    }
  }
  assert.deepEqual([3, 1, 10, 2].sort(compareKeys), [1, 2, 3, 10]);
  assert.deepEqual(['b', 'a', 'ab'].sort(compareKeys), ['a', 'ab', 'b']);
  assert.deepEqual([[2, 'a'], [1, 'b'], [1, 'a']].sort(compareKeys), [[1, 'a'], [1, 'b'], [2, 'a']]);
  assert.deepEqual(['x', 2, null, [0], true].sort(compareKeys), [null, true, 2, 'x', [0]]);
});

test('hashKey is a stable 32-bit value, the same in another thread', async () => {
  const keys = ['word', 42, 3.25, -0, NaN, [1, 'a'], { b: 2, a: [true, null] }, 12345678901n, new Date(5)];
  const here = keys.map(hashKey);
  for (const h of here) assert.ok(Number.isInteger(h) && h >= -(2 ** 31) && h < 2 ** 31);
  const url = new URL('../../fixtures/serde/hash-keys-worker.ts', import.meta.url).href;
  const worker = new Worker(
    `import('tsx/esm/api').then(tsx => { tsx.register(); return import(require('node:worker_threads').workerData.url); })`,
    { eval: true, workerData: { url, keys } });
  const there = await new Promise((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); });
  await worker.terminate();
  assert.deepEqual(there, here);
});

test('hashKey spreads similar keys over partitions', () => {
  const counts = new Array(16).fill(0);
  for (let i = 0; i < 16000; i++) counts[((hashKey(`w${i}`) % 16) + 16) % 16]++;
  for (const c of counts) assert.ok(c > 800 && c < 1200, `bucket count ${c}`);
  const ints = new Array(16).fill(0);
  for (let i = 0; i < 16000; i++) ints[((hashKey(i * 16) % 16) + 16) % 16]++;
  for (const c of ints) assert.ok(c > 800 && c < 1200, `int bucket count ${c}`);
});

test('unsupported keys fail with a clear error', () => {
  assert.throws(() => hashKey(() => 1), (e: unknown) => e instanceof FlintUserError && e.code === 'UNSUPPORTED_KEY' && /function/.test(e.message));
  assert.throws(() => hashKey(new Map()), /Map/);
  const cyclic: unknown[] = [];
  cyclic.push(cyclic);
  assert.throws(() => hashKey(cyclic), (e: unknown) => e instanceof FlintUserError && e.code === 'KEY_TOO_DEEP');
});

test('KeyMap stores, replaces, deletes and iterates keys by value', () => {
  const m = new KeyMap<unknown, number>();
  m.set('a', 1).set(1, 2).set([1, 'a'], 3).set({ x: 1 }, 4).set(null, 5).set(undefined, 6);
  m.set([1, 'a'], 30).set({ x: 1 }, 40);
  assert.equal(m.size, 6);
  assert.equal(m.get([1, 'a']), 30);
  assert.equal(m.get({ x: 1 }), 40);
  assert.ok(m.has(undefined));
  assert.ok(!m.has([1, 'b']));
  assert.equal(m.get('1'), undefined);
  assert.ok(m.delete([1, 'a']));
  assert.ok(!m.delete([1, 'a']));
  assert.equal(m.size, 5);
  const seen = new Map<string, number>();
  for (const [k, v] of m) seen.set(JSON.stringify(k) ?? 'undefined', v);
  assert.deepEqual([...seen.entries()].sort(), [['"a"', 1], ['1', 2], ['null', 5], ['undefined', 6], ['{"x":1}', 40]]);
  m.clear();
  assert.equal(m.size, 0);
  assert.deepEqual([...m], []);
});

test('KeyMap handles hash collisions among many composite keys', () => {
  const m = new KeyMap<[number, string], number>();
  for (let i = 0; i < 20000; i++) m.set([i % 100, `k${i}`], i);
  for (let i = 0; i < 20000; i++) m.set([i % 100, `k${i}`], m.get([i % 100, `k${i}`])! + 1);
  assert.equal(m.size, 20000);
  for (let i = 0; i < 20000; i += 997) assert.equal(m.get([i % 100, `k${i}`]), i + 1);
  for (let i = 0; i < 20000; i += 2) assert.ok(m.delete([i % 100, `k${i}`]));
  assert.equal(m.size, 10000);
  assert.equal([...m.keys()].length, 10000);
  assert.equal(m.get([0, 'k0']), undefined);
  assert.equal(m.get([1, 'k1']), 2);
});

test('KeySet keeps one member per value', () => {
  const s = new KeySet<unknown>([[1, 2], [1, 2], 'x', 'x', { a: [1] }, { a: [1] }, -0, 0]);
  assert.equal(s.size, 4);
  assert.ok(s.has([1, 2]));
  assert.ok(s.delete({ a: [1] }));
  assert.equal([...s].length, 3);
});

test('estimateSize grows with content and samples big arrays', () => {
  assert.ok(estimateSize('x'.repeat(1000)) >= 1000);
  assert.ok(estimateSize([1, 2, 3]) < estimateSize(new Array(100).fill(1)));
  const big = Array.from({ length: 100000 }, (_, i) => `word${i}`);
  const est = estimateSize(big);
  const exactish = 16 + 8 * big.length + big.reduce((s, w) => s + 16 + ((w.length + 7) & ~7), 0);
  assert.ok(Math.abs(est - exactish) / exactish < 0.1, `estimate ${est} vs ${exactish}`);
  assert.ok(estimateSize(new Float64Array(1000)) >= 8000);
  assert.ok(estimateSize({ a: 'x'.repeat(500) }) > 500);
  assert.ok(estimateSize(new Map([['a', 'x'.repeat(500)]])) > 500);
  const cyclic: unknown[] = [1];
  cyclic.push(cyclic);
  assert.ok(Number.isFinite(estimateSize(cyclic)));
});
