/** A cached DataFrame (df.cache()): its child runs once per partition and later actions read the kept batches. */
import type { RecordBatch } from 'apache-arrow';
import type { SchemaSpec } from '../types.ts';
import type { ExecContext, PhysicalOp } from './plan.ts';

export class CachedExec implements PhysicalOp {
  readonly name = 'Cached';
  readonly schema: SchemaSpec;
  readonly children: PhysicalOp[];
  readonly numPartitions: number;
  /** In process: the batches of each partition once computed (the engine runtime persists an RDD instead). */
  private readonly kept = new Map<number, RecordBatch[]>();

  constructor(readonly child: PhysicalOp) {
    this.children = [child];
    this.schema = child.schema;
    this.numPartitions = child.numPartitions;
  }

  async *execute(partition: number, ctx: ExecContext): AsyncIterable<RecordBatch> {
    let batches = this.kept.get(partition);
    if (batches === undefined) {
      batches = [];
      for await (const b of this.child.execute(partition, ctx)) if (b.numRows > 0) batches.push(b);
      this.kept.set(partition, batches);
    }
    yield* batches;
  }

  /** Drops the kept batches. */
  clear(): void {
    this.kept.clear();
  }

  estimatedBytes(): number | null {
    return this.child.estimatedBytes();
  }
  describe(): string {
    return 'Cached';
  }
}
