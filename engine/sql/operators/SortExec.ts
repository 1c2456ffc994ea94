/**
 * Sort: orders all rows of a partition by sort expressions. Past `flint.sql.sort.memoryBytes` of input it
 * sorts what it holds into a run file (Arrow IPC) and starts again; at the end it merges the runs,
 * reading each a chunk at a time, so memory stays near the budget. The DataFrame range-partitions rows
 * before a global sort, so partition order is the global order.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordBatch, RecordBatchFileWriter, RecordBatchReader } from 'apache-arrow';
import { batchBytes, batchColumns, bit, concatBatches, isValid, makeBatch, take, type Col } from '../columns.ts';
import { exprName, type Expr } from '../column.ts';
import { compareUtf8, compileExpr, type Evaluator } from '../eval.ts';
import { sortIndices } from '../sort.ts';
import type { SchemaSpec, TypeName } from '../types.ts';
import type { ExecContext, PhysicalOp } from './plan.ts';

/** One ordering: an expression, its direction and where nulls go. */
export interface SortOrder {
  expr: Expr;
  ascending: boolean;
  nullsFirst: boolean;
}

/** Default `flint.sql.sort.memoryBytes`: input held before a sorted run is spilled. */
export const DEFAULT_SORT_MEMORY = 256 * 1024 * 1024;

const CHUNK = 65536;

/** A run being merged: its reader, the current batch, its sort-key columns and the next row. */
interface Cursor {
  reader: { readRecordBatch(i: number): Promise<RecordBatch | null>; numRecordBatches: number };
  close(): Promise<void>;
  next: number;
  batch: RecordBatch | null;
  keys: Col[];
  row: number;
}

export class SortExec implements PhysicalOp {
  readonly name = 'Sort';
  readonly schema: SchemaSpec;
  readonly children: PhysicalOp[];
  readonly numPartitions: number;
  private readonly evals: Evaluator[];

  constructor(readonly child: PhysicalOp, readonly orders: SortOrder[]) {
    this.children = [child];
    this.schema = child.schema;
    this.numPartitions = child.numPartitions;
    this.evals = orders.map(o => compileExpr(o.expr, child.schema, 'orderBy'));
  }

  async *execute(partition: number, ctx: ExecContext): AsyncIterable<RecordBatch> {
    const budget = Number(ctx.conf('flint.sql.sort.memoryBytes') ?? DEFAULT_SORT_MEMORY);
    let pending: RecordBatch[] = [];
    let held = 0;
    const runs: string[] = [];
    let dir: string | null = null;
    try {
      for await (const b of this.child.execute(partition, ctx)) {
        if (b.numRows === 0) continue;
        pending.push(b);
        held += batchBytes(b);
        if (held > budget) {
          dir ??= mkdtempSync(join(tmpdir(), 'flint-sort-'));
          runs.push(await this.spill(pending, join(dir, `run-${runs.length}.arrow`)));
          pending = [];
          held = 0;
        }
      }
      if (runs.length === 0) {
        yield* this.sorted(pending);
        return;
      }
      if (pending.length > 0) runs.push(await this.spill(pending, join(dir!, `run-${runs.length}.arrow`)));
      pending = [];
      yield* this.merge(runs);
    } finally {
      if (dir !== null) rmSync(dir, { recursive: true, force: true });
    }
  }

  /** The batches' rows in order, in chunks. */
  private *sorted(batches: RecordBatch[]): Generator<RecordBatch> {
    if (batches.length === 0) return;
    const all = concatBatches(batches, this.schema);
    const n = all.numRows;
    const cols = batchColumns(all, this.schema);
    const keys = this.evals.map((e, i) => ({ col: e.eval(cols, n), type: e.type, ascending: this.orders[i].ascending, nullsFirst: this.orders[i].nullsFirst }));
    const idx = sortIndices(keys, n);
    for (let s = 0; s < n; s += CHUNK) {
      const part = idx.subarray(s, Math.min(n, s + CHUNK));
      yield makeBatch(this.schema, cols.map((c, k) => take(c, this.schema[k].type, part)), part.length);
    }
  }

  /** Sorts the batches into one run file. */
  private async spill(batches: RecordBatch[], file: string): Promise<string> {
    const writer = new RecordBatchFileWriter();
    for (const b of this.sorted(batches)) writer.write(b);
    writer.finish();
    await writeFile(file, writer.toUint8Array(true));
    return file;
  }

  private keyColumns(batch: RecordBatch): Col[] {
    const cols = batchColumns(batch, this.schema);
    return this.evals.map(e => e.eval(cols, batch.numRows));
  }

  /** k-way merge of the runs; ties go to the earlier run, so the sort stays stable. */
  private async *merge(files: string[]): AsyncGenerator<RecordBatch> {
    const cursors: Cursor[] = [];
    const types = this.evals.map(e => e.type);
    try {
      for (const f of files) {
        const fh = await open(f);
        const reader = (await RecordBatchReader.from(fh as never)) as unknown as Cursor['reader'] & { open(): Promise<unknown> };
        await reader.open();
        const c: Cursor = { reader, close: () => fh.close(), next: 0, batch: null, keys: [], row: 0 };
        await this.advance(c);
        cursors.push(c);
      }
      const picks = new Int32Array(CHUNK);
      const rows = new Int32Array(CHUNK);
      let m = 0;
      const flush = (): RecordBatch | null => {
        if (m === 0) return null;
        const live = cursors.filter(c => c.batch !== null);
        const offsets = new Map<Cursor, number>();
        let o = 0;
        for (const c of live) { offsets.set(c, o); o += c.batch!.numRows; }
        const all = concatBatches(live.map(c => c.batch!), this.schema);
        const idx = new Int32Array(m);
        for (let i = 0; i < m; i++) idx[i] = offsets.get(cursors[picks[i]])! + rows[i];
        const cols = batchColumns(all, this.schema);
        const out = makeBatch(this.schema, cols.map((c, k) => take(c, this.schema[k].type, idx)), m);
        m = 0;
        return out;
      };
      for (;;) {
        let best = -1;
        for (let c = 0; c < cursors.length; c++) {
          if (cursors[c].batch === null) continue;
          if (best < 0 || compareAcross(cursors[c], cursors[best], types, this.orders) < 0) best = c;
        }
        if (best < 0) break;
        const cur = cursors[best];
        picks[m] = best;
        rows[m++] = cur.row++;
        if (m === CHUNK || cur.row === cur.batch!.numRows) {
          const out = flush();
          if (out !== null) yield out;
        }
        if (cur.row === cur.batch!.numRows) await this.advance(cur);
      }
      const out = flush();
      if (out !== null) yield out;
    } finally {
      for (const c of cursors) await c.close();
    }
  }

  private async advance(c: Cursor): Promise<void> {
    c.batch = null;
    while (c.next < c.reader.numRecordBatches) {
      const b = await c.reader.readRecordBatch(c.next++);
      if (b !== null && b.numRows > 0) {
        c.batch = b;
        c.keys = this.keyColumns(b);
        c.row = 0;
        return;
      }
    }
  }

  estimatedBytes(): number | null {
    return this.child.estimatedBytes();
  }
  describe(): string {
    return `Sort [${this.orders.map(o => `${exprName(o.expr)} ${o.ascending ? 'ASC' : 'DESC'} NULLS ${o.nullsFirst ? 'FIRST' : 'LAST'}`).join(', ')}]`;
  }
}

/** Compares the current rows of two cursors under the sort orders (negative: a first). */
function compareAcross(a: Cursor, b: Cursor, types: TypeName[], orders: SortOrder[]): number {
  for (let k = 0; k < types.length; k++) {
    const ca = a.keys[k];
    const cb = b.keys[k];
    const i = a.row;
    const j = b.row;
    const va = isValid(ca, i);
    const vb = isValid(cb, j);
    if (!va || !vb) {
      if (va === vb) continue;
      const nullSide = orders[k].nullsFirst ? -1 : 1;
      return !va ? nullSide : -nullSide;
    }
    let r: number;
    const t = types[k];
    if (t === 'utf8') r = compareUtf8(ca, i, cb, j);
    else if (t === 'int64' || t === 'timestamp') {
      const x = (ca.values as BigInt64Array)[i];
      const y = (cb.values as BigInt64Array)[j];
      r = x < y ? -1 : x > y ? 1 : 0;
    } else if (t === 'bool') r = (bit(ca.values as Uint8Array, i) ? 1 : 0) - (bit(cb.values as Uint8Array, j) ? 1 : 0);
    else {
      const x = (ca.values as Float64Array)[i];
      const y = (cb.values as Float64Array)[j];
      r = x < y ? -1 : x > y ? 1 : x === y ? 0 : x !== x ? (y !== y ? 0 : 1) : -1;
    }
    if (r !== 0) return orders[k].ascending ? r : -r;
  }
  return 0;
}
