/**
 * The aggregate table: each entry is data ({ resultType, stateTypes, create }) whose state offers
 * add (rows into groups), merge (partial states into groups), state (partials as columns for the
 * shuffle) and value (the final column) — combineByKey's shape, vectorized over a batch with group ids.
 */
import { buildColumn, fixedColumn, getValue, isValid, type Col } from './columns.ts';
import type { AggFnName } from './column.ts';
import { SqlUserError } from './errors.ts';
import { numbers } from './eval.ts';
import { isNumeric, type TypeName } from './types.ts';

/** The per-group state of one aggregate over one partition. */
export interface AggState {
  /** Adds rows: row i belongs to group gids[i]; `input` is the argument column (null for count(*)). */
  add(gids: Int32Array, n: number, numGroups: number, input: Col | null): void;
  /** Merges partial states (columns as `state` wrote them): row i's state goes into group gids[i]. */
  merge(gids: Int32Array, n: number, numGroups: number, state: Col[]): void;
  /** The partial state of groups [0, numGroups) as columns of `stateTypes`. */
  state(numGroups: number): Col[];
  /** The final value of groups [0, numGroups). */
  value(numGroups: number): Col;
}

/** One entry of the table. `input` is the argument's type (null for count(*)). */
export interface AggregateFunction {
  resultType(input: TypeName | null): TypeName;
  stateTypes(input: TypeName | null): TypeName[];
  create(input: TypeName | null): AggState;
}

function grow<T extends Float64Array | Uint8Array | BigInt64Array>(a: T, n: number): T {
  if (a.length >= n) return a;
  const b = new (a.constructor as { new(n: number): T })(Math.max(n, a.length * 2));
  b.set(a as never);
  return b;
}

/**
 * Counts (non-negative integers below 2^53, held as float64) as int64, written as int32 halves: a BigInt
 * per group would allocate one object per value.
 */
export function countsToInt64(counts: Float64Array, n: number): BigInt64Array {
  const out = new BigInt64Array(n);
  const w = new Int32Array(out.buffer);
  const m = Math.min(n, counts.length);
  for (let g = 0; g < m; g++) {
    const c = counts[g];
    w[2 * g] = c >>> 0;
    w[2 * g + 1] = (c / 4294967296) | 0;
  }
  return out;
}

function requireNumeric(name: string, t: TypeName | null): TypeName {
  if (t === null || !isNumeric(t)) throw new SqlUserError('TYPE_MISMATCH', `${name}() needs a numeric column, got ${t ?? 'none'}`);
  return t;
}

const countFn: AggregateFunction = {
  resultType: () => 'int64',
  // Partial counts travel as float64 (exact below 2^53): cheaper to merge than bigints.
  stateTypes: () => ['float64'],
  create: () => {
    let counts = new Float64Array(64);
    return {
      add(gids, n, numGroups, input) {
        counts = grow(counts, numGroups);
        if (input === null || input.nullCount === 0) for (let i = 0; i < n; i++) counts[gids[i]]++;
        else for (let i = 0; i < n; i++) if (isValid(input, i)) counts[gids[i]]++;
      },
      merge(gids, n, numGroups, [s]) {
        counts = grow(counts, numGroups);
        const v = s.values as Float64Array;
        for (let i = 0; i < n; i++) counts[gids[i]] += v[i];
      },
      state(numGroups) { return [fixedColumn('float64', counts.slice(0, numGroups), null)]; },
      value(numGroups) {
        return fixedColumn('int64', countsToInt64(counts, numGroups), null);
      },
    };
  },
};

const sumFn: AggregateFunction = {
  resultType: t => (requireNumeric('sum', t) === 'int32' || t === 'int64' ? 'int64' : 'float64'),
  stateTypes(t) { return [this.resultType(t)]; },
  create(t) {
    const type = this.resultType(t);
    let has = new Uint8Array(64);
    if (t === 'int64') {
      let sums = new BigInt64Array(64);
      return {
        add(gids, n, numGroups, input) {
          sums = grow(sums, numGroups); has = grow(has, numGroups);
          const v = input!.values as BigInt64Array;
          for (let i = 0; i < n; i++) if (isValid(input!, i)) { sums[gids[i]] += v[i]; has[gids[i]] = 1; }
        },
        merge(gids, n, numGroups, [s]) { this.add(gids, n, numGroups, s); },
        state(numGroups) { return [this.value(numGroups)]; },
        value(numGroups) { return fixedColumn('int64', sums.slice(0, numGroups).map(x => BigInt.asIntN(64, x)), has.slice(0, numGroups)); },
      };
    }
    let sums = new Float64Array(64);
    // While every value seen was non-null, every group has a sum: `has` is only kept after the first null.
    let allValid = true;
    let groupsSeen = 0;
    const noteNulls = (): void => {
      if (allValid) { has.fill(1, 0, groupsSeen); allValid = false; }
    };
    return {
      add(gids, n, numGroups, input) {
        sums = grow(sums, numGroups); has = grow(has, numGroups);
        const v = numbers(input!, t!);
        if (input!.nullCount === 0) {
          if (allValid) for (let i = 0; i < n; i++) sums[gids[i]] += v[i];
          else for (let i = 0; i < n; i++) { const g = gids[i]; sums[g] += v[i]; has[g] = 1; }
        } else {
          noteNulls();
          for (let i = 0; i < n; i++) if (isValid(input!, i)) { const g = gids[i]; sums[g] += v[i]; has[g] = 1; }
        }
        groupsSeen = Math.max(groupsSeen, numGroups);
      },
      merge(gids, n, numGroups, [s]) {
        sums = grow(sums, numGroups); has = grow(has, numGroups);
        noteNulls();
        const v = numbers(s, type);
        if (s.nullCount === 0) for (let i = 0; i < n; i++) { const g = gids[i]; sums[g] += v[i]; has[g] = 1; }
        else for (let i = 0; i < n; i++) if (isValid(s, i)) { sums[gids[i]] += v[i]; has[gids[i]] = 1; }
        groupsSeen = Math.max(groupsSeen, numGroups);
      },
      state(numGroups) { return [this.value(numGroups)]; },
      value(numGroups) {
        if (allValid) has.fill(1, 0, Math.min(groupsSeen, numGroups));
        if (type === 'int64') {
          const out = new BigInt64Array(numGroups);
          for (let g = 0; g < numGroups; g++) out[g] = BigInt(sums[g]);
          return fixedColumn('int64', out, has.slice(0, numGroups));
        }
        return fixedColumn('float64', sums.slice(0, numGroups), has.slice(0, numGroups));
      },
    };
  },
};

const avgFn: AggregateFunction = {
  resultType: t => { requireNumeric('avg', t); return 'float64'; },
  stateTypes: () => ['float64', 'float64'],
  create(t) {
    let sums = new Float64Array(64);
    let counts = new Float64Array(64);
    return {
      add(gids, n, numGroups, input) {
        sums = grow(sums, numGroups); counts = grow(counts, numGroups);
        const v = numbers(input!, t!);
        if (input!.nullCount === 0) for (let i = 0; i < n; i++) { const g = gids[i]; sums[g] += v[i]; counts[g]++; }
        else for (let i = 0; i < n; i++) if (isValid(input!, i)) { const g = gids[i]; sums[g] += v[i]; counts[g]++; }
      },
      merge(gids, n, numGroups, [s, c]) {
        sums = grow(sums, numGroups); counts = grow(counts, numGroups);
        const sv = s.values as Float64Array;
        const cv = c.values as Float64Array;
        for (let i = 0; i < n; i++) { sums[gids[i]] += sv[i]; counts[gids[i]] += cv[i]; }
      },
      state(numGroups) {
        return [fixedColumn('float64', sums.slice(0, numGroups), null), fixedColumn('float64', counts.slice(0, numGroups), null)];
      },
      value(numGroups) {
        const out = new Float64Array(numGroups);
        const valid = new Uint8Array(numGroups);
        for (let g = 0; g < numGroups; g++) if (counts[g] > 0) { out[g] = sums[g] / counts[g]; valid[g] = 1; }
        return fixedColumn('float64', out, valid);
      },
    };
  },
};

function extremum(name: 'min' | 'max'): AggregateFunction {
  // NaN is greater than every other number (as Spark, and as sort.ts orders it): min skips it unless
  // every value is NaN, max gives NaN when any value is, whatever order the rows come in.
  const better = name === 'min' ? (a: number, b: number) => a < b || b !== b : (a: number, b: number) => a > b || a !== a;
  return {
    resultType: t => {
      if (t === null || !(isNumeric(t) || t === 'utf8' || t === 'timestamp' || t === 'bool')) {
        throw new SqlUserError('TYPE_MISMATCH', `${name}() needs a numeric, string, bool or timestamp column, got ${t ?? 'none'}`);
      }
      return t;
    },
    stateTypes(t) { return [this.resultType(t)]; },
    create(t) {
      const type = this.resultType(t);
      if (type === 'utf8' || type === 'int64' || type === 'timestamp') {
        const vals: (string | bigint | undefined)[] = [];
        const add = (gids: Int32Array, n: number, input: Col): void => {
          for (let i = 0; i < n; i++) {
            if (!isValid(input, i)) continue;
            const v = type === 'utf8' ? getValue(input, type, i) as string : (input.values as BigInt64Array)[i];
            const cur = vals[gids[i]];
            if (cur === undefined || (name === 'min' ? v < cur : v > cur)) vals[gids[i]] = v;
          }
        };
        return {
          add(gids, n, _g, input) { add(gids, n, input!); },
          merge(gids, n, _g, [s]) { add(gids, n, s); },
          state(numGroups) { return [this.value(numGroups)]; },
          value(numGroups) {
            const out = new Array<unknown>(numGroups);
            for (let g = 0; g < numGroups; g++) out[g] = vals[g] ?? null;
            return buildColumn(type, out);
          },
        };
      }
      let vals = new Float64Array(64);
      let has = new Uint8Array(64);
      const add = (gids: Int32Array, n: number, numGroups: number, input: Col): void => {
        vals = grow(vals, numGroups); has = grow(has, numGroups);
        const v = numbers(input, type);
        for (let i = 0; i < n; i++) {
          if (!isValid(input, i)) continue;
          const g = gids[i];
          if (has[g] === 0 || better(v[i], vals[g])) { vals[g] = v[i]; has[g] = 1; }
        }
      };
      return {
        add(gids, n, numGroups, input) { add(gids, n, numGroups, input!); },
        merge(gids, n, numGroups, [s]) { add(gids, n, numGroups, s); },
        state(numGroups) { return [this.value(numGroups)]; },
        value(numGroups) {
          const out = new Array<unknown>(numGroups);
          for (let g = 0; g < numGroups; g++) out[g] = has[g] ? (type === 'bool' ? vals[g] === 1 : vals[g]) : null;
          return buildColumn(type, out);
        },
      };
    },
  };
}

const firstFn: AggregateFunction = {
  resultType: t => t ?? 'int64',
  stateTypes: t => [t ?? 'int64', 'bool'],
  create(t) {
    const type = t!;
    const vals: unknown[] = [];
    let seen = new Uint8Array(64);
    return {
      add(gids, n, numGroups, input) {
        seen = grow(seen, numGroups);
        for (let i = 0; i < n; i++) if (seen[gids[i]] === 0) { seen[gids[i]] = 1; vals[gids[i]] = getValue(input!, type, i); }
      },
      merge(gids, n, numGroups, [s, sn]) {
        seen = grow(seen, numGroups);
        for (let i = 0; i < n; i++) {
          if (seen[gids[i]] === 0 && getValue(sn, 'bool', i) === true) { seen[gids[i]] = 1; vals[gids[i]] = getValue(s, type, i); }
        }
      },
      state(numGroups) {
        const sn = new Array<unknown>(numGroups);
        for (let g = 0; g < numGroups; g++) sn[g] = seen[g] === 1;
        return [this.value(numGroups), buildColumn('bool', sn)];
      },
      value(numGroups) {
        const out = new Array<unknown>(numGroups);
        for (let g = 0; g < numGroups; g++) out[g] = vals[g] ?? null;
        return buildColumn(type, out);
      },
    };
  },
};

const collectListFn: AggregateFunction = {
  resultType: t => `list<${t}>`,
  stateTypes: t => [`list<${t}>`],
  create(t) {
    const type = t!;
    const lists: unknown[][] = [];
    return {
      add(gids, n, _g, input) {
        for (let i = 0; i < n; i++) {
          if (!isValid(input!, i)) continue;
          (lists[gids[i]] ??= []).push(getValue(input!, type, i));
        }
      },
      merge(gids, n, _g, [s]) {
        for (let i = 0; i < n; i++) {
          const part = getValue(s, `list<${type}>`, i) as unknown[] | null;
          if (part !== null) (lists[gids[i]] ??= []).push(...part);
        }
      },
      state(numGroups) { return [this.value(numGroups)]; },
      value(numGroups) {
        const out = new Array<unknown>(numGroups);
        for (let g = 0; g < numGroups; g++) out[g] = lists[g] ?? [];
        return buildColumn(`list<${type}>`, out);
      },
    };
  },
};

const countDistinctFn: AggregateFunction = {
  resultType: () => 'int64',
  stateTypes: t => [`list<${t}>`],
  create(t) {
    const type = t!;
    if (type.startsWith('vector') || type.startsWith('list')) {
      throw new SqlUserError('TYPE_MISMATCH', `countDistinct() cannot count values of type ${type}`);
    }
    const sets: Set<unknown>[] = [];
    const keyOf = (v: unknown): unknown => (v instanceof Date ? v.getTime() : v);
    return {
      add(gids, n, _g, input) {
        for (let i = 0; i < n; i++) {
          if (!isValid(input!, i)) continue;
          (sets[gids[i]] ??= new Set()).add(keyOf(getValue(input!, type, i)));
        }
      },
      merge(gids, n, _g, [s]) {
        for (let i = 0; i < n; i++) {
          const part = getValue(s, `list<${type}>`, i) as unknown[] | null;
          if (part === null) continue;
          const set = (sets[gids[i]] ??= new Set());
          for (const v of part) set.add(keyOf(v));
        }
      },
      state(numGroups) {
        const out = new Array<unknown>(numGroups);
        for (let g = 0; g < numGroups; g++) out[g] = [...(sets[g] ?? [])];
        return [buildColumn(`list<${type}>`, out)];
      },
      value(numGroups) {
        const out = new BigInt64Array(numGroups);
        for (let g = 0; g < numGroups; g++) out[g] = BigInt(sets[g]?.size ?? 0);
        return fixedColumn('int64', out, null);
      },
    };
  },
};

/** The aggregate table, by name. */
export const AGGREGATES: Record<AggFnName, AggregateFunction> = {
  count: countFn,
  countDistinct: countDistinctFn,
  sum: sumFn,
  avg: avgFn,
  min: extremum('min'),
  max: extremum('max'),
  first: firstFn,
  collectList: collectListFn,
};
