/** GroupTable: dense group ids by first appearance, on the direct-addressed int32 path, its hash fallback and the generic path. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildColumn, columnValues, type Col } from '../../../engine/sql/columns.ts';
import { GroupTable } from '../../../engine/sql/hash.ts';
import type { TypeName } from '../../../engine/sql/types.ts';

/** Group ids the way GroupTable must give them: a Map from key to order of first appearance. */
function reference(batches: unknown[][]): { ids: number[][]; keys: unknown[] } {
  const m = new Map<unknown, number>();
  const keys: unknown[] = [];
  const ids = batches.map(b => b.map(v => {
    let g = m.get(v);
    if (g === undefined) { g = m.size; m.set(v, g); keys.push(v); }
    return g;
  }));
  return { ids, keys };
}

function run(type: TypeName, batches: unknown[][]): { table: GroupTable; modes: string[] } {
  const table = new GroupTable([type]);
  const { ids, keys } = reference(batches);
  const modes: string[] = [];
  batches.forEach((b, i) => {
    const c: Col = buildColumn(type, b);
    assert.deepEqual(Array.from(table.groupIds([c], b.length)), ids[i], `batch ${i}`);
    modes.push(table.addressing);
  });
  assert.equal(table.size, keys.length);
  assert.deepEqual(columnValues(table.keyColumns()[0], type), keys);
  return { table, modes };
}

test('int32 keys over a small range are addressed directly, with nulls and negative keys', () => {
  const { table, modes } = run('int32', [[5, -3, 5, null, 7, -3], [100, null, -50, 5, 2000], [1999, -50, 0]]);
  assert.deepEqual(modes, ['direct', 'direct', 'direct']);
  const probe = buildColumn('int32', [5, 6, null, -50, -51, 2001, 100000]);
  assert.deepEqual(Array.from(table.lookup([probe], 7)), [0, -1, 2, 5, -1, -1, -1]);
});

test('a batch whose keys span a huge range moves the groups into the hash table and keeps their ids', () => {
  const { table, modes } = run('int32', [[1, 2, 3, null, 2], [3, 2 ** 30, -(2 ** 31), 1, null, 2 ** 31 - 1], [7, 2 ** 30, 8]]);
  assert.deepEqual(modes, ['direct', 'hash', 'hash']);
  const probe = buildColumn('int32', [2 ** 30, 4, null, -(2 ** 31), 2 ** 31 - 1]);
  assert.deepEqual(Array.from(table.lookup([probe], 5)), [4, -1, 3, 5, 6]);
});

test('a sparse first batch goes straight to the hash table; many groups survive the move', () => {
  assert.deepEqual(run('int32', [[0, 10_000_000, 20_000_000]]).modes, ['hash']);
  const dense = Array.from({ length: 50_000 }, (_, i) => (i * 7919) % 40_000);
  assert.deepEqual(run('int32', [dense, [...dense.slice(0, 100), 1 << 28]]).modes, ['direct', 'hash']);
});

test('int64 and float keys take the generic path with the same ids', () => {
  assert.equal(run('int64', [[1n, 2n, null, 1n, 2n ** 40n], [2n ** 40n, 3n]]).table.addressing, 'generic');
  assert.equal(run('float64', [[0.5, NaN, null, 0.5, NaN]]).table.addressing, 'generic');
});
