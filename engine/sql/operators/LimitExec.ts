/** Limit: yields at most n rows of a partition and stops pulling its child once it has them. */
import type { RecordBatch } from 'apache-arrow';
import { batchColumns, makeBatch, sliceColumn } from '../columns.ts';
import type { SchemaSpec } from '../types.ts';
import type { ExecContext, PhysicalOp } from './plan.ts';

export class LimitExec implements PhysicalOp {
  readonly name = 'Limit';
  readonly schema: SchemaSpec;
  readonly children: PhysicalOp[];
  readonly numPartitions: number;
  constructor(readonly child: PhysicalOp, readonly limit: number) {
    this.children = [child];
    this.schema = child.schema;
    this.numPartitions = child.numPartitions;
  }
  async *execute(partition: number, ctx: ExecContext): AsyncIterable<RecordBatch> {
    let left = this.limit;
    if (left <= 0) return;
    for await (const b of this.child.execute(partition, ctx)) {
      if (b.numRows <= left) { yield b; left -= b.numRows; } else {
        const cols = batchColumns(b, this.schema);
        yield makeBatch(this.schema, cols.map((c, k) => sliceColumn(c, this.schema[k].type, 0, left)), left);
        left = 0;
      }
      if (left === 0) return;
    }
  }
  estimatedBytes(): number | null {
    return this.child.estimatedBytes();
  }
  describe(): string {
    return `Limit ${this.limit}`;
  }
}
