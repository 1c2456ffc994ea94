/** A leaf operator over batches held in memory (createDataFrame): partition p yields the batches given for p. */
import type { RecordBatch } from 'apache-arrow';
import { batchBytes } from '../columns.ts';
import type { SchemaSpec } from '../types.ts';
import type { ExecContext, PhysicalOp } from './plan.ts';

export class LocalBatchesExec implements PhysicalOp {
  readonly name = 'LocalBatches';
  readonly children: PhysicalOp[] = [];
  readonly numPartitions: number;
  constructor(readonly schema: SchemaSpec, readonly partitions: RecordBatch[][]) {
    this.numPartitions = partitions.length;
  }
  async *execute(partition: number, _ctx: ExecContext): AsyncIterable<RecordBatch> {
    for (const b of this.partitions[partition]) yield b;
  }
  estimatedBytes(): number {
    let total = 0;
    for (const p of this.partitions) for (const b of p) total += batchBytes(b);
    return total;
  }
  describe(): string {
    return `LocalBatches [${this.schema.map(f => f.name).join(', ')}] partitions=${this.numPartitions}`;
  }
}
