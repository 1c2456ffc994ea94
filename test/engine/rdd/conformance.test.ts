/** Spark conformance of the RDD API: globals as functions, empty shuffles, user Partitioners, getNumPartitions, Map results, takeSample, non-Error throws and silent NaN/undefined results, in local[2] and local-cluster. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { FlintContext, FlintError, KeyMap, ShuffledRDD, type RDD } from '../../../engine/index.ts';
import '../../../connectors/index.ts';

let ctx: FlintContext;
const scratch = mkdtempSync(join(tmpdir(), 'flint-conform-test-'));

before(async () => {
  ctx = await FlintContext.create({ master: 'local[2]', conf: { 'flint.ui.showProgress': false } });
});
after(async () => {
  await ctx.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const code = (c: string, text?: RegExp) => (e: unknown) => e instanceof Error && (e as FlintError).code === c && (text === undefined || text.test(e.message));
/** A job failure whose message (the executor's error, in every mode) matches `text`. */
const jobFails = (text: RegExp) => (e: unknown) => {
  assert.ok(e instanceof FlintError && e.code === 'JOB_FAILED', `JOB_FAILED, got ${String(e)}`);
  assert.match(e.message, text);
  return true;
};

/** Whether `rdd`'s lineage has a shuffle (a ShuffledRDD anywhere, or a shuffle dependency). */
function hasShuffle(rdd: RDD<unknown>): boolean {
  if (rdd instanceof ShuffledRDD) return true;
  return rdd.dependencies.some((d) => d.constructor.name === 'ShuffleDependency' || hasShuffle(d.rdd));
}

describe('well-known global functions ship by name', () => {
  test('map(String), map(Number), filter(Boolean), map(JSON.stringify), map(Math.abs), map(parseInt), map(parseFloat) run on executors', async () => {
    const nums = ctx.parallelize([0, -1.5, 2, 3], 2);
    assert.deepEqual(await nums.map(String).collect(), ['0', '-1.5', '2', '3']);
    assert.deepEqual(await ctx.parallelize(['1', ' 2.5', 'x'], 2).map(Number).collect(), [1, 2.5, NaN]);
    assert.deepEqual(await ctx.parallelize([0, 1, '', 'a', null, 2], 2).filter(Boolean).collect(), [1, 'a', 2]);
    assert.deepEqual(await ctx.parallelize([{ a: 1 }, [2]], 2).map(JSON.stringify).collect(), ['{"a":1}', '[2]']);
    assert.deepEqual(await nums.map(Math.abs).collect(), [0, 1.5, 2, 3]);
    assert.deepEqual(await ctx.parallelize(['10', '0x1f'], 2).map(parseInt).collect(), [10, 31]);
    assert.deepEqual(await ctx.parallelize(['3.25abc'], 1).map(parseFloat).collect(), [3.25]);
    assert.deepEqual(await ctx.parallelize(['{"k":2}'], 1).map(JSON.parse).map((o: { k: number }) => o.k).collect(), [2]);
    assert.equal(await nums.map(Math.abs).reduce(Math.max), 3);
    assert.deepEqual(await ctx.parallelize([[1, 2], 3], 2).filter(Array.isArray).collect(), [[1, 2]]);
  });

  test('a global of the same name in env does not replace the global function', async () => {
    assert.deepEqual(await ctx.parallelize([1], 1).map(String, { String: 'shadow' }).collect(), ['1']);
  });
});

describe('shuffles of zero partitions give empty RDDs (Spark)', () => {
  test('sortBy, sortByKey, reduceByKey, groupByKey, groupBy, distinct, joins, cogroup, intersection, subtract, repartition on emptyRDD', async () => {
    const empty = ctx.emptyRDD<number>();
    const pairs = ctx.emptyRDD<[number, number]>();
    const cases: [string, RDD<unknown>][] = [
      ['sortBy', empty.sortBy((x) => x)],
      ['sortBy descending', empty.sortBy((x) => x, false)],
      ['sortByKey', pairs.sortByKey()],
      ['reduceByKey', pairs.reduceByKey((a, b) => a + b)],
      ['groupByKey', pairs.groupByKey()],
      ['groupBy', empty.groupBy((x) => x % 2)],
      ['distinct', empty.distinct()],
      ['join', pairs.join(pairs)],
      ['fullOuterJoin', pairs.fullOuterJoin(pairs)],
      ['cogroup', pairs.cogroup(pairs)],
      ['intersection', empty.intersection(empty)],
      ['subtract', empty.subtract(empty)],
      ['subtractByKey', pairs.subtractByKey(pairs)],
      ['repartition', empty.repartition(3)],
      ['sortBy of a filtered empty', ctx.parallelize<number>([], 1).filter(() => true).sortBy((x) => x)],
    ];
    for (const [name, rdd] of cases) {
      assert.deepEqual(await rdd.collect(), [], name);
      assert.equal(await rdd.count(), 0, name);
    }
    assert.equal(empty.sortBy((x) => x).getNumPartitions(), 0, 'as PySpark: the empty RDD keeps its zero partitions');
    assert.equal(pairs.reduceByKey((a, b) => a + b).getNumPartitions(), 0, "Spark's defaultPartitioner: the inputs' largest count, 0");
    assert.equal((await pairs.countByKey()).size, 0);
    ctx.dagScheduler.assertDataStructuresEmpty();
  });

  test('an explicit partition count of 0 is still refused', () => {
    assert.throws(() => ctx.emptyRDD<number>().sortBy((x) => x, true, 0), code('BAD_ARGUMENT', /positive integer; got 0/));
    assert.throws(() => ctx.emptyRDD<[number, number]>().reduceByKey((a, b) => a + b, 0), code('BAD_ARGUMENT', /positive integer; got 0/));
  });
});

class ModPartitioner {
  constructor(readonly numPartitions: number) {}
  getPartition(key: number): number {
    return key % this.numPartitions;
  }
  equals(other: unknown): boolean {
    return other instanceof ModPartitioner && other.numPartitions === this.numPartitions;
  }
}

class NoEqualsPartitioner {
  numPartitions = 2;
  getPartition(key: number): number {
    return key >= 10 ? 1 : 0;
  }
}

describe('custom Partitioners ship like functions', () => {
  const data: [number, string][] = [[3, 'c'], [1, 'a'], [2, 'b'], [4, 'd'], [5, 'e']];

  test('a plain object { numPartitions, getPartition } places keys in repartitionAndSortWithinPartitions, partitionBy and reduceByKey', async () => {
    const odd = { numPartitions: 2, getPartition: (k: number) => k % 2, equals: (o: unknown) => o === odd };
    const sorted = ctx.parallelize(data, 2).repartitionAndSortWithinPartitions(odd as never);
    assert.deepEqual(await sorted.glom().collect(), [[[2, 'b'], [4, 'd']], [[1, 'a'], [3, 'c'], [5, 'e']]]);
    const byMethod = { numPartitions: 3, getPartition(k: number) { return k % this.numPartitions; } };
    assert.deepEqual((await ctx.parallelize(data, 2).partitionBy(byMethod as never).glom().collect()).map((p) => p.map(([k]) => k).sort()), [[3], [1, 4], [2, 5]],
      'a method reads the partitioner\'s own fields through this');
    const sums = ctx.parallelize(data.map(([k]) => [k, k] as [number, number]), 2).reduceByKey((a, b) => a + b, odd as never);
    assert.deepEqual((await sums.glom().collect()).map((p) => p.map(([k]) => k).sort()), [[2, 4], [1, 3, 5]]);
    const viaOptions = ctx.parallelize(data.map(([k]) => [k, 1] as [number, number]), 2).reduceByKey((a, b) => a + b, { partitioner: odd as never });
    assert.equal(viaOptions.getNumPartitions(), 2);
    assert.deepEqual((await viaOptions.glom().collect()).map((p) => p.length), [2, 3]);
  });

  test('a class instance runs its own methods on executors', async () => {
    const parts = await ctx.parallelize(data, 2).partitionBy(new ModPartitioner(3) as never).glom().collect();
    assert.deepEqual(parts.map((p) => p.map(([k]) => k).sort()), [[3], [1, 4], [2, 5]]);
    const sorted = await ctx.parallelize(data, 2).repartitionAndSortWithinPartitions(new ModPartitioner(2) as never).glom().collect();
    assert.deepEqual(sorted.map((p) => p.map(([k]) => k)), [[2, 4], [1, 3, 5]]);
    assert.deepEqual(await ctx.parallelize([[1, 1], [12, 1]] as [number, number][], 2).partitionBy(new NoEqualsPartitioner() as never).glom().collect(), [[[1, 1]], [[12, 1]]]);
  });

  test('equals decides co-partitioning: an equal partitioner needs no second shuffle', async () => {
    const base = ctx.parallelize(data.map(([k]) => [k, 1] as [number, number]), 2);
    const byMod = base.partitionBy(new ModPartitioner(3) as never);
    assert.equal(byMod.partitionBy(new ModPartitioner(3) as never), byMod, 'equals: partitionBy an equal partitioner is the same RDD');
    assert.notEqual(byMod.partitionBy(new ModPartitioner(2) as never), byMod);
    const reduced = byMod.reduceByKey((a, b) => a + b, new ModPartitioner(3) as never);
    assert.ok(!(reduced instanceof ShuffledRDD), 'reduceByKey with an equal partitioner combines within partitions');
    const other = ctx.parallelize([[1, 'x'], [5, 'y']] as [number, string][], 2).partitionBy(new ModPartitioner(3) as never);
    const joined = byMod.join(other);
    assert.deepEqual((await joined.collect()).sort(), [[1, [1, 'x']], [5, [1, 'y']]]);
    const cogrouped = joined.dependencies[0].rdd;
    assert.ok(cogrouped.dependencies.every((d) => d.constructor.name === 'OneToOneDependency'), 'both sides co-partitioned: the join is narrow');
    const plain = { numPartitions: 2, getPartition: (k: number) => k % 2 };
    const byPlain = base.partitionBy(plain as never);
    assert.equal(byPlain.partitionBy(plain as never), byPlain, 'without equals, the same object is equal to itself');
    assert.notEqual(byPlain.partitionBy({ ...plain } as never), byPlain, 'and another object is not (identity, as Spark\'s default equals)');
    assert.ok(hasShuffle(byPlain.partitionBy({ ...plain } as never)));
  });

  test('outside variables and bad partitioners fail at the call with a clear error', () => {
    const n = 2;
    const pairs = ctx.parallelize([[1, 1]] as [number, number][], 1);
    assert.throws(() => pairs.partitionBy({ numPartitions: 2, getPartition: (k: number) => k % n } as never),
      code('CLOSURE_FREE_VARIABLE', /Partitioner's 'getPartition'.*uses 'n'.*fields of the partitioner/));
    class UsesOutside { numPartitions = 2; getPartition(k: number) { return k % n; } }
    assert.throws(() => pairs.partitionBy(new UsesOutside() as never), code('CLOSURE_FREE_VARIABLE', /class UsesOutside.*uses 'n'.*registerShippable/));
    assert.throws(() => pairs.partitionBy({ numPartitions: 0, getPartition: () => 0 } as never), code('BAD_ARGUMENT', /numPartitions must be a positive integer; got 0/));
    assert.throws(() => pairs.partitionBy({ numPartitions: 2 } as never), code('BAD_ARGUMENT', /getPartition/));
    assert.throws(() => pairs.partitionBy('two' as never), code('BAD_ARGUMENT', /partition count or a Partitioner/));
  });

  test('a getPartition result outside [0, numPartitions) fails the job naming the key', async () => {
    const bad = { numPartitions: 2, getPartition: (k: number) => k };
    await assert.rejects(ctx.parallelize([[0, 0], [7, 0]] as [number, number][], 1).partitionBy(bad as never).collect(), jobFails(/returned 7 for key 7.*\[0, 2\)/));
  });
});

describe('getNumPartitions', () => {
  test('is synchronous where partitions are known without I/O', () => {
    const p = ctx.parallelize([1, 2, 3, 4, 5], 3);
    assert.equal(p.getNumPartitions(), 3);
    assert.equal(ctx.range(0, 100, 1, 7).getNumPartitions(), 7);
    assert.equal(ctx.emptyRDD().getNumPartitions(), 0);
    assert.equal(p.map((x) => [x, x] as [number, number]).reduceByKey((a, b) => a + b, 4).getNumPartitions(), 4);
    assert.equal(p.sortBy((x) => x, true, 6).getNumPartitions(), 6);
    assert.equal(p.union(ctx.range(0, 3, 1, 2)).getNumPartitions(), 5);
    assert.equal(p.coalesce(2).getNumPartitions(), 2);
    assert.equal(p.repartition(8).getNumPartitions(), 8);
    assert.equal(p.cartesian(ctx.parallelize([1], 2)).getNumPartitions(), 6);
    assert.equal(p.zipWithIndex().getNumPartitions(), 3);
    assert.equal(p.glom().filter(() => true).getNumPartitions(), 3);
    assert.equal(p.map((x) => [x, 1] as [number, number]).join(ctx.parallelize([[1, 2]] as [number, number][], 2), 5).getNumPartitions(), 5);
  });

  test('a file source before planning fails naming getNumPartitionsAsync, which plans it; afterwards the sync form works', async () => {
    const file = join(scratch, 'lines.txt');
    writeFileSync(file, Array.from({ length: 3000 }, (_, i) => `line ${i}`).join('\n'));
    const lines = ctx.textFile(file, 3);
    assert.throws(() => lines.getNumPartitions(), code('PARTITIONS_NOT_PLANNED', /getNumPartitionsAsync/));
    assert.throws(() => lines.map((l) => l.length).getNumPartitions(), code('PARTITIONS_NOT_PLANNED'));
    const n = await lines.getNumPartitionsAsync();
    assert.ok(n >= 3);
    assert.equal(lines.getNumPartitions(), n);
    const mapped = ctx.textFile(file, 3).map((l) => l.length);
    await mapped.count();
    assert.equal(mapped.getNumPartitions(), n, 'an action plans the source');
    assert.equal(await ctx.parallelize([1], 2).getNumPartitionsAsync(), 2);
  });
});

describe('collectAsMap, countByKey and countByValue return Maps', () => {
  test('a native Map when every key is a primitive', async () => {
    const m = await ctx.parallelize([['a', 1], ['b', 2], ['a', 3]] as [string, number][], 2).collectAsMap();
    assert.deepEqual(m, new Map([['a', 3], ['b', 2]]));
    assert.deepEqual(await ctx.parallelize([1, 2, 1, 1], 2).countByValue(), new Map([[1, 3], [2, 1]]));
    assert.deepEqual(await ctx.parallelize([['x', 0], ['x', 0], ['y', 0]] as [string, number][], 2).countByKey(), new Map([['x', 2], ['y', 1]]));
    assert.equal(inspect(m), "Map(2) { 'a' => 3, 'b' => 2 }");
  });

  test('a KeyMap, which is a Map whose composite keys compare by value and which prints its entries', async () => {
    const counts = await ctx.parallelize([[1, 'a'], [1, 'a'], 'z', [2]], 2).countByValue();
    assert.ok(counts instanceof Map && counts instanceof KeyMap);
    assert.equal(counts.size, 3);
    assert.equal(counts.get([1, 'a']), 2, 'a fresh array of equal value finds its key');
    assert.equal(counts.get('z'), 1);
    assert.ok(counts.has([2]) && !counts.has([3]));
    assert.deepEqual([...counts.keys()].length, 3);
    const seen: [unknown, number][] = [];
    counts.forEach((v, k, map) => { assert.equal(map, counts); seen.push([k, v]); });
    assert.equal(seen.length, 3);
    assert.equal(inspect(counts), "KeyMap(3) { 'z' => 1, [ 1, 'a' ] => 2, [ 2 ] => 1 }");
    assert.doesNotMatch(inspect(counts), /prim|composite/, 'no internals in the printout');
    const byKey = await ctx.parallelize([[{ id: 1 }, 'p'], [{ id: 1 }, 'q']] as [object, string][], 2).collectAsMap();
    assert.equal(byKey.size, 1);
    assert.equal(byKey.get({ id: 1 }), 'q');
    counts.delete([1, 'a']);
    assert.equal(counts.size, 2);
    assert.equal(new Map(counts).size, 2, "Map's constructor takes it as an iterable of entries");
  });
});

describe('takeSample (PySpark semantics)', () => {
  const rdd = () => ctx.range(0, 100, 1, 4);

  test('without replacement: num distinct elements of the RDD, reproducible by seed', async () => {
    const s = await rdd().takeSample(false, 10, 7);
    assert.equal(s.length, 10);
    assert.equal(new Set(s).size, 10);
    assert.ok(s.every((x) => Number.isInteger(x) && x >= 0 && x < 100));
    assert.deepEqual(await rdd().takeSample(false, 10, 7), s, 'same seed, same sample');
    assert.notDeepEqual(await rdd().takeSample(false, 10, 8), s);
  });

  test('num at least the count returns every element once, shuffled; with replacement num may exceed the count', async () => {
    const all = await ctx.parallelize([1, 2, 3, 4, 5], 2).takeSample(false, 50, 1);
    assert.deepEqual([...all].sort(), [1, 2, 3, 4, 5]);
    const many = await ctx.parallelize([1, 2, 3], 2).takeSample(true, 20, 3);
    assert.equal(many.length, 20);
    assert.ok(many.every((x) => [1, 2, 3].includes(x)));
    assert.ok(new Set(many).size < many.length, 'with replacement elements repeat');
  });

  test('edge cases: num 0, an empty RDD, bad arguments', async () => {
    assert.deepEqual(await rdd().takeSample(false, 0, 1), []);
    assert.deepEqual(await ctx.emptyRDD<number>().takeSample(true, 5, 1), []);
    await assert.rejects(rdd().takeSample(false, -1), code('BAD_ARGUMENT', /non-negative integer/));
    await assert.rejects(rdd().takeSample(false, 1.5), code('BAD_ARGUMENT', /non-negative integer/));
    await assert.rejects(rdd().takeSample('no' as never, 1), code('BAD_ARGUMENT', /withReplacement must be a boolean/));
  });

  test('every element is about equally likely to be drawn', async () => {
    const hits = new Array(20).fill(0);
    const small = ctx.parallelize(Array.from({ length: 20 }, (_, i) => i), 2);
    const trials = 120;
    for (let seed = 0; seed < trials; seed++) for (const x of await small.takeSample(false, 5, seed)) hits[x]++;
    // Each element is drawn with probability 1/4: 30 expected of 120; 6 standard deviations is about 28.
    for (const h of hits) assert.ok(h > 8 && h < 55, `hit counts ${hits.join(',')}`);
  });
});

describe('silent wrong answers become errors naming the record', () => {
  const withHole = () => ctx.parallelize([1, 2, 3, 4], 2).map((x) => (x === 4 ? undefined : x) as number);

  test('sum, mean, stats and variance over an undefined or non-number record fail naming partition and record', async () => {
    await assert.rejects(withHole().sum(), jobFails(/NOT_A_NUMBER|sum\(\): record 1 of partition 1 is undefined.*map function that returned nothing/));
    await assert.rejects(withHole().mean(), jobFails(/mean\(\): record 1 of partition 1 is undefined/));
    await assert.rejects(withHole().stats(), jobFails(/stats\(\): record 1 of partition 1/));
    await assert.rejects(ctx.parallelize([1, '2'] as unknown as number[], 1).variance(), jobFails(/variance\(\): record 1 of partition 0 is the string "2", not a number/));
    assert.equal(await ctx.parallelize([1, NaN], 1).sum(), NaN, 'a NaN that is a number still sums to NaN, as Spark');
  });

  test('reduce, fold and aggregate over an undefined record, or a function returning undefined, fail naming it', async () => {
    await assert.rejects(withHole().reduce((a, b) => a + b), jobFails(/reduce: record 1 of partition 1 is undefined/));
    await assert.rejects(withHole().fold(0, (a, b) => a + b), jobFails(/fold: record 1 of partition 1 is undefined/));
    await assert.rejects(withHole().aggregate(0, (a, b) => a + b, (a, b) => a + b), jobFails(/aggregate: record 1 of partition 1 is undefined/));
    // eslint-disable-next-line @typescript-eslint/no-unused-expressions
    await assert.rejects(ctx.parallelize([1, 2, 3], 1).reduce((a, b) => { void (a + b); return undefined as unknown as number; }), jobFails(/reduce function returned undefined at record 1 of partition 0.*return statement/));
    assert.equal(await ctx.parallelize([1, 2, 3, 4], 2).reduce((a, b) => a + b), 10);
    assert.deepEqual(await ctx.parallelize([null, null], 2).fold(null, () => null), null, 'null is data, not a missing return');
  });
});

describe('thrown values that are not Errors', () => {
  for (const [what, thrown] of [['null', null], ['undefined', undefined], ['a string', 'bad record'], ['a number', 42], ['an object', { code: 7 }]] as const) {
    test(`throwing ${what} reports the value clearly`, async () => {
      await assert.rejects(ctx.parallelize([1, 2], 2).map(() => { throw thrown; }, { thrown }).collect(),
        jobFails(/a user function threw a value that is not an Error: .*throw new Error/));
    });
  }
});

describe('in local-cluster, the same messages as local[2]', () => {
  let cluster: FlintContext;
  before(async () => {
    cluster = await FlintContext.create({ master: 'local-cluster[2,1,256]', conf: { 'flint.ui.showProgress': false, 'flint.task.maxFailures': 1 } });
  });
  after(async () => {
    await cluster.stop();
  });

  test('an async map reports the DataCloneError message, not [object Object]', { timeout: 60_000 }, async () => {
    const expected = /DataCloneError: the task's result could not be sent back .*a function returned a Promise|DataCloneError: the task's result could not be sent back/;
    let local = '';
    await ctx.parallelize([1, 2], 1).map(async (x) => x).collect().catch((e: Error) => { local = e.message; });
    assert.match(local, expected);
    await assert.rejects(cluster.parallelize([1, 2], 1).map(async (x) => x).collect(), (e: unknown) => {
      assert.ok(e instanceof Error);
      assert.doesNotMatch(e.message, /\[object Object\]/);
      assert.match(e.message, expected);
      const general = (m: string) => m.replace(/stage \d+ \(collect at [^ )]+:\d+\)/, 'stage');
      assert.equal(general(e.message), general(local), 'the same message as local[2]');
      return true;
    });
  });

  test('throw null, globals by name, a class partitioner and takeSample work across processes', { timeout: 60_000 }, async () => {
    await assert.rejects(cluster.parallelize([1], 1).map(() => { throw null; }).collect(), jobFails(/threw a value that is not an Error: null/));
    assert.deepEqual(await cluster.parallelize([1, 2], 2).map(String).collect(), ['1', '2']);
    const parts = await cluster.parallelize([[1, 'a'], [2, 'b'], [3, 'c']] as [number, string][], 2).partitionBy(new ModPartitioner(3) as never).glom().collect();
    assert.deepEqual(parts.map((p) => p.map(([k]) => k)), [[3], [1], [2]]);
    assert.deepEqual(await cluster.range(0, 100, 1, 4).takeSample(false, 10, 7), await ctx.range(0, 100, 1, 4).takeSample(false, 10, 7), 'the same sample as local[2] for the same seed and partitioning');
    await assert.rejects(cluster.parallelize([1, 2], 2).map((x) => (x === 2 ? undefined : x) as number).sum(), jobFails(/sum\(\): record 0 of partition 1 is undefined/));
  });
});
