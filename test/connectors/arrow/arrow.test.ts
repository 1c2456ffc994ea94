/** The Arrow IPC connector: files and streams, batch-group splits, and round trips. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import '../../../connectors/arrow/index.ts';
import { SqlSession, InProcessRuntime, count } from '../../../engine/sql/index.ts';

const s = new SqlSession(new InProcessRuntime({ parallelism: 2 }));
const dir = mkdtempSync(join(tmpdir(), 'flint-arrow-'));

test('write then read gives the same table (IPC file and IPC stream)', async () => {
  const df = s.createDataFrame([
    { i: 1, l: 3n, f: 0.25, b: true, s: '✓ unicode', t: new Date('2024-01-02T03:04:05Z'), v: [1, 2] },
    { i: null, l: null, f: null, b: null, s: null, t: null, v: null },
  ], 'i int, l long, f double, b boolean, s string, t timestamp, v vector[2]', 2);
  for (const ipcFormat of ['file', 'stream']) {
    const out = join(dir, `rt-${ipcFormat}`);
    await df.write.arrow(out, { ipcFormat });
    const back = await s.read.arrow(out);
    assert.deepEqual(back.schema, df.schema.map(f => ({ ...f, nullable: true })));
    assert.deepEqual(await back.collect(), await df.collect());
  }
});

test('IPC files split by record batches; dictionary strings and narrow ints read as utf8 and int32', async () => {
  const t = tableFromArrays({ k: new Int16Array([1, 2, 3, 1]), name: ['a', 'b', 'a', 'c'] });
  const batches = [t, t, t, t].flatMap(x => x.batches);
  const { Table } = await import('apache-arrow');
  const p = join(dir, 'multi.arrow');
  writeFileSync(p, tableToIPC(new Table(batches), 'file'));
  const df = await s.read.arrow(p, { minPartitions: 4 });
  assert.equal(df.numPartitions, 4);
  assert.deepEqual(df.dtypes, [['k', 'integer'], ['name', 'string']]);
  const rows = await df.groupBy('name').agg(count()).orderBy('name').collect();
  assert.deepEqual(rows, [{ name: 'a', 'count(1)': 8n }, { name: 'b', 'count(1)': 4n }, { name: 'c', 'count(1)': 4n }]);
});

test('a file that is not Arrow IPC fails naming it', async () => {
  const p = join(dir, 'junk.arrow');
  writeFileSync(p, 'hello');
  await assert.rejects(s.read.arrow(p), /arrow: '.*junk.arrow' is not an Arrow IPC file or stream/);
});

test('a scan joins small record batches into large ones, keeping row order and nulls', async () => {
  const { Table, Utf8, vectorFromArray } = await import('apache-arrow');
  const parts = Array.from({ length: 200 }, (_, b) => tableFromArrays({
    x: Int32Array.from({ length: 1000 }, (_, i) => b * 1000 + i),
    s: vectorFromArray(Array.from({ length: 1000 }, (_, i) => (i % 7 === 0 ? null : `r${b * 1000 + i}`)), new Utf8()) as unknown as string[],
  }));
  const p = join(dir, 'small-batches.arrow');
  writeFileSync(p, tableToIPC(new Table(parts.flatMap(t => t.batches)), 'file'));
  const df = await s.read.arrow(p, { minPartitions: 1 });
  const t = await df.toArrow();
  assert.equal(t.numRows, 200_000);
  assert.ok(t.batches.length <= 4, `expected a few coalesced batches, got ${t.batches.length}`);
  const xs = t.getChild('x')!.toArray() as Int32Array;
  for (let i = 0; i < xs.length; i++) if (xs[i] !== i) assert.fail(`row ${i} holds ${xs[i]}`);
  const ss = t.getChild('s')!;
  assert.equal(ss.get(7000), null);
  assert.equal(ss.get(7001), 'r7001');
});
