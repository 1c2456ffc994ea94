/** FusedAccumulator: one shared row count per group, with nulls counted apart per aggregate. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildColumn, columnValues } from '../../../engine/sql/columns.ts';
import { FusedAccumulator } from '../../../engine/sql/fusedAgg.ts';

const aggs = [{ fn: 'sum' as const }, { fn: 'avg' as const }, { fn: 'count' as const }, { fn: 'count' as const }];
const argTypes = ['float64' as const, 'int32' as const, null, 'float64' as const];
const resultTypes = ['float64' as const, 'float64' as const, 'int64' as const, 'int64' as const];

test('batches with and without nulls in the same groups give per-aggregate counts, sums and averages', () => {
  const f = new FusedAccumulator(aggs, argTypes);
  // Batch 1, no nulls: groups 0, 1, 0.
  f.add(Int32Array.from([0, 1, 0]), 3, 2, [buildColumn('float64', [1, 2, 3]), buildColumn('int32', [10, 20, 30]), null, buildColumn('float64', [1, 1, 1])]);
  // Batch 2, nulls in a and c: groups 0, 1, 2, 2.
  f.add(Int32Array.from([0, 1, 2, 2]), 4, 3, [buildColumn('float64', [null, 5, null, null]), buildColumn('int32', [50, null, null, null]), null, buildColumn('float64', [null, 1, 1, null])]);
  const v = f.values(3, resultTypes).map((c, j) => columnValues(c, resultTypes[j]));
  assert.deepEqual(v[0], [4, 7, null]); // sum(a): group 2 saw only nulls
  assert.deepEqual(v[1], [30, 20, null]); // avg(b): (10 + 30 + 50) / 3, 20 / 1
  assert.deepEqual(v[2], [3n, 2n, 2n]); // count(*)
  assert.deepEqual(v[3], [2n, 2n, 1n]); // count(c)
  const st = f.states(3, resultTypes).map(c => columnValues(c, 'float64'));
  // sum(a) state, avg(b) sum and count, count(*), count(c)
  assert.deepEqual(st, [[4, 7, null], [90, 20, 0], [3, 1, 0], [3, 2, 2], [2, 2, 1]]);
});

test('counts become int64 exactly, past 2^32 as well', async () => {
  const { countsToInt64 } = await import('../../../engine/sql/aggregates.ts');
  const c = Float64Array.from([0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 5, 2 ** 53 - 1]);
  assert.deepEqual(Array.from(countsToInt64(c, 7)), [0n, 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 32n + 5n, 2n ** 53n - 1n, 0n]);
});
