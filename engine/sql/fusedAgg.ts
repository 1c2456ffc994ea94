/**
 * Fused accumulation for count, sum and avg over numeric columns: all of a group's accumulators sit side
 * by side in one Float64Array, so a row touches one cache line per group instead of one per aggregate.
 * It yields the same partial states and values as the aggregate table (aggregates.ts).
 */
import { fixedColumn, type Col } from './columns.ts';
import type { AggFnName } from './column.ts';
import { countsToInt64 } from './aggregates.ts';
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

/**
 * Per-group accumulators of fused aggregates. A group's block is [rows, sum of each sum/avg ...]: one row
 * count serves count(*), and every count(col), sum and avg whose argument had no nulls, so a row without
 * nulls updates 1 + (number of sums) doubles in one block. Nulls are counted apart, in `skipped[j]` (rows
 * where aggregate j's argument was null), allocated for an aggregate when its first null arrives; the
 * aggregate's count of values is rows - skipped[j].
 */
export class FusedAccumulator {
  private readonly kinds: Int32Array;
  /** Offset of aggregate j's sum in a group's block (sum and avg only; -1 otherwise). */
  private readonly offsets: Int32Array;
  private readonly width: number;
  private acc = new Float64Array(0);
  private readonly skipped: (Float64Array | null)[];

  constructor(private readonly aggs: { fn: AggFnName }[], private readonly argTypes: (TypeName | null)[]) {
    this.kinds = Int32Array.from(aggs.map((a, i) => (a.fn === 'count' ? (argTypes[i] === null ? COUNT_STAR : COUNT) : a.fn === 'sum' ? SUM : AVG)));
    const offs: number[] = [];
    let w = 1;
    for (const k of this.kinds) offs.push(k === SUM || k === AVG ? w++ : -1);
    this.offsets = Int32Array.from(offs);
    this.width = w;
    this.skipped = aggs.map(() => null);
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
    // One pass updates a row's count and sums while its group's block is in cache; a null-free argument
    // (the common case) needs nothing more. Null values add 0 to the sum and count as skipped.
    const vs: Float64Array[] = inputs.map((c, j) => {
      if (c === null || this.offsets[j] < 0) return new Float64Array(0);
      const v = numbers(c, this.argTypes[j]!);
      const f = v instanceof Float64Array ? v : Float64Array.from(v);
      if (c.nullCount === 0) return f;
      const bm = c.nullBitmap!;
      const z = new Float64Array(n);
      for (let i = 0; i < n; i++) z[i] = (bm[i >> 3] >> (i & 7)) & 1 ? f[i] : 0;
      return z;
    });
    if (numGroups === 1) {
      // One group (a global aggregate): sums run in a local variable rather than through memory.
      acc[0] += n;
      for (let j = 0; j < vs.length; j++) {
        const o = this.offsets[j];
        if (o < 0) continue;
        const v = vs[j];
        let t = 0;
        for (let i = 0; i < n; i++) t += v[i];
        acc[o] += t;
      }
    } else this.kernel()(gids, n, acc, vs);
    for (let j = 0; j < inputs.length; j++) {
      const c = inputs[j];
      if (c === null || c.nullCount === 0) continue;
      let sk = this.skipped[j];
      if (sk === null || sk.length < numGroups) {
        const a = new Float64Array(Math.max(numGroups, (sk?.length ?? 0) * 2));
        if (sk !== null) a.set(sk);
        this.skipped[j] = sk = a;
      }
      const bm = c.nullBitmap!;
      for (let i = 0; i < n; i++) if (((bm[i >> 3] >> (i & 7)) & 1) === 0) sk[gids[i]]++;
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
    const lines: string[] = ['acc[b]++;'];
    const vars: string[] = [];
    for (let j = 0; j < this.kinds.length; j++) {
      const o = this.offsets[j];
      if (o < 0) continue;
      vars.push(`const v${j} = vs[${j}];`);
      lines.push(`acc[b + ${o}] += v${j}[i];`);
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
      if (kind === COUNT_STAR || kind === COUNT) out.push(fixedColumn('float64', this.counts(numGroups, j), null));
      else if (kind === SUM) out.push(this.sumColumn(numGroups, j, resultTypes[j]));
      else out.push(fixedColumn('float64', this.sums(numGroups, j), null), fixedColumn('float64', this.counts(numGroups, j), null));
    }
    return out;
  }

  /** The final values, in the aggregate table's resultType. */
  values(numGroups: number, resultTypes: TypeName[]): Col[] {
    const out: Col[] = [];
    for (let j = 0; j < this.kinds.length; j++) {
      const kind = this.kinds[j];
      if (kind === COUNT_STAR || kind === COUNT) {
        out.push(fixedColumn('int64', countsToInt64(this.counts(numGroups, j), numGroups), null));
      } else if (kind === SUM) out.push(this.sumColumn(numGroups, j, resultTypes[j]));
      else {
        const s = this.sums(numGroups, j);
        const c = this.counts(numGroups, j);
        const valid = new Uint8Array(numGroups);
        for (let g = 0; g < numGroups; g++) if (c[g] > 0) { s[g] /= c[g]; valid[g] = 1; }
        out.push(fixedColumn('float64', s, valid));
      }
    }
    return out;
  }

  /** Aggregate j's sum per group. */
  private sums(numGroups: number, j: number): Float64Array {
    return this.field(numGroups, this.offsets[j]);
  }

  /** Aggregate j's count of non-null values per group: rows less the skipped nulls. */
  private counts(numGroups: number, j: number): Float64Array {
    const out = this.field(numGroups, 0);
    const sk = this.skipped[j];
    if (sk !== null) for (let g = 0; g < numGroups; g++) out[g] -= sk[g] ?? 0;
    return out;
  }

  private field(numGroups: number, o: number): Float64Array {
    const out = new Float64Array(numGroups);
    const W = this.width;
    const acc = this.acc;
    for (let g = 0; g < numGroups; g++) out[g] = acc[g * W + o] ?? 0;
    return out;
  }

  private sumColumn(numGroups: number, j: number, type: TypeName): Col {
    const s = this.sums(numGroups, j);
    const c = this.counts(numGroups, j);
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
