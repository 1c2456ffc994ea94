/** The CSV connector: options, inference, splitting, the three parse modes, and write-then-read round trips. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readdirSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../../connectors/csv/index.ts';
import { SqlSession, InProcessRuntime, col, sum } from '../../../engine/sql/index.ts';

const s = new SqlSession(new InProcessRuntime({ parallelism: 2 }));
const dir = mkdtempSync(join(tmpdir(), 'flint-csv-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const sample = 'id,name,score,when\n1,Ann,1.5,2024-01-02T03:04:05Z\n2,"Bob, Jr.",2,2024-01-03\n\n3,"say ""hi""",,\n4,Zoë,4.25,2024-02-01\n';

test('reads header, quotes with commas and doubled quotes, blank lines and empty fields as null', async () => {
  const df = await s.read.csv(file('a.csv', sample), { header: true });
  assert.deepEqual(df.columns, ['id', 'name', 'score', 'when']);
  assert.deepEqual(df.dtypes.map(d => d[1]), ['string', 'string', 'string', 'string']);
  const rows = await df.collect();
  assert.deepEqual(rows.map(r => r.name), ['Ann', 'Bob, Jr.', 'say "hi"', 'Zoë']);
  assert.deepEqual(rows.map(r => r.score), ['1.5', '2', null, '4.25']);
});

test('inferSchema picks int, double and timestamp from a sample; no header names columns _c0..', async () => {
  const df = await s.read.csv(file('b.csv', sample), { header: true, inferSchema: true });
  assert.deepEqual(df.dtypes, [['id', 'integer'], ['name', 'string'], ['score', 'double'], ['when', 'timestamp']]);
  const rows = await df.agg(sum('score')).collect();
  assert.equal(rows[0]['sum(score)'], 7.75);
  const noHeader = await s.read.csv(file('c.csv', '1,x\n2,y\n'), { inferSchema: true });
  assert.deepEqual(noHeader.columns, ['_c0', '_c1']);
  assert.deepEqual(noHeader.dtypes.map(d => d[1]), ['integer', 'string']);
  const big = await s.read.csv(file('d.csv', 'n\n1\n9999999999\n'), { header: true, inferSchema: true });
  assert.deepEqual(big.dtypes, [['n', 'long']]);
});

test('delimiter, custom quote and backslash escapes', async () => {
  const p = file('e.tsv', "a\tb\n'x\\'y'\t2\n'tab\tin'\t3\n");
  const rows = await (await s.read.csv(p, { header: true, sep: '\t', quote: "'", inferSchema: true })).collect();
  assert.deepEqual(rows, [{ a: "x'y", b: 2 }, { a: 'tab\tin', b: 3 }]);
});

const messy = 'id,v\n1,10\n2,oops\n3\n4,40\n5,"unterminated\n';

test('PERMISSIVE nulls bad fields and keeps the raw line in _corrupt_record when the schema has it', async () => {
  const df = await s.read.schema('id int, v int, _corrupt_record string').csv(file('m1.csv', messy), { header: true });
  const rows = await df.collect();
  assert.deepEqual(rows.map(r => [r.id, r.v, r._corrupt_record]), [
    [1, 10, null], [2, null, '2,oops'], [3, null, '3'], [4, 40, null], [5, null, '5,"unterminated']]);
  const plain = await s.read.schema('id int, v int').csv(file('m2.csv', messy), { header: true });
  assert.deepEqual((await plain.collect()).map(r => r.v), [10, null, null, 40, null]);
});

test('DROPMALFORMED drops bad records', async () => {
  const df = await s.read.schema('id int, v int').csv(file('m3.csv', messy), { header: true, mode: 'DROPMALFORMED' });
  assert.deepEqual(await df.collect(), [{ id: 1, v: 10 }, { id: 4, v: 40 }]);
});

test('FAILFAST fails naming the file, the line number and the offending text', async () => {
  const p = file('m4.csv', messy);
  const df = await s.read.schema('id int, v int').csv(p, { header: true, mode: 'FAILFAST' });
  await assert.rejects(df.collect(), (e: Error & { code?: string }) =>
    e.code === 'MALFORMED_RECORD' && e.message.includes(`${p}:3`) && e.message.includes('"2,oops"'));
  await assert.rejects(s.read.csv(p, { mode: 'LENIENT' }), /unknown mode 'LENIENT'/);
});

test('large files split by line-aligned byte ranges and every line is read once', async () => {
  const lines = ['k,v'];
  for (let i = 0; i < 5000; i++) lines.push(`${i % 7},${i}`);
  const p = file('big.csv', `${lines.join('\n')}\n`);
  const df = await s.read.csv(p, { header: true, inferSchema: true, maxSplitBytes: 997 });
  assert.ok(df.numPartitions > 30, `expected many splits, got ${df.numPartitions}`);
  assert.equal(await df.count(), 5000);
  const [row] = await df.agg(sum('v')).collect();
  assert.equal(row['sum(v)'], BigInt((4999 * 5000) / 2));
});

test('multiLine reads quoted newlines inside a field', async () => {
  const p = file('ml.csv', 'a,b\n1,"line one\nline two"\n2,x\n');
  const rows = await (await s.read.csv(p, { header: true, multiLine: true })).collect();
  assert.deepEqual(rows, [{ a: '1', b: 'line one\nline two' }, { a: '2', b: 'x' }]);
  const single = await (await s.read.schema('a string, b string').csv(p, { header: true, mode: 'DROPMALFORMED' })).collect();
  assert.deepEqual(single, [{ a: '2', b: 'x' }]);
});

test('write then read gives the same table: nulls, empty strings, unicode, quotes, every scalar type', async () => {
  const df = s.createDataFrame([
    { i: 1, l: 10n, f: 1.25, b: true, s: 'plain', t: new Date('2024-01-02T03:04:05.678Z') },
    { i: null, l: null, f: null, b: null, s: null, t: null },
    { i: -3, l: -(2n ** 40n), f: -0.5, b: false, s: '', t: new Date(0) },
    { i: 7, l: 0n, f: 1e-7, b: true, s: 'Zoë, "quoted"\nnewline ✓', t: new Date('1999-12-31T23:59:59Z') },
  ], 'i int, l long, f double, b boolean, s string, t timestamp', 3);
  const out = join(dir, 'rt');
  await df.write.mode('overwrite').csv(out, { header: true });
  assert.ok(existsSync(join(out, '_SUCCESS')));
  assert.deepEqual(readdirSync(out).filter(n => n.startsWith('part-')).length, 3);
  const back = await s.read.schema(df.schema).csv(out, { header: true, multiLine: true });
  assert.deepEqual(await back.collect(), await df.collect());
});

test('write mode error refuses an existing path; overwrite replaces it atomically', async () => {
  const out = join(dir, 'modes');
  const df = s.createDataFrame([{ x: 1 }]);
  await df.write.csv(out);
  await assert.rejects(df.write.csv(out), (e: Error & { code?: string }) => e.code === 'PATH_EXISTS' && /mode\('overwrite'\)/.test(e.message));
  await s.createDataFrame([{ x: 2 }], undefined, 1).write.mode('overwrite').csv(out);
  assert.deepEqual(readdirSync(out).sort(), ['.part-00000.csv.crc', '_SUCCESS', 'part-00000.csv']);
  assert.equal(readFileSync(join(out, 'part-00000.csv'), 'utf8'), '2\n');
  assert.deepEqual(readdirSync(dir).filter(n => n.includes('flint-tmp') || n.includes('flint-old')), []);
});

test('a failing write leaves nothing behind and says so', async () => {
  const out = join(dir, 'fails');
  const df = s.createDataFrame([{ v: [1, 2] }]);
  await assert.rejects(df.write.csv(out), /cannot be written as CSV/);
  assert.equal(existsSync(out), false);
  assert.deepEqual(readdirSync(dir).filter(n => n.includes('flint-tmp')), []);
  await assert.rejects(s.read.csv(join(dir, 'missing.csv')), (e: Error & { code?: string }) => e.code === 'INPUT_NOT_FOUND');
});

test('filters over a CSV scan read only matching rows', async () => {
  const df = await s.read.csv(file('f.csv', 'a,b\n1,x\n2,y\n3,z\n'), { header: true, inferSchema: true });
  assert.deepEqual(await df.filter(col('a').geq(2)).select('b').collect(), [{ b: 'y' }, { b: 'z' }]);
});

test('a cached DataFrame reads its source once: later actions work after the file is gone', async () => {
  const p = file('cached.csv', 'a,b\n1,x\n2,y\n3,z\n');
  const df = (await s.read.csv(p, { header: true, inferSchema: true })).cache();
  assert.equal(await df.count(), 3);
  const { rmSync } = await import('node:fs');
  rmSync(p);
  assert.deepEqual(await df.filter(col('a').gt(1)).select('b').collect(), [{ b: 'y' }, { b: 'z' }]);
  await df.unpersist();
  await assert.rejects(df.count(), /ENOENT|no such file/);
});

test('numbers parsed while scanning agree with the general parser at every edge', async () => {
  const text = 'i,d,t\n-12,0.125,x\n7,-3.5,y\r\n2147483648,1e3,z\n 4,5.,\n1.5,.25,w\n,-,v\n999999999999999,1234567890123456,u\n3,2.5';
  const df = await s.read.schema('i int, d double, t string').csv(file('edges.csv', text), { header: true });
  const rows = await df.collect();
  assert.deepEqual(rows.map(r => r.i), [-12, 7, null, 4, null, null, null, 3]);
  assert.deepEqual(rows.map(r => r.d), [0.125, -3.5, 1000, 5, 0.25, null, 1234567890123456, 2.5]);
  assert.deepEqual(rows.map(r => r.t), ['x', 'y', 'z', null, 'w', 'v', 'u', null]);
  const fail = await s.read.schema('i int, d double, t string').csv(file('edges2.csv', 'i,d,t\n1.5,2,a\n'), { header: true, mode: 'FAILFAST' });
  await assert.rejects(fail.collect(), /malformed record at .*edges2\.csv:2/);
});

test('an int column takes no decimal point or exponent and a double column no hex or binary prefix (they read as malformed)', async () => {
  const p = file('numsyntax.csv', 'a,b\n1.0,0x10\n1e3,1e3\n7,2.5\n 8 ,0b11\n"2.0","0x1"\n');
  const rows = await (await s.read.csv(p, { header: true, schema: 'a int, b double' })).collect();
  assert.deepEqual(rows, [{ a: null, b: null }, { a: null, b: 1000 }, { a: 7, b: 2.5 }, { a: 8, b: null }, { a: null, b: null }]);
  await assert.rejects(async () => (await s.read.csv(p, { header: true, schema: 'a int, b double', mode: 'FAILFAST' })).collect(), /malformed record/);
});

test('with a nullValue, a string equal to it is written quoted and reads back as that string, not null', async () => {
  const out = join(dir, 'nullvalue-out');
  const opts = { header: true, nullValue: 'NA' };
  await s.createDataFrame([{ v: 'NA' }, { v: null }, { v: '' }, { v: 'x' }], 'v string', 1).write.csv(out, opts);
  const rows = await (await s.read.csv(out, { ...opts, schema: 'v string' })).collect();
  assert.deepEqual(rows.map(r => r.v), ['NA', null, '', 'x']);
});
