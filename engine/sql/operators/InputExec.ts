/** A leaf standing for batches that arrive from outside the plan fragment (a shuffle, a broadcast or a unioned RDD), read from the ExecContext by id. */
import type { RecordBatch } from 'apache-arrow';
import { SqlInternalError } from '../errors.ts';
import type { SchemaSpec } from '../types.ts';
import type { ExecContext, PhysicalOp } from './plan.ts';

export class InputExec implements PhysicalOp {
  readonly name = 'Input';
  readonly children: PhysicalOp[] = [];
  constructor(readonly id: string, readonly schema: SchemaSpec, readonly numPartitions: number) {}
  execute(partition: number, ctx: ExecContext): AsyncIterable<RecordBatch> {
    if (ctx.input === undefined) throw new SqlInternalError(`Input ${this.id} executed outside a fragment runner`);
    return ctx.input(this.id, partition);
  }
  estimatedBytes(): number | null {
    return null;
  }
  describe(): string {
    return `Input ${this.id} [${this.schema.map(f => f.name).join(', ')}]`;
  }
}
