/** Sort kernels: the permutation that orders a batch's rows by several keys (ascending or descending, nulls first or last). */
import { bit, isValid, type Col } from './columns.ts';
import { compareUtf8, numbers } from './eval.ts';
import type { TypeName } from './types.ts';

/** One sort key over a column. */
export interface SortKey {
  col: Col;
  type: TypeName;
  ascending: boolean;
  nullsFirst: boolean;
}

/** Ascending comparison of non-null row i of `a` with row j of `b` (one type): NaN sorts after every number (as Spark). */
function valueComparator(a: Col, b: Col, t: TypeName): (i: number, j: number) => number {
  if (t === 'utf8') return (i, j) => compareUtf8(a, i, b, j);
  if (t === 'int64' || t === 'timestamp') {
    const x = a.values as BigInt64Array;
    const y = b.values as BigInt64Array;
    return (i, j) => (x[i] < y[j] ? -1 : x[i] > y[j] ? 1 : 0);
  }
  const x = numbers(a, t);
  const y = a === b ? x : numbers(b, t);
  return (i, j) => {
    const p = x[i];
    const q = y[j];
    if (p < q) return -1;
    if (p > q) return 1;
    if (p === q) return 0;
    return p !== p ? (q !== q ? 0 : 1) : -1;
  };
}

/** Row comparator over sort keys: negative when row i sorts before row j. NaN sorts after every number (as Spark). */
export function rowComparator(keys: SortKey[]): (i: number, j: number) => number {
  const cmps = keys.map(k => {
    const c = k.col;
    const hasNulls = c.nullCount > 0 && c.nullBitmap !== undefined && c.nullBitmap.length > 0;
    const bm = c.nullBitmap as Uint8Array;
    const dir = k.ascending ? 1 : -1;
    const nullSide = k.nullsFirst ? -1 : 1;
    const base = valueComparator(c, c, k.type);
    return (i: number, j: number): number => {
      if (hasNulls) {
        const vi = bit(bm, i);
        const vj = bit(bm, j);
        if (!vi || !vj) return vi === vj ? 0 : !vi ? nullSide : -nullSide;
      }
      return dir * base(i, j);
    };
  });
  return (i, j) => {
    for (const c of cmps) {
      const r = c(i, j);
      if (r !== 0) return r;
    }
    return i - j;
  };
}

/** The stable permutation of n rows ordered by the keys. */
export function sortIndices(keys: SortKey[], n: number): Int32Array {
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  if (keys.length === 1 && keys[0].col.nullCount === 0 && (keys[0].type === 'float64' || keys[0].type === 'int32' || keys[0].type === 'float32')) {
    const v = keys[0].col.values as Float64Array;
    const dir = keys[0].ascending ? 1 : -1;
    return idx.sort((i, j) => {
      const a = v[i];
      const b = v[j];
      if (a < b) return -dir;
      if (a > b) return dir;
      if (a === b) return i - j;
      return (a !== a ? (b !== b ? 0 : 1) : -1) * dir || i - j;
    });
  }
  return idx.sort(rowComparator(keys));
}

/**
 * Compares row i of columns `a` with row j of columns `b` (same key types) under sort orders: negative
 * when a's row sorts first. Used to place rows between range-partition bounds.
 */
export function crossComparator(a: Col[], b: Col[], types: TypeName[], orders: { ascending: boolean; nullsFirst: boolean }[]): (i: number, j: number) => number {
  const cmps = a.map((ca, k) => {
    const cb = b[k];
    const t = types[k];
    const dir = orders[k].ascending ? 1 : -1;
    const nullSide = orders[k].nullsFirst ? -1 : 1;
    const base = valueComparator(ca, cb, t);
    return (i: number, j: number): number => {
      const vi = isValid(ca, i);
      const vj = isValid(cb, j);
      if (!vi || !vj) return vi === vj ? 0 : !vi ? nullSide : -nullSide;
      return dir * base(i, j);
    };
  });
  return (i, j) => {
    for (const c of cmps) {
      const r = c(i, j);
      if (r !== 0) return r;
    }
    return 0;
  };
}
