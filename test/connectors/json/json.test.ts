/** The JSON lines connector: inference, parse modes, splitting, and write-then-read round trips. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../../connectors/json/index.ts';
import { SqlSession, InProcessRuntime, col, count } from '../../../engine/sql/index.ts';

const s = new SqlSession(new InProcessRuntime({ parallelism: 2 }));
const dir = mkdtempSync(join(tmpdir(), 'flint-json-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

test('infers fields in order of appearance: integers as long, numbers as double, numeric arrays as vectors', async () => {
  const p = file('a.json', '{"id":1,"name":"Ann","x":1.5,"v":[1,2]}\n{"id":2,"ok":true,"x":2,"v":[3,4],"nested":{"a":1}}\n\n{"id":3,"name":"Zoë"}\n');
  const df = await s.read.json(p);
  assert.deepEqual(df.dtypes, [['id', 'long'], ['name', 'string'], ['x', 'double'], ['v', 'array<float>[2]'], ['ok', 'boolean'], ['nested', 'string']]);
  const rows = await df.collect();
  assert.deepEqual(rows.map(r => r.id), [1n, 2n, 3n]);
  assert.deepEqual(rows.map(r => r.name), ['Ann', null, 'Zoë']);
  assert.deepEqual(rows.map(r => r.nested), [null, '{"a":1}', null]);
  assert.deepEqual(Array.from(rows[1].v as Float32Array), [3, 4]);
});

const messy = '{"id":1,"v":10}\n{"id":2,"v":"ten"}\nnot json\n[1,2]\n{"id":5,"v":50}\n';

test('PERMISSIVE nulls bad fields and fills _corrupt_record (added by inference when bad lines exist)', async () => {
  const p = file('m1.json', messy);
  const explicit = await s.read.schema('id long, v long, _corrupt_record string').json(p);
  assert.deepEqual((await explicit.collect()).map(r => [r.id, r.v, r._corrupt_record]), [
    [1n, 10n, null], [2n, null, '{"id":2,"v":"ten"}'], [null, null, 'not json'], [null, null, '[1,2]'], [5n, 50n, null]]);
  const inferred = await s.read.json(p);
  assert.deepEqual(inferred.dtypes, [['id', 'long'], ['v', 'string'], ['_corrupt_record', 'string']]);
  assert.deepEqual((await inferred.collect()).map(r => r._corrupt_record), [null, null, 'not json', '[1,2]', null]);
});

test('read.format(name).load(path) reads like read.json(path); an unknown format lists the registered ones', async () => {
  const p = file('fmt.json', '{"a":1}\n{"a":2}\n');
  assert.deepEqual(await (await s.read.format('json').load(p)).collect(), [{ a: 1n }, { a: 2n }]);
  await assert.rejects(s.read.format('nope').load(p), /no data format 'nope' is registered \(registered: .*json/);
  await assert.rejects(s.read.load(p), /name a format/);
});

test('DROPMALFORMED drops bad lines; FAILFAST names file, line and text', async () => {
  const p = file('m2.json', messy);
  const dropped = await s.read.schema('id long, v long').json(p, { mode: 'DROPMALFORMED' });
  assert.deepEqual(await dropped.collect(), [{ id: 1n, v: 10n }, { id: 5n, v: 50n }]);
  const strict = await s.read.schema('id long, v long').json(p, { mode: 'FAILFAST' });
  await assert.rejects(strict.count(), (e: Error & { code?: string }) =>
    e.code === 'MALFORMED_RECORD' && e.message.includes(`${p}:2`) && e.message.includes('"ten"'));
});

test('splits are line-aligned: every object is read exactly once', async () => {
  const lines: string[] = [];
  for (let i = 0; i < 3000; i++) lines.push(JSON.stringify({ k: i % 3, s: `row ${i} ✓` }));
  const df = await s.read.json(file('big.json', `${lines.join('\n')}\n`), { maxSplitBytes: 1500 });
  assert.ok(df.numPartitions > 20);
  const rows = await df.groupBy('k').agg(count()).orderBy('k').collect();
  assert.deepEqual(rows.map(r => r['count(1)']), [1000n, 1000n, 1000n]);
});

test('write then read gives the same table, nulls left out of the objects', async () => {
  const df = s.createDataFrame([
    { i: 1, l: 2n ** 60n, f: 0.1, b: true, s: 'a "q" \\ ✓', t: new Date('2024-01-02T03:04:05.006Z'), v: [0.5, -1] },
    { i: null, l: null, f: null, b: null, s: null, t: null, v: null },
    { i: -1, l: -5n, f: 1e300, b: false, s: '', t: new Date(0), v: [0, 0] },
  ], 'i int, l long, f double, b boolean, s string, t timestamp, v vector[2]', 2);
  const out = join(dir, 'rt');
  await df.write.json(out);
  const part = readdirSync(out).filter(n => n.endsWith('.json'))[0];
  assert.ok(readFileSync(join(out, part), 'utf8').includes('1152921504606846976'));
  const back = await s.read.schema(df.schema).json(out);
  assert.deepEqual(await back.collect(), await df.collect());
  assert.deepEqual(await back.filter(col('i').isNull()).count(), 1);
});

test('an integer beyond the long range is inferred as double, and never wraps in a long column (it reads as malformed)', async () => {
  const p = file('huge.json', '{"a":1e20,"b":1}\n{"a":2,"b":-1e19}\n');
  const inferred = await s.read.json(p);
  assert.deepEqual(inferred.dtypes, [['a', 'double'], ['b', 'double']]);
  assert.deepEqual(await inferred.collect(), [{ a: 1e20, b: 1 }, { a: 2, b: -1e19 }]);
  const explicit = await s.read.json(p, { schema: 'a bigint, b bigint' });
  assert.deepEqual(await explicit.collect(), [{ a: null, b: 1n }, { a: 2n, b: null }]);
  await assert.rejects((await s.read.json(p, { schema: 'a bigint, b bigint', mode: 'FAILFAST' })).collect(), /field 'a' holds 100000000000000000000, not int64/);
});
