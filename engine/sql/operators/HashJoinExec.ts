/**
 * Hash join on equal key columns (a USING join): builds a hash table over the right child's partition
 * and streams the left child through it. Inner, left, right, full outer, left semi and left anti.
 * With a shuffle both children are hash-partitioned alike; with a broadcast the right child is a
 * broadcast exchange and the left keeps its partitioning (right and full joins never broadcast).
 */
import type { RecordBatch } from 'apache-arrow';
import { batchColumns, concatBatches, concatColumns, isValid, makeBatch, nullColumn, take, type Col } from '../columns.ts';
import { GroupTable } from '../hash.ts';
import type { FieldSpec, SchemaSpec, TypeName } from '../types.ts';
import type { ExecContext, PhysicalOp } from './plan.ts';

export type JoinType = 'inner' | 'left' | 'right' | 'full' | 'semi' | 'anti';

/** The build side of a join: the right rows, a table of their keys and a chain of rows per key. */
interface BuildSide {
  cols: Col[];
  n: number;
  table: GroupTable;
  head: Int32Array;
  next: Int32Array;
  /** Whether no key has two build rows. */
  unique: boolean;
  /** For unique int32 keys in a direct-addressed table: key - base to build row (-1: none). */
  rowByKey: { base: number; map: Int32Array } | null;
}

export class HashJoinExec implements PhysicalOp {
  readonly name = 'HashJoin';
  readonly schema: SchemaSpec;
  readonly children: PhysicalOp[];
  readonly numPartitions: number;
  private readonly leftKeyIdx: number[];
  private readonly rightKeyIdx: number[];
  private readonly leftRest: number[];
  private readonly rightRest: number[];
  private readonly keyTypes: TypeName[];
  private broadcastBuild: Promise<BuildSide> | null = null;

  /** `keys` name columns present in both children with equal types; `broadcast` says the right child is a broadcast exchange. */
  constructor(readonly left: PhysicalOp, readonly right: PhysicalOp, readonly keys: string[], readonly how: JoinType, readonly broadcast: boolean) {
    this.children = [left, right];
    this.numPartitions = left.numPartitions;
    this.leftKeyIdx = keys.map(k => left.schema.findIndex(f => f.name === k));
    this.rightKeyIdx = keys.map(k => right.schema.findIndex(f => f.name === k));
    this.keyTypes = this.leftKeyIdx.map(i => left.schema[i].type);
    this.leftRest = left.schema.map((_, i) => i).filter(i => !this.leftKeyIdx.includes(i));
    this.rightRest = right.schema.map((_, i) => i).filter(i => !this.rightKeyIdx.includes(i));
    if (how === 'semi' || how === 'anti') this.schema = left.schema;
    else {
      const nullableL = how === 'right' || how === 'full';
      const nullableR = how === 'left' || how === 'full';
      const keyFields: FieldSpec[] = this.leftKeyIdx.map(i => ({ ...left.schema[i], nullable: true }));
      this.schema = [
        ...keyFields,
        ...this.leftRest.map(i => ({ ...left.schema[i], nullable: left.schema[i].nullable || nullableL })),
        ...this.rightRest.map(i => ({ ...right.schema[i], nullable: right.schema[i].nullable || nullableR })),
      ];
    }
  }

  private async build(partition: number, ctx: ExecContext): Promise<BuildSide> {
    const batches: RecordBatch[] = [];
    for await (const b of this.right.execute(partition, ctx)) if (b.numRows > 0) batches.push(b);
    const all = concatBatches(batches, this.right.schema);
    const n = all.numRows;
    const cols = batchColumns(all, this.right.schema);
    const keyCols = this.rightKeyIdx.map(i => cols[i]);
    const table = new GroupTable(this.keyTypes);
    const gids = table.groupIds(keyCols, n);
    const head = new Int32Array(table.size).fill(-1);
    const next = new Int32Array(n).fill(-1);
    let unique = true;
    const nullKeys = keyCols.filter(c => c.nullCount > 0);
    for (let i = n - 1; i >= 0; i--) {
      if (nullKeys.length > 0 && !nullKeys.every(c => isValid(c, i))) continue;
      if (head[gids[i]] >= 0) unique = false;
      next[i] = head[gids[i]];
      head[gids[i]] = i;
    }
    return { cols, n, table, head, next, unique, rowByKey: unique ? table.directIndex(head) : null };
  }

  async *execute(partition: number, ctx: ExecContext): AsyncIterable<RecordBatch> {
    let side: BuildSide;
    if (this.broadcast) {
      this.broadcastBuild ??= this.build(0, ctx);
      side = await this.broadcastBuild;
    } else side = await this.build(partition, ctx);
    const matchedRight = this.how === 'right' || this.how === 'full' ? new Uint8Array(side.n) : null;
    for await (const batch of this.left.execute(partition, ctx)) {
      const n = batch.numRows;
      if (n === 0) continue;
      const cols = batchColumns(batch, this.left.schema);
      const keyCols = this.leftKeyIdx.map(i => cols[i]);
      const semiAnti = this.how === 'semi' || this.how === 'anti';
      // Unique int32 build keys in a direct table, no null probe keys: one load per row gives the build row.
      const direct = !semiAnti && side.rowByKey !== null && keyCols[0].nullCount === 0 ? side.rowByKey : null;
      const gids = direct !== null ? new Int32Array(0) : side.table.lookup(keyCols, n);
      if (direct === null) for (const c of keyCols) if (c.nullCount > 0) for (let i = 0; i < n; i++) if (!isValid(c, i)) gids[i] = -1;
      if (semiAnti) {
        const want = this.how === 'semi';
        const keep: number[] = [];
        for (let i = 0; i < n; i++) if ((gids[i] >= 0 && side.head[gids[i]] >= 0) === want) keep.push(i);
        if (keep.length === n) yield makeBatch(this.schema, cols, n);
        else if (keep.length > 0) {
          const idx = Int32Array.from(keep);
          yield makeBatch(this.schema, cols.map((c, k) => take(c, this.schema[k].type, idx)), keep.length);
        }
        continue;
      }
      const outer = this.how === 'left' || this.how === 'full';
      const head = side.head;
      const next = side.next;
      if (side.unique) {
        // Every build key has one row: a probe row yields at most one pair. The group ids become build rows
        // in place; when every probe row is kept (all matched, or an outer join) the left side is output
        // as it is, with no left index vector.
        let rows = gids;
        let matched = 0;
        if (direct !== null) {
          rows = new Int32Array(n);
          const v = keyCols[0].values as Int32Array;
          const { base, map } = direct;
          const len = map.length;
          for (let i = 0; i < n; i++) {
            const s = v[i] - base;
            const r = s >= 0 && s < len ? map[s] : -1;
            rows[i] = r;
            matched += r >= 0 ? 1 : 0;
          }
        } else {
          for (let i = 0; i < n; i++) {
            const g = rows[i];
            const r = g >= 0 ? head[g] : -1;
            rows[i] = r;
            matched += r >= 0 ? 1 : 0;
          }
        }
        if (matchedRight !== null) for (let i = 0; i < n; i++) if (rows[i] >= 0) matchedRight[rows[i]] = 1;
        if (matched === n || outer) {
          yield this.output(cols, side.cols, null, rows, false);
          continue;
        }
        if (matched === 0) continue;
        const li = new Int32Array(matched);
        const ri = new Int32Array(matched);
        let m = 0;
        for (let i = 0; i < n; i++) {
          const r = rows[i];
          if (r < 0) continue;
          li[m] = i;
          ri[m++] = r;
        }
        yield this.output(cols, side.cols, li, ri, false);
        continue;
      }
      let li = new Int32Array(n);
      let ri = new Int32Array(n);
      let m = 0;
      for (let i = 0; i < n; i++) {
        const g = gids[i];
        let r = g >= 0 ? head[g] : -1;
        if (r < 0 && !outer) continue;
        do {
          if (m === li.length) {
            const l2 = new Int32Array(m * 2); l2.set(li); li = l2;
            const r2 = new Int32Array(m * 2); r2.set(ri); ri = r2;
          }
          li[m] = i;
          ri[m++] = r;
          if (r >= 0) {
            if (matchedRight !== null) matchedRight[r] = 1;
            r = next[r];
          }
        } while (r >= 0);
      }
      if (m > 0) yield this.output(cols, side.cols, m === n && isIdentity(li, m) ? null : li.subarray(0, m), ri.subarray(0, m), false);
    }
    if (matchedRight !== null) {
      const ri: number[] = [];
      for (let r = 0; r < side.n; r++) if (matchedRight[r] === 0) ri.push(r);
      if (ri.length > 0) {
        const leftEmpty = this.left.schema.map(() => null as unknown as Col);
        yield this.output(leftEmpty, side.cols, new Int32Array(ri.length).fill(-1), Int32Array.from(ri), true);
      }
    }
  }

  /**
   * Output rows for index pairs (-1 = the null side); `li` null means every left row in order (the left
   * columns are output as they are). `rightOnly` rows take their key from the right.
   */
  private output(lcols: Col[], rcols: Col[], li: Int32Array | null, ri: Int32Array, rightOnly: boolean): RecordBatch {
    const n = ri.length;
    const L = this.left.schema;
    const R = this.right.schema;
    const out: Col[] = [];
    for (let k = 0; k < this.leftKeyIdx.length; k++) {
      const lk = this.leftKeyIdx[k];
      const rk = this.rightKeyIdx[k];
      const type = L[lk].type;
      if (rightOnly || this.how === 'right') out.push(take(rcols[rk], type, ri));
      else if (this.how === 'full' && li !== null && li.some(x => x < 0)) {
        // A full join's key is the left key where there is a left row, else the right key.
        const both = concatColumns([take(lcols[lk], type, li), take(rcols[rk], type, ri)], type);
        const idx = new Int32Array(n);
        for (let i = 0; i < n; i++) idx[i] = li[i] >= 0 ? i : n + i;
        out.push(take(both, type, idx));
      } else out.push(li === null ? lcols[lk] : take(lcols[lk], type, li));
    }
    for (const i of this.leftRest) out.push(rightOnly ? nullColumn(L[i].type, n) : li === null ? lcols[i] : take(lcols[i], L[i].type, li));
    for (const i of this.rightRest) out.push(take(rcols[i], R[i].type, ri));
    return makeBatch(this.schema, out, n);
  }

  estimatedBytes(): number | null {
    return null;
  }
  describe(): string {
    return `HashJoin ${this.how} using [${this.keys.join(', ')}]${this.broadcast ? ' (broadcast right)' : ''}`;
  }
}

/** Whether idx[0..m) is 0, 1, ..., m - 1 (every probe row matched once: its columns pass through uncopied). */
function isIdentity(idx: Int32Array, m: number): boolean {
  for (let i = 0; i < m; i++) if (idx[i] !== i) return false;
  return true;
}
