/**
 * Fused accumulation for count, sum and avg over numeric columns: all of a group's accumulators sit side
 * by side in one Float64Array, so a row touches one cache line per group instead of one per aggregate.
 * It yields the same partial states and values as the aggregate table (aggregates.ts).
 */
import { fixedColumn, type Col } from './columns.ts';
import type { AggFnName } from './column.ts';
import { numbers } from './eval.ts';
import { isNumeric, type TypeName } from './types.ts';

const COUNT_STAR = 0;
const COUNT = 1;
const SUM = 2;
const AVG = 3;

/** Whether every aggregate can be fused: count, and sum/avg of numeric (non-int64) columns. */
export function canFuse(aggs: { fn: AggFnName }[], argTypes: (TypeName | null)[]): boolean {
  return aggs.length > 0 && aggs.every((a, i) => a.fn === 'count'
    || ((a.fn === 'sum' || a.fn === 'avg') && argTypes[i] !== null && isNumeric(argTypes[i]!) && argTypes[i] !== 'int64'));
}

/** Per-group accumulators of fused aggregates. Layout per group: count -> [n]; sum and avg -> [sum, n]. */
export class FusedAccumulator {
  private readonly kinds: Int32Array;
  private readonly offsets: Int32Array;
  private readonly width: number;
  private acc = new Float64Array(0);

  constructor(private readonly aggs: { fn: AggFnName }[], private readonly argTypes: (TypeName | null)[]) {
    this.kinds = Int32Array.from(aggs.map((a, i) => (a.fn === 'count' ? (argTypes[i] === null ? COUNT_STAR : COUNT) : a.fn === 'sum' ? SUM : AVG)));
    const offs: number[] = [];
    let w = 0;
    for (const k of this.kinds) { offs.push(w); w += k === COUNT_STAR || k === COUNT ? 1 : 2; }
    this.offsets = Int32Array.from(offs);
    this.width = w;
  }

  /** Adds rows: row i into group gids[i]; inputs[j] is aggregate j's argument column (null for count(*)). */
  add(gids: Int32Array, n: number, numGroups: number, inputs: (Col | null)[]): void {
    const W = this.width;
    if (this.acc.length < numGroups * W) {
      const a = new Float64Array(Math.max(numGroups * W, this.acc.length * 2));
      a.set(this.acc);
      this.acc = a;
    }
    const acc = this.acc;
    const na = this.kinds.length;
    if (inputs.every(c => c === null || c.nullCount === 0)) {
      // No nulls: one pass over the rows updates all of a row's accumulators while its group's line is in cache.
      const vs: Float64Array[] = inputs.map((c, j) => {
        if (c === null || this.kinds[j] === COUNT) return new Float64Array(0);
        const v = numbers(c, this.argTypes[j]!);
        return v instanceof Float64Array ? v : Float64Array.from(v);
      });
      this.kernel()(gids, n, acc, vs);
      return;
    }
    for (let j = 0; j < na; j++) {
      const kind = this.kinds[j];
      const o = this.offsets[j];
      const c = inputs[j];
      if (kind === COUNT_STAR || (kind === COUNT && c!.nullCount === 0)) {
        for (let i = 0; i < n; i++) acc[gids[i] * W + o]++;
        continue;
      }
      const bm = c!.nullCount > 0 ? c!.nullBitmap : undefined;
      if (kind === COUNT) {
        for (let i = 0; i < n; i++) if ((bm![i >> 3] >> (i & 7)) & 1) acc[gids[i] * W + o]++;
        continue;
      }
      const v = numbers(c!, this.argTypes[j]!);
      if (bm === undefined) {
        for (let i = 0; i < n; i++) { const b = gids[i] * W + o; acc[b] += v[i]; acc[b + 1]++; }
      } else {
        for (let i = 0; i < n; i++) if ((bm[i >> 3] >> (i & 7)) & 1) { const b = gids[i] * W + o; acc[b] += v[i]; acc[b + 1]++; }
      }
    }
  }

  private compiled: ((gids: Int32Array, n: number, acc: Float64Array, vs: Float64Array[]) => void) | null = null;

  /**
   * The row loop for this layout, generated once with every accumulator update written out (Spark's
   * whole-stage codegen in miniature): a generic loop over the aggregates measured about 5x slower.
   */
  private kernel(): (gids: Int32Array, n: number, acc: Float64Array, vs: Float64Array[]) => void {
    if (this.compiled !== null) return this.compiled;
    const W = this.width;
    const lines: string[] = [];
    const vars: string[] = [];
    for (let j = 0; j < this.kinds.length; j++) {
      const o = this.offsets[j];
      if (this.kinds[j] <= COUNT) lines.push(`acc[b + ${o}]++;`);
      else {
        vars.push(`const v${j} = vs[${j}];`);
        lines.push(`acc[b + ${o}] += v${j}[i]; acc[b + ${o + 1}]++;`);
      }
    }
    const body = `${vars.join('\n')}\nfor (let i = 0; i < n; i++) {\n  const b = gids[i] * ${W};\n  ${lines.join('\n  ')}\n}`;
    this.compiled = new Function('gids', 'n', 'acc', 'vs', body) as (gids: Int32Array, n: number, acc: Float64Array, vs: Float64Array[]) => void;
    return this.compiled;
  }

  /** The partial states, in the aggregate table's stateTypes layout. */
  states(numGroups: number, resultTypes: TypeName[]): Col[] {
    const out: Col[] = [];
    for (let j = 0; j < this.kinds.length; j++) {
      const kind = this.kinds[j];
      if (kind === COUNT_STAR || kind === COUNT) out.push(fixedColumn('float64', this.column(numGroups, j, 0), null));
      else if (kind === SUM) out.push(this.sumColumn(numGroups, j, resultTypes[j]));
      else out.push(fixedColumn('float64', this.column(numGroups, j, 0), null), fixedColumn('float64', this.column(numGroups, j, 1), null));
    }
    return out;
  }

  /** The final values, in the aggregate table's resultType. */
  values(numGroups: number, resultTypes: TypeName[]): Col[] {
    const out: Col[] = [];
    for (let j = 0; j < this.kinds.length; j++) {
      const kind = this.kinds[j];
      if (kind === COUNT_STAR || kind === COUNT) {
        const c = this.column(numGroups, j, 0);
        const big = new BigInt64Array(numGroups);
        for (let g = 0; g < numGroups; g++) big[g] = BigInt(c[g]);
        out.push(fixedColumn('int64', big, null));
      } else if (kind === SUM) out.push(this.sumColumn(numGroups, j, resultTypes[j]));
      else {
        const s = this.column(numGroups, j, 0);
        const c = this.column(numGroups, j, 1);
        const valid = new Uint8Array(numGroups);
        for (let g = 0; g < numGroups; g++) if (c[g] > 0) { s[g] /= c[g]; valid[g] = 1; }
        out.push(fixedColumn('float64', s, valid));
      }
    }
    return out;
  }

  private column(numGroups: number, j: number, k: number): Float64Array {
    const out = new Float64Array(numGroups);
    const W = this.width;
    const o = this.offsets[j] + k;
    const acc = this.acc;
    for (let g = 0; g < numGroups; g++) out[g] = acc[g * W + o] ?? 0;
    return out;
  }

  private sumColumn(numGroups: number, j: number, type: TypeName): Col {
    const s = this.column(numGroups, j, 0);
    const c = this.column(numGroups, j, 1);
    const valid = new Uint8Array(numGroups);
    for (let g = 0; g < numGroups; g++) valid[g] = c[g] > 0 ? 1 : 0;
    if (type === 'int64') {
      const big = new BigInt64Array(numGroups);
      for (let g = 0; g < numGroups; g++) big[g] = BigInt(s[g]);
      return fixedColumn('int64', big, valid);
    }
    return fixedColumn('float64', s, valid);
  }
}
