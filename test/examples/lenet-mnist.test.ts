/** The flagship example (what `npm start` runs) trains LeNet-5 distributed on the npm digits, infers as a map stage, saves ONNX and writes the predictions as Parquet (read back with DuckDB). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

test('the flagship example trains distributed to a useful accuracy, writes a loadable ONNX file and the predictions with their ids as Parquet', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-example-'));
  try {
    const out = execFileSync(process.execPath,
      ['--import', 'tsx', 'examples/lenet-mnist.ts', '--digits', '--epochs', '2', '--out', dir],
      { encoding: 'utf8', timeout: 180_000 });
    assert.match(out, /distributed on 2 slots/);
    const m = /test accuracy: ([\d.]+)% of (\d+)/.exec(out);
    assert.ok(m, `no accuracy line in:\n${out}`);
    assert.equal(Number(m[2]), 2000);
    assert.ok(Number(m[1]) > 85, `accuracy ${m[1]}% after 2 epochs on 8,000 digits`);
    assert.ok(existsSync(join(dir, 'lenet.onnx')));

    // the Parquet output, read by an independent engine
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    const glob = join(dir, 'predictions.parquet', '*.parquet').replaceAll("'", "''");
    const r = await con.runAndReadAll(`select count(*)::int, count(distinct id)::int, min(id)::int, max(id)::int, avg(correct)::double, sum(case when (label = predicted) <> (correct = 1) then 1 else 0 end)::int from read_parquet('${glob}')`);
    const [rows, ids, minId, maxId, acc, inconsistent] = r.getRows()[0] as number[];
    assert.deepEqual([rows, ids, minId, maxId, inconsistent], [2000, 2000, 0, 1999, 0]);
    assert.ok(Math.abs(acc * 100 - Number(m[1])) < 0.01, `Parquet accuracy ${acc} vs printed ${m[1]}%`);
    con.closeSync();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
