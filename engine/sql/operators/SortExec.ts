/** Sort: orders all rows of a partition by sort expressions (the DataFrame plans a single-partition exchange before a global sort). */
import type { RecordBatch } from 'apache-arrow';
import { batchColumns, concatBatches, makeBatch, take } from '../columns.ts';
import { exprName, type Expr } from '../column.ts';
import { compileExpr, type Evaluator } from '../eval.ts';
import { sortIndices } from '../sort.ts';
import type { SchemaSpec } from '../types.ts';
import type { ExecContext, PhysicalOp } from './plan.ts';

/** One ordering: an expression, its direction and where nulls go. */
export interface SortOrder {
  expr: Expr;
  ascending: boolean;
  nullsFirst: boolean;
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
    const batches: RecordBatch[] = [];
    for await (const b of this.child.execute(partition, ctx)) if (b.numRows > 0) batches.push(b);
    if (batches.length === 0) return;
    const all = concatBatches(batches, this.schema);
    const n = all.numRows;
    const cols = batchColumns(all, this.schema);
    const keys = this.evals.map((e, i) => ({ col: e.eval(cols, n), type: e.type, ascending: this.orders[i].ascending, nullsFirst: this.orders[i].nullsFirst }));
    const idx = sortIndices(keys, n);
    const CHUNK = 65536;
    for (let s = 0; s < n; s += CHUNK) {
      const part = idx.subarray(s, Math.min(n, s + CHUNK));
      yield makeBatch(this.schema, cols.map((c, k) => take(c, this.schema[k].type, part)), part.length);
    }
  }
  estimatedBytes(): number | null {
    return this.child.estimatedBytes();
  }
  describe(): string {
    return `Sort [${this.orders.map(o => `${exprName(o.expr)} ${o.ascending ? 'ASC' : 'DESC'} NULLS ${o.nullsFirst ? 'FIRST' : 'LAST'}`).join(', ')}]`;
  }
}
