/** Union (all): the partitions of the first child, then those of the second, and so on; columns match by position. */
import type { RecordBatch } from 'apache-arrow';
import { batchColumns, makeBatch } from '../columns.ts';
import { castKernel } from '../eval.ts';
import type { SchemaSpec } from '../types.ts';
import type { ExecContext, PhysicalOp } from './plan.ts';

export class UnionExec implements PhysicalOp {
  readonly name = 'Union';
  readonly numPartitions: number;
  /** `schema` is the first child's names with types widened over all children (DataFrame.union checks they fit). */
  constructor(readonly children: PhysicalOp[], readonly schema: SchemaSpec) {
    this.numPartitions = children.reduce((s, c) => s + c.numPartitions, 0);
  }
  async *execute(partition: number, ctx: ExecContext): AsyncIterable<RecordBatch> {
    let p = partition;
    for (const child of this.children) {
      if (p < child.numPartitions) {
        for await (const b of child.execute(p, ctx)) {
          const cols = batchColumns(b, child.schema);
          const n = b.numRows;
          yield makeBatch(this.schema, cols.map((c, k) => castKernel(c, child.schema[k].type, this.schema[k].type, n)), n);
        }
        return;
      }
      p -= child.numPartitions;
    }
  }
  estimatedBytes(): number | null {
    let total = 0;
    for (const c of this.children) {
      const b = c.estimatedBytes();
      if (b === null) return null;
      total += b;
    }
    return total;
  }
  describe(): string {
    return `Union children=${this.children.length}`;
  }
}
