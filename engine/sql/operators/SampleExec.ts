/** Sample: a uniform reservoir sample of at most `size` rows per partition (seeded by partition), used to pick range-partition bounds. */
import type { RecordBatch } from 'apache-arrow';
import { concatBatches, takeBatch } from '../columns.ts';
import type { SchemaSpec } from '../types.ts';
import type { ExecContext, PhysicalOp } from './plan.ts';

export class SampleExec implements PhysicalOp {
  readonly name = 'Sample';
  readonly schema: SchemaSpec;
  readonly children: PhysicalOp[];
  readonly numPartitions: number;
  constructor(readonly child: PhysicalOp, readonly size: number) {
    this.children = [child];
    this.schema = child.schema;
    this.numPartitions = child.numPartitions;
  }
  async *execute(partition: number, ctx: ExecContext): AsyncIterable<RecordBatch> {
    // Reservoir sampling (Algorithm R) over (batch, row) pairs with a small deterministic generator.
    let seed = (partition + 1) * 0x9e3779b1;
    const rand = (): number => {
      seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
      return (seed >>> 0) / 4294967296;
    };
    // The reservoir is kept as one small batch: each input batch contributes only the rows it picked.
    let reservoir: RecordBatch | null = null;
    let seen = 0;
    for await (const b of this.child.execute(partition, ctx)) {
      const have = reservoir?.numRows ?? 0;
      const slots: number[] = [];
      const rows: number[] = [];
      let size = have;
      for (let i = 0; i < b.numRows; i++, seen++) {
        if (size < this.size) { slots.push(size++); rows.push(i); continue; }
        const j = Math.floor(rand() * (seen + 1));
        if (j < this.size) { slots.push(j); rows.push(i); }
      }
      if (rows.length === 0) continue;
      const picked = takeBatch(b, this.schema, Int32Array.from(rows));
      const both = reservoir === null ? picked : concatBatches([reservoir, picked], this.schema);
      const idx = new Int32Array(size);
      for (let s2 = 0; s2 < have; s2++) idx[s2] = s2;
      for (let k = 0; k < slots.length; k++) idx[slots[k]] = have + k;
      reservoir = takeBatch(both, this.schema, idx);
    }
    if (reservoir !== null) yield reservoir;
  }
  estimatedBytes(): number | null {
    return null;
  }
  describe(): string {
    return `Sample ${this.size} rows per partition`;
  }
}
