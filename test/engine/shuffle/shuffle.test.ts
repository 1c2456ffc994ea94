/** Tests of the sort-based shuffle: partitioning, combining, ordering, spilling, errors and cleanup. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import {
  writeShuffle, writeShuffleAsync, readShuffle, removeShuffle, newWriteMetrics, newReadMetrics, ShuffleFetchFailedError, cogroupIterators,
  encodeRecordArray, decodeRecordArray, readSegmentBytes,
  type Aggregator, type MapStatus, type Partitioner,
} from '../../../engine/shuffle/index.ts';
import { hashKey, compareKeys, KeyMap, estimateSize } from '../../../engine/serde/keys.ts';
import { FlintUserError } from '../../../engine/errors.ts';

class TestHashPartitioner implements Partitioner {
  constructor(readonly numPartitions: number) {}
  getPartition(key: unknown): number {
    const h = hashKey(key) % this.numPartitions;
    return h < 0 ? h + this.numPartitions : h | 0;
  }
  equals(o: unknown): boolean {
    return o instanceof TestHashPartitioner && o.numPartitions === this.numPartitions;
  }
}

/** Numbers below bounds[i] go to partition i: with it, sorted partitions concatenate to a sorted whole. */
class TestRangePartitioner implements Partitioner {
  constructor(private readonly bounds: number[]) {}
  get numPartitions(): number { return this.bounds.length + 1; }
  getPartition(key: unknown): number {
    let i = 0;
    while (i < this.bounds.length && (key as number) >= this.bounds[i]) i++;
    return i;
  }
  equals(): boolean { return false; }
}

const sumAgg: Aggregator<number, number> = { createCombiner: (v) => v, mergeValue: (c, v) => c + v, mergeCombiners: (a, b) => a + b };
const listAgg: Aggregator<unknown, unknown[]> = {
  createCombiner: (v) => [v], mergeValue: (c, v) => { c.push(v); return c; }, mergeCombiners: (a, b) => a.concat(b),
};

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'flint-shuffle-test-'));
}

interface RunOptions<K, V, C> {
  maps: [K, V][][];
  partitioner: Partitioner;
  aggregator?: Aggregator<V, C>;
  mapSideCombine?: boolean;
  keyOrdering?: (a: K, b: K) => number;
  memoryBytes?: number;
  shuffleId?: number;
  dir?: string;
}

function runShuffle<K, V, C>(o: RunOptions<K, V, C>) {
  const dir = o.dir ?? tmpDir();
  const shuffleId = o.shuffleId ?? 0;
  const memoryBytes = o.memoryBytes ?? 64 << 20;
  const writeMetrics = newWriteMetrics();
  const statuses: MapStatus[] = o.maps.map((records, mapId) => writeShuffle({
    shuffleId, mapId, partitioner: o.partitioner, aggregator: o.aggregator, mapSideCombine: o.mapSideCombine ?? false,
    keyOrdering: o.keyOrdering, memoryBytes, dir,
  }, records[Symbol.iterator](), 'exec-1', writeMetrics));
  const readMetrics = newReadMetrics();
  const partitions: [K, V | C][][] = [];
  for (let reduceId = 0; reduceId < o.partitioner.numPartitions; reduceId++) {
    partitions.push([...readShuffle({
      shuffleId, reduceId, statuses, aggregator: o.aggregator, mapSideCombine: o.mapSideCombine ?? false,
      keyOrdering: o.keyOrdering, memoryBytes, dir,
    }, readMetrics)]);
  }
  return { dir, statuses, partitions, writeMetrics, readMetrics };
}

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function words(n: number, vocab: number, seed: number): [string, number][] {
  const r = rng(seed);
  const out: [string, number][] = [];
  for (let i = 0; i < n; i++) out.push([`w${Math.floor(vocab * r() ** 3)}`, 1]);
  return out;
}

function expectedSums<K>(maps: [K, number][][]): KeyMap<K, number> {
  const m = new KeyMap<K, number>();
  for (const recs of maps) for (const [k, v] of recs) m.set(k, (m.get(k) ?? 0) + v);
  return m;
}

function filesIn(dir: string): string[] {
  return fs.readdirSync(dir).sort();
}

test('without an aggregator every record reaches the partition of its key, once', () => {
  const maps = [words(5000, 300, 1), words(3000, 300, 2), []];
  const part = new TestHashPartitioner(7);
  const { partitions, statuses, dir } = runShuffle({ maps, partitioner: part });
  const got = partitions.flatMap((p, i) => p.map(([k, v]) => { assert.equal(part.getPartition(k), i); return `${k}:${v}`; }));
  assert.deepEqual(got.sort(), maps.flat().map(([k, v]) => `${k}:${v}`).sort());
  assert.equal(statuses.length, 3);
  for (const s of statuses) {
    assert.equal(s.offsets.length, 8);
    assert.equal(s.recordCounts.length, 7);
    assert.equal(s.executorId, 'exec-1');
    assert.equal(fs.statSync(s.dataFile).size, s.offsets[7]);
  }
  assert.deepEqual(statuses[2].offsets, [0, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(filesIn(dir), ['shuffle_0_0.data', 'shuffle_0_1.data', 'shuffle_0_2.data']);
});

test('map-side combine sums values of equal keys and the reader merges the combiners', () => {
  const maps = [words(20000, 1000, 3), words(20000, 1000, 4), words(10, 1000, 5)];
  const { partitions, statuses } = runShuffle({ maps, partitioner: new TestHashPartitioner(4), aggregator: sumAgg, mapSideCombine: true });
  const expected = expectedSums(maps);
  const got = new Map<string, number>();
  for (const p of partitions) for (const [k, v] of p) {
    assert.ok(!got.has(k), `key ${k} appears twice`);
    got.set(k, v as number);
  }
  assert.deepEqual([...got.entries()].sort(), [...expected.entries()].sort());
  const written = statuses[0].recordCounts.reduce((a, b) => a + b, 0);
  const distinct = new Set(maps[0].map(([k]) => k)).size;
  assert.equal(written, distinct, 'map 0 writes each of its keys once');
});

test('an aggregator without map-side combine groups values (groupByKey)', () => {
  const maps: [number, string][][] = [[[1, 'a'], [2, 'b'], [1, 'c']], [[2, 'd'], [3, 'e']], [[1, 'f']]];
  const { partitions, statuses } = runShuffle({ maps, partitioner: new TestHashPartitioner(2), aggregator: listAgg as Aggregator<string, unknown[]> });
  const got = Object.fromEntries(partitions.flat().map(([k, v]) => [k, (v as string[]).slice().sort()]));
  assert.deepEqual(got, { 1: ['a', 'c', 'f'], 2: ['b', 'd'], 3: ['e'] });
  assert.equal(statuses[0].recordCounts.reduce((a, b) => a + b, 0), 3, 'no combining on the map side');
});

test('tuple and object keys combine by value across map tasks', () => {
  const maps: [unknown, number][][] = [
    [[[1, 'a'], 1], [{ x: 1, y: 2 }, 10], [[1, 'a'], 2], [NaN, 1]],
    [[[1, 'a'], 4], [{ y: 2, x: 1 }, 20], [[1, 'b'], 8], [NaN, 2], [-0, 5], [0, 6]],
  ];
  const { partitions } = runShuffle({ maps, partitioner: new TestHashPartitioner(3), aggregator: sumAgg, mapSideCombine: true });
  const got = partitions.flat().sort((a, b) => compareKeys(a[0], b[0]));
  assert.deepEqual(got, [[0, 11], [NaN, 3], [[1, 'a'], 7], [[1, 'b'], 8], [{ x: 1, y: 2 }, 30]]);
});

test('keyOrdering sorts each partition; with a range partitioner the whole output is sorted', () => {
  const r = rng(9);
  const maps: [number, number][][] = [0, 1, 2, 3].map(() => Array.from({ length: 3000 }, (_, i) => [Math.floor(r() * 100000), i] as [number, number]));
  const ord = (a: number, b: number) => a - b;
  const { partitions } = runShuffle({ maps, partitioner: new TestRangePartitioner([25000, 50000, 75000]), keyOrdering: ord });
  const all = partitions.flat();
  assert.equal(all.length, 12000);
  for (let i = 1; i < all.length; i++) assert.ok(all[i - 1][0] <= all[i][0], `sorted at ${i}`);
  assert.deepEqual(all.map(([k]) => k), maps.flat().map(([k]) => k).sort(ord));
});

test('keyOrdering with an aggregator yields combined keys in order, descending comparators included', () => {
  const maps = [words(4000, 500, 11), words(4000, 500, 12)];
  const desc = (a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0);
  const { partitions } = runShuffle({ maps, partitioner: new TestHashPartitioner(3), aggregator: sumAgg, mapSideCombine: true, keyOrdering: desc });
  const expected = expectedSums(maps);
  for (const p of partitions) {
    for (let i = 1; i < p.length; i++) assert.ok(desc(p[i - 1][0], p[i][0]) < 0);
    for (const [k, v] of p) assert.equal(v, expected.get(k));
  }
  assert.equal(partitions.flat().length, expected.size);
});

test('many partitions, most of them empty, read back empty', () => {
  const maps: [number, number][][] = [[[5, 1], [5, 2], [999, 3]], []];
  const part = new TestRangePartitioner(Array.from({ length: 999 }, (_, i) => i + 1));
  const { partitions, statuses } = runShuffle({ maps, partitioner: part, aggregator: sumAgg, mapSideCombine: true });
  assert.equal(partitions.length, 1000);
  assert.deepEqual(partitions[5], [[5, 3]]);
  assert.deepEqual(partitions[999], [[999, 3]]);
  assert.equal(partitions.filter((p) => p.length > 0).length, 2);
  assert.equal(statuses[0].offsets.length, 1001);
  assert.equal(statuses[1].offsets[1000], 0);
});

test('values of every kind survive the shuffle: strings with unicode and lone surrogates, objects, bigints, typed arrays', () => {
  const values: [unknown, unknown][] = [
    ['日本語', 1], ['é', 2.5], ['\ud800x', 3], ['plain', -0], ['inf', Infinity], ['nan', NaN],
    [1.5, 2], [-7, 1e300], ['obj', { a: [1, 'x'], b: null }], [[1, 2], 'str'], [10n, 5n],
    ['bytes', new Uint8Array([1, 2, 3])], [null, undefined], ['a'.repeat(40), 1], ['long é'.repeat(10), 2],
  ];
  const { partitions } = runShuffle({ maps: [values], partitioner: new TestHashPartitioner(1) });
  assert.deepEqual(partitions[0], values);
  assert.ok(Object.is(partitions[0][3][1], -0));
});

test('a map task past 5x its memory budget spills, and the result is still exact', () => {
  const memoryBytes = 256 << 10;
  const maps = [words(60000, 40000, 21), words(60000, 40000, 22)];
  const inputBytes = maps[0].reduce((s, r) => s + estimateSize(r), 0);
  assert.ok(inputBytes >= 5 * memoryBytes, `input ${inputBytes} bytes is at least 5x the budget`);
  const { partitions, writeMetrics, readMetrics, dir } = runShuffle({
    maps, partitioner: new TestHashPartitioner(5), aggregator: sumAgg, mapSideCombine: true, memoryBytes,
  });
  assert.ok(writeMetrics.spillCount >= 2, `writer spilled ${writeMetrics.spillCount} runs`);
  assert.ok(writeMetrics.spilledBytes > 0);
  assert.ok(readMetrics.spillCount >= 1, `reader spilled ${readMetrics.spillCount} runs`);
  const expected = expectedSums(maps);
  const got = new Map<string, number>();
  for (const p of partitions) for (const [k, v] of p) {
    assert.ok(!got.has(k), `key ${k} appears once`);
    got.set(k, v as number);
  }
  assert.equal(got.size, expected.size);
  for (const [k, v] of expected) assert.equal(got.get(k), v, `count of ${k}`);
  assert.deepEqual(filesIn(dir), ['shuffle_0_0.data', 'shuffle_0_1.data'], 'spill files are deleted');
});

test('spilling without combine, with ordering, and grouping past the budget all stay exact', () => {
  const memoryBytes = 128 << 10;
  const r = rng(31);
  const maps: [number, string][][] = [0, 1].map(() => Array.from({ length: 40000 }, () => [Math.floor(r() * 5000), `v${Math.floor(r() * 1e6)}`] as [number, string]));
  const ord = (a: number, b: number) => a - b;
  const sorted = runShuffle({ maps, partitioner: new TestRangePartitioner([2500]), keyOrdering: ord, memoryBytes });
  assert.ok(sorted.writeMetrics.spillCount >= 2);
  const all = sorted.partitions.flat();
  assert.deepEqual(all.map(([k]) => k), maps.flat().map(([k]) => k).sort(ord));
  assert.deepEqual(all.map(([k, v]) => `${k}:${v}`).sort(), maps.flat().map(([k, v]) => `${k}:${v}`).sort());

  const grouped = runShuffle({ maps, partitioner: new TestHashPartitioner(2), aggregator: listAgg as Aggregator<string, unknown[]>, keyOrdering: ord, memoryBytes });
  assert.ok(grouped.readMetrics.spillCount >= 1, `reader spilled ${grouped.readMetrics.spillCount}`);
  const expected = new Map<number, string[]>();
  for (const [k, v] of maps.flat()) expected.set(k, [...(expected.get(k) ?? []), v]);
  for (const p of grouped.partitions) for (let i = 1; i < p.length; i++) assert.ok(p[i - 1][0] < p[i][0]);
  const got = grouped.partitions.flat();
  assert.equal(got.length, expected.size);
  for (const [k, vs] of got) assert.deepEqual((vs as string[]).slice().sort(), expected.get(k)!.slice().sort());
  assert.deepEqual(filesIn(grouped.dir).filter((f) => !f.endsWith('.data')), []);
});

test('a record that is not a pair and a partition out of range fail with coded errors', () => {
  const dir = tmpDir();
  const spec = { shuffleId: 3, mapId: 0, partitioner: new TestHashPartitioner(2), mapSideCombine: false, memoryBytes: 1 << 20, dir };
  assert.throws(() => writeShuffle(spec, (['oops'] as unknown as [string, number][])[Symbol.iterator]()),
    (e: unknown) => e instanceof FlintUserError && e.code === 'SHUFFLE_RECORD_NOT_PAIR' && /oops/.test(e.message));
  const bad: Partitioner = { numPartitions: 2, getPartition: () => 2, equals: () => false };
  assert.throws(() => writeShuffle({ ...spec, partitioner: bad }, [['k', 1]][Symbol.iterator]() as Iterator<[string, number]>),
    (e: unknown) => e instanceof FlintUserError && e.code === 'SHUFFLE_BAD_PARTITION' && /\[0, 2\)/.test(e.message));
  assert.deepEqual(filesIn(dir), [], 'a failed map task leaves no files');
});

test('a lost map output raises ShuffleFetchFailedError naming the map', () => {
  const { statuses } = runShuffle({ maps: [words(100, 10, 1), words(100, 10, 2)], partitioner: new TestHashPartitioner(1), shuffleId: 4 });
  fs.rmSync(statuses[1].dataFile);
  assert.throws(() => [...readShuffle({ shuffleId: 4, reduceId: 0, statuses, mapSideCombine: false, memoryBytes: 1 << 20, dir: tmpDir() })],
    (e: unknown) => e instanceof ShuffleFetchFailedError && e.mapId === 1 && e.shuffleId === 4 && e.code === 'SHUFFLE_FETCH_FAILED');
});

test('removeShuffle deletes the files of one shuffle only', () => {
  const dir = tmpDir();
  runShuffle({ maps: [words(10, 5, 1)], partitioner: new TestHashPartitioner(2), shuffleId: 1, dir });
  runShuffle({ maps: [words(10, 5, 1)], partitioner: new TestHashPartitioner(2), shuffleId: 10, dir });
  assert.equal(removeShuffle(1, dir), 1);
  assert.deepEqual(filesIn(dir), ['shuffle_10_0.data']);
  assert.equal(removeShuffle(1, path.join(dir, 'missing')), 0);
});

test('cogroupIterators groups several inputs by value-equal keys and spills past its budget exactly', () => {
  const small = [...cogroupIterators<unknown>([
    ([[[1, 'a'], 'x'], [2, 'y'], [[1, 'a'], 'z']] as [unknown, unknown][])[Symbol.iterator](),
    ([[2, 10], [3, 11]] as [unknown, unknown][])[Symbol.iterator](),
  ], { memoryBytes: 1 << 20, dir: tmpDir(), stem: 'shuffle_9_cg' })].sort((a, b) => compareKeys(a[0], b[0]));
  assert.deepEqual(small, [[2, [['y'], [10]]], [3, [[], [11]]], [[1, 'a'], [['x', 'z'], []]]]);

  const dir = tmpDir();
  const r = rng(5);
  const left: [number, number][] = Array.from({ length: 30000 }, (_, i) => [Math.floor(r() * 8000), i]);
  const right: [number, number][] = Array.from({ length: 30000 }, (_, i) => [Math.floor(r() * 8000), -i]);
  const metrics = { spillCount: 0, spilledBytes: 0 };
  const got = [...cogroupIterators([left[Symbol.iterator](), right[Symbol.iterator]()], { memoryBytes: 64 << 10, dir, stem: 'shuffle_9_cg' }, metrics)];
  assert.ok(metrics.spillCount >= 2, `spilled ${metrics.spillCount}`);
  const want = new Map<number, [number[], number[]]>();
  for (const [k, v] of left) { const g = want.get(k) ?? [[], []]; g[0].push(v); want.set(k, g); }
  for (const [k, v] of right) { const g = want.get(k) ?? [[], []]; g[1].push(v); want.set(k, g); }
  assert.equal(got.length, want.size);
  for (const [k, [a, b]] of got) {
    assert.deepEqual([(a as number[]).slice().sort(), (b as number[]).slice().sort()], [want.get(k)![0].slice().sort(), want.get(k)![1].slice().sort()]);
  }
  assert.deepEqual(fs.readdirSync(dir), [], 'spill files are deleted');
});

test('encodeRecordArray round-trips pairs and any other records, and crosses threads as a transfer', async () => {
  const cases: unknown[][] = [
    [],
    words(10000, 500, 3),
    [[1, 2], [3.5, -0], [NaN, Infinity]],
    [['日本', 1], ['\ud800', 2], ['x'.repeat(100), 3]],
    [[{ a: 1 }, [1, 2]], ['k', 'v'], [null, undefined]],
    [1, 'two', { three: 3 }, [4, 5, 6]],
  ];
  for (const c of cases) {
    const back = decodeRecordArray(encodeRecordArray(c));
    assert.deepEqual(back, c);
  }
  const { port1, port2 } = new MessageChannel();
  const bytes = encodeRecordArray(words(1000, 50, 9));
  port1.postMessage(bytes, [bytes.buffer as ArrayBuffer]);
  const got = receiveMessageOnPort(port2)!.message as Uint8Array;
  port1.close();
  assert.deepEqual(decodeRecordArray(got), words(1000, 50, 9));
  assert.throws(() => decodeRecordArray(new Uint8Array([9, 9])), (e: unknown) => (e as { code?: string }).code === 'SHUFFLE_CORRUPT');
});

test('a shuffle read dropped midway releases its files once collected', { skip: !fs.existsSync('/proc/self/fd') }, async () => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const openFds = () => fs.readdirSync('/proc/self/fd').length;
  const { statuses, dir } = runShuffle({ maps: [words(20000, 100, 1)], partitioner: new TestHashPartitioner(1), shuffleId: 12 });
  const before = openFds();
  (() => {
    for (let i = 0; i < 30; i++) readShuffle({ shuffleId: 12, reduceId: 0, statuses, mapSideCombine: false, memoryBytes: 1 << 20, dir }).next();
  })();
  assert.ok(openFds() >= before + 30, 'the dropped readers hold their files');
  for (let i = 0; i < 20 && openFds() > before; i++) { gc(); await new Promise((r) => setTimeout(r, 10)); }
  assert.ok(openFds() <= before, `${openFds() - before} files still open`);
});

test('a combining read whose merge function throws closes the segment it was reading at once', { skip: !fs.existsSync('/proc/self/fd') }, () => {
  const openFds = () => fs.readdirSync('/proc/self/fd').length;
  const { statuses, dir } = runShuffle({ maps: [words(20000, 100, 1)], partitioner: new TestHashPartitioner(1), shuffleId: 16 });
  let calls = 0;
  const failing: Aggregator<number, number> = {
    ...sumAgg,
    mergeValue: (c, v) => { if (++calls === 5000) throw new Error('merge failed'); return c + v; },
  };
  const before = openFds();
  const it = readShuffle({ shuffleId: 16, reduceId: 0, statuses, aggregator: failing, mapSideCombine: false, memoryBytes: 1 << 20, dir });
  assert.throws(() => it.next(), /merge failed/);
  assert.equal(openFds(), before, 'the segment file is closed without waiting for garbage collection');
});

test('segments fetched from another executor are read from memory, with the same result as from files', () => {
  const maps = [words(3000, 200, 41), words(3000, 200, 42)];
  const part = new TestHashPartitioner(3);
  const { statuses, partitions } = runShuffle({ maps, partitioner: part, aggregator: sumAgg, mapSideCombine: true, shuffleId: 13 });
  for (let reduceId = 0; reduceId < 3; reduceId++) {
    const fetched = new Map(statuses.map((s) => [s.mapId, readSegmentBytes(13, s, reduceId)] as [number, Uint8Array]));
    const remote = statuses.map((s) => ({ ...s, dataFile: `/nonexistent/${path.basename(s.dataFile)}` }));
    const spec = { shuffleId: 13, reduceId, statuses: remote, aggregator: sumAgg, mapSideCombine: true, memoryBytes: 1 << 20, dir: tmpDir() };
    assert.deepEqual([...readShuffle(spec, newReadMetrics(), fetched)], partitions[reduceId]);
    const short = new Map([[0, fetched.get(0)!.subarray(1)]]);
    assert.throws(() => [...readShuffle({ ...spec, statuses }, newReadMetrics(), short)],
      (e: unknown) => e instanceof ShuffleFetchFailedError && e.mapId === 0 && /fetched/.test(e.message));
  }
  fs.rmSync(statuses[0].dataFile);
  assert.throws(() => readSegmentBytes(13, statuses[0], 0), (e: unknown) => e instanceof ShuffleFetchFailedError && e.mapId === 0);
});

test('a hot key whose combiner grows is counted against the budget: grouping skewed data spills', () => {
  const memoryBytes = 256 << 10;
  const r = rng(77);
  // 1,000 light keys with one value each, and one key with 60,000 values (about 10x the budget).
  const records: [string, string][] = [];
  for (let i = 0; i < 1000; i++) records.push([`light${i}`, 'v']);
  for (let i = 0; i < 60000; i++) records.push(['hot', `value-${Math.floor(r() * 1e9)}`]);
  const m = newReadMetrics();
  const status = writeShuffle({ shuffleId: 14, mapId: 0, partitioner: new TestHashPartitioner(1), mapSideCombine: false, memoryBytes: 64 << 20, dir: tmpDir() }, records[Symbol.iterator]());
  const out = [...readShuffle({ shuffleId: 14, reduceId: 0, statuses: [status], aggregator: listAgg as Aggregator<string, unknown[]>, mapSideCombine: false, memoryBytes, dir: tmpDir() }, m)];
  assert.ok(m.spillCount >= 2, `the reader spilled ${m.spillCount} times`);
  assert.equal(out.length, 1001);
  const hot = out.find(([k]) => k === 'hot')![1] as string[];
  assert.deepEqual(hot.slice().sort(), records.filter(([k]) => k === 'hot').map(([, v]) => v).sort());

  const w = newWriteMetrics();
  writeShuffle({ shuffleId: 15, mapId: 0, partitioner: new TestHashPartitioner(1), aggregator: listAgg as Aggregator<string, unknown[]>, mapSideCombine: true, memoryBytes, dir: tmpDir() }, records[Symbol.iterator](), 'e', w);
  assert.ok(w.spillCount >= 2, `the writer spilled ${w.spillCount} times`);
});

test('byte-array values kept by the reader survive later reads: decoded records never alias a reused read buffer', () => {
  // Each value is 2 KiB of its key's byte, so a 1 MiB read chunk holds a few hundred frames' worth
  // and later chunks would overwrite earlier values if they pointed into the read buffer.
  const maps: [number, Uint8Array][][] = [0, 1].map((m) => Array.from({ length: 3000 }, (_, i) => {
    const k = m * 3000 + i;
    return [k % 500, new Uint8Array(2048).fill((k % 500) % 251)] as [number, Uint8Array];
  }));
  const check = (partitions: [number, unknown][][], grouped: boolean) => {
    let seen = 0;
    for (const part of partitions) for (const [k, v] of part) {
      const values = grouped ? v as Uint8Array[] : [v as Uint8Array];
      for (const bytes of values) {
        assert.ok(bytes instanceof Uint8Array);
        assert.ok(bytes.every((b) => b === k % 251), `value of key ${k} was overwritten`);
        seen++;
      }
    }
    assert.equal(seen, 6000);
  };
  const plain = runShuffle({ maps, partitioner: new TestHashPartitioner(2), memoryBytes: 64 << 10 });
  check(plain.partitions, false);
  const grouped = runShuffle({ maps, partitioner: new TestHashPartitioner(2), aggregator: listAgg as Aggregator<Uint8Array, unknown[]>, memoryBytes: 64 << 10 });
  check(grouped.partitions as [number, unknown][][], true);
  const sorted = runShuffle({ maps, partitioner: new TestHashPartitioner(2), keyOrdering: (a, b) => a - b, memoryBytes: 64 << 10 });
  check(sorted.partitions, false);
});

test('writeShuffleAsync streams an async source into the sorter: it spills before the source ends, and the output equals the sync writer\'s', async () => {
  const dir = tmpDir();
  const records = Array.from({ length: 20000 }, (_, i) => [`k${i % 5000}`, i] as [string, number]);
  let spilledBeforeEnd = false;
  async function* source(): AsyncGenerator<[string, number]> {
    for (const r of records) { yield r; }
    spilledBeforeEnd = fs.readdirSync(dir).some((f) => f.endsWith('.spill'));
  }
  const spec = { shuffleId: 7, mapId: 0, partitioner: new TestHashPartitioner(3), aggregator: sumAgg, mapSideCombine: true, memoryBytes: 16 << 10, dir };
  const metrics = newWriteMetrics();
  const status = await writeShuffleAsync(spec, source(), 'exec-1', metrics);
  assert.ok(spilledBeforeEnd, 'spilled while the source was still producing');
  assert.ok(metrics.spillCount > 0);
  const read = (statuses: MapStatus[]) => new Map(Array.from({ length: 3 }, (_, reduceId) => [...readShuffle({
    shuffleId: statuses[0].shuffleId, reduceId, statuses, aggregator: sumAgg, mapSideCombine: true, memoryBytes: 64 << 20, dir,
  })]).flat() as [string, number][]);
  const syncStatus = writeShuffle({ ...spec, shuffleId: 8 }, records[Symbol.iterator](), 'exec-1');
  assert.deepEqual(read([status]), read([syncStatus]));
  assert.equal(read([status]).get('k42'), [42, 5042, 10042, 15042].reduce((a, b) => a + b));
});
