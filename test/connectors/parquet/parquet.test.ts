/** The Parquet connector: round trips of every type through parquet-wasm, row-group splits, and schema checks. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../../connectors/parquet/index.ts';
import { SqlSession, InProcessRuntime, col, sum } from '../../../engine/sql/index.ts';

const s = new SqlSession(new InProcessRuntime({ parallelism: 2 }));
const dir = mkdtempSync(join(tmpdir(), 'flint-parquet-'));

test('write then read gives the same table for every type, nulls and unicode included', async () => {
  const df = s.createDataFrame([
    { i: 1, l: 2n ** 60n, f32: 1.5, f: 0.1, b: true, s: 'Zoë ✓', t: new Date('2024-01-02T03:04:05.006Z'), v: [0.5, -1, 2] },
    { i: null, l: null, f32: null, f: null, b: null, s: null, t: null, v: null },
    { i: -1, l: -5n, f32: -2, f: NaN, b: false, s: '', t: new Date(0), v: [0, 0, 1] },
  ], 'i int, l long, f32 float, f double, b boolean, s string, t timestamp, v vector[3]', 2);
  const out = join(dir, 'rt');
  await df.write.parquet(out);
  assert.deepEqual(readdirSync(out).sort(), ['.part-00000.parquet.crc', '.part-00001.parquet.crc', '_SUCCESS', 'part-00000.parquet', 'part-00001.parquet'], 'each part file has its checksum sidecar');
  const back = await s.read.parquet(out);
  assert.deepEqual(back.schema.map(f => f.type), ['int32', 'int64', 'float32', 'float64', 'bool', 'utf8', 'timestamp', 'vector[3]']);
  assert.deepEqual(await back.collect(), await df.collect());
});

test('row groups become splits', async () => {
  const rows = Array.from({ length: 1000 }, (_, i) => ({ k: i % 10, x: i * 0.5 }));
  const out = join(dir, 'groups');
  await s.createDataFrame(rows, undefined, 1).write.parquet(out, { rowGroupRows: 100 });
  const df = await s.read.parquet(out, { minPartitions: 5 });
  assert.equal(df.numPartitions, 5);
  const [r] = await df.filter(col('k').eq(3)).agg(sum('x')).collect();
  assert.equal(r['sum(x)'], rows.filter(x => x.k === 3).reduce((a, b) => a + b.x, 0));
});

test('reading with a schema checks names and types against the file; garbage fails clearly', async () => {
  const out = join(dir, 'schema');
  await s.createDataFrame([{ a: 1, b: 'x' }]).write.parquet(out);
  const df = await s.read.schema('b string').parquet(out);
  assert.deepEqual(await df.collect(), [{ b: 'x' }]);
  const wrong = await s.read.schema('zz string').parquet(out);
  await assert.rejects(wrong.collect(), /column 'zz' is not in .*its columns: \[a, b\]/);
  const junk = join(dir, 'junk.parquet');
  writeFileSync(junk, 'not parquet at all');
  await assert.rejects(s.read.parquet(junk), /parquet: cannot read/);
});
