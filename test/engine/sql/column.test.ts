/** Column expressions evaluate column-at-a-time with SQL null semantics, and bad names or types fail at plan time. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SqlSession, col, lit, when, not, lower, upper, length, substring, split, regexpExtract, coalesce, abs,
} from '../../../engine/sql/index.ts';

const s = new SqlSession();
const people = () => s.createDataFrame([
  { id: 1, name: 'Ann', age: 34, score: 1.5 },
  { id: 2, name: 'bob', age: null, score: 2 },
  { id: 3, name: null, age: 19, score: null },
  { id: 4, name: 'Zoë Ünïcode', age: 51, score: -3.25 },
]);

test('arithmetic widens types, divides to float64 and yields null for null operands or division by zero', async () => {
  const rows = await people().select(
    col('id').plus(col('age')).alias('sum'),
    col('age').divide(2).alias('half'),
    col('score').multiply(col('id')).alias('prod'),
    col('id').divide(0).alias('inf'),
    col('age').mod(10).alias('m'),
  ).collect();
  assert.deepEqual(rows.map(r => r.sum), [35, null, 22, 55]);
  assert.deepEqual(rows.map(r => r.half), [17, null, 9.5, 25.5]);
  assert.deepEqual(rows.map(r => r.prod), [1.5, 4, null, -13]);
  assert.deepEqual(rows.map(r => r.inf), [null, null, null, null]);
  assert.deepEqual(rows.map(r => r.m), [4, null, 9, 1]);
});

test('column-with-number kernels keep nulls and agree with column-with-column ones', async () => {
  const rows = await people().select(
    col('score').plus(1).alias('p'), col('score').minus(0.5).alias('m'), col('score').multiply(2).alias('t'),
    col('score').gt(1.5).alias('gt'), col('score').geq(1.5).alias('ge'), col('age').lt(34).alias('lt'),
    col('age').leq(34).alias('le'), col('age').eq(19).alias('eq'), col('age').neq(19).alias('ne'),
    col('score').gt(lit(1.5)).alias('gt2'),
  ).collect();
  assert.deepEqual(rows.map(r => r.p), [2.5, 3, null, -2.25]);
  assert.deepEqual(rows.map(r => r.m), [1, 1.5, null, -3.75]);
  assert.deepEqual(rows.map(r => r.t), [3, 4, null, -6.5]);
  assert.deepEqual(rows.map(r => r.gt), [false, true, null, false]);
  assert.deepEqual(rows.map(r => r.ge), [true, true, null, false]);
  assert.deepEqual(rows.map(r => r.lt), [false, null, true, false]);
  assert.deepEqual(rows.map(r => r.le), [true, null, true, false]);
  assert.deepEqual(rows.map(r => r.eq), [false, null, true, false]);
  assert.deepEqual(rows.map(r => r.ne), [true, null, false, true]);
  assert.deepEqual(rows.map(r => r.gt2), rows.map(r => r.gt));
});

test('comparisons and three-valued and/or/not follow SQL', async () => {
  const rows = await people().select(
    col('age').gt(30).alias('old'),
    col('age').gt(30).and(col('score').gt(0)).alias('both'),
    col('age').gt(30).or(col('score').gt(0)).alias('either'),
    not(col('age').leq(30)).alias('notYoung'),
    col('name').eq('bob').alias('isBob'),
  ).collect();
  assert.deepEqual(rows.map(r => r.old), [true, null, false, true]);
  assert.deepEqual(rows.map(r => r.both), [true, null, false, false]);
  assert.deepEqual(rows.map(r => r.either), [true, true, null, true]);
  assert.deepEqual(rows.map(r => r.notYoung), [true, null, false, true]);
  assert.deepEqual(rows.map(r => r.isBob), [false, true, null, false]);
});

test('isNull, when/otherwise, coalesce and cast', async () => {
  const rows = await people().select(
    col('age').isNull().alias('n'),
    col('name').isNotNull().alias('nn'),
    when(col('age').lt(20), 'teen').when(col('age').lt(40), 'adult').otherwise('other').alias('band'),
    when(col('age').gt(40), col('score')).alias('w'),
    coalesce(col('age'), col('id')).alias('c'),
    col('score').cast('int').alias('si'),
    col('id').cast('string').alias('ss'),
    lit('12').cast('long').alias('l'),
    abs(col('score')).alias('a'),
  ).collect();
  assert.deepEqual(rows.map(r => r.n), [false, true, false, false]);
  assert.deepEqual(rows.map(r => r.nn), [true, true, false, true]);
  assert.deepEqual(rows.map(r => r.band), ['adult', 'other', 'teen', 'other']);
  assert.deepEqual(rows.map(r => r.w), [null, null, null, -3.25]);
  assert.deepEqual(rows.map(r => r.c), [34, 2, 19, 51]);
  assert.deepEqual(rows.map(r => r.si), [1, 2, null, -3]);
  assert.deepEqual(rows.map(r => r.ss), ['1', '2', '3', '4']);
  assert.deepEqual(rows.map(r => r.l), [12n, 12n, 12n, 12n]);
  assert.deepEqual(rows.map(r => r.a), [1.5, 2, null, 3.25]);
});

test('string functions work on unicode text', async () => {
  const rows = await people().select(
    lower('name').alias('lo'), upper(col('name')).alias('up'), length('name').alias('len'),
    substring('name', 2, 3).alias('sub'), split('name', '\\s+').alias('parts'),
    regexpExtract('name', '([A-Z])(\\w+)', 2).alias('re'),
  ).collect();
  assert.deepEqual(rows.map(r => r.lo), ['ann', 'bob', null, 'zoë ünïcode']);
  assert.deepEqual(rows.map(r => r.up), ['ANN', 'BOB', null, 'ZOË ÜNÏCODE']);
  assert.deepEqual(rows.map(r => r.len), [3, 3, null, 11]);
  assert.deepEqual(rows.map(r => r.sub), ['nn', 'ob', null, 'oë ']);
  assert.deepEqual(rows.map(r => r.parts), [['Ann'], ['bob'], null, ['Zoë', 'Ünïcode']]);
  assert.deepEqual(rows.map(r => r.re), ['nn', '', null, 'o']);
});

test('an unknown column fails at plan time naming the existing columns', () => {
  assert.throws(() => people().select(col('nope')), (e: Error & { code?: string }) =>
    e.code === 'UNRESOLVED_COLUMN' && /'nope'/.test(e.message) && /\[id, name, age, score\]/.test(e.message));
  assert.throws(() => people().filter(col('agee').gt(1)), /existing columns: \[id, name, age, score\]/);
  assert.throws(() => people().groupBy('x'), /UNRESOLVED|does not exist/);
  assert.throws(() => people().drop('x'), /does not exist/);
});

test('type errors fail at plan time', () => {
  assert.throws(() => people().select(col('name').plus(1)), (e: Error & { code?: string }) => e.code === 'TYPE_MISMATCH');
  assert.throws(() => people().filter(col('age')), /not bool/);
  assert.throws(() => people().select(col('name').gt(1)), /cannot compare utf8 with int32/);
});
