/** Filter: evaluates a boolean predicate over a batch and keeps the rows where it is true (null counts as false). */
import type { RecordBatch } from 'apache-arrow';
import { batchColumns, makeBatch, take } from '../columns.ts';
import { exprName, type Expr } from '../column.ts';
import { SqlUserError } from '../errors.ts';
import { compileExpr, type Evaluator } from '../eval.ts';
import type { SchemaSpec } from '../types.ts';
import type { ExecContext, PhysicalOp } from './plan.ts';

/** The indices of rows where a bool column is true and valid. */
export function selectedRows(mask: { values: unknown; nullCount: number; nullBitmap?: Uint8Array }, n: number): Int32Array {
  const bits = mask.values as Uint8Array;
  const bm = mask.nullCount > 0 ? mask.nullBitmap : undefined;
  // Branch-free: every row writes its index and only selected rows advance k (a branch per row measured 3x slower).
  const idx = new Int32Array(n + 1);
  let k = 0;
  if (bm === undefined || bm.length === 0) {
    for (let i = 0; i < n; i++) { idx[k] = i; k += (bits[i >> 3] >> (i & 7)) & 1; }
  } else {
    for (let i = 0; i < n; i++) { idx[k] = i; k += (bits[i >> 3] >> (i & 7)) & (bm[i >> 3] >> (i & 7)) & 1; }
  }
  return idx.subarray(0, k);
}

export class FilterExec implements PhysicalOp {
  readonly name = 'Filter';
  readonly schema: SchemaSpec;
  readonly children: PhysicalOp[];
  readonly numPartitions: number;
  private readonly predicate: Evaluator;

  constructor(readonly child: PhysicalOp, readonly condition: Expr) {
    this.children = [child];
    this.schema = child.schema;
    this.numPartitions = child.numPartitions;
    this.predicate = compileExpr(condition, child.schema, 'filter');
    if (this.predicate.type !== 'bool') {
      throw new SqlUserError('TYPE_MISMATCH', `filter: the condition ${exprName(condition)} is ${this.predicate.type}, not bool`);
    }
  }

  async *execute(partition: number, ctx: ExecContext): AsyncIterable<RecordBatch> {
    for await (const batch of this.child.execute(partition, ctx)) {
      const n = batch.numRows;
      const cols = batchColumns(batch, this.schema);
      const idx = selectedRows(this.predicate.eval(cols, n), n);
      if (idx.length === n) { yield batch; continue; }
      if (idx.length === 0) continue;
      yield makeBatch(this.schema, cols.map((c, i) => take(c, this.schema[i].type, idx)), idx.length);
    }
  }
  estimatedBytes(): number | null {
    return this.child.estimatedBytes();
  }
  describe(): string {
    return `Filter ${exprName(this.condition)}`;
  }
}
