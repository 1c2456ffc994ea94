/** Projection: computes each output column of a batch from expressions over the input columns, a column at a time. */
import type { RecordBatch } from 'apache-arrow';
import { batchColumns, makeBatch } from '../columns.ts';
import { exprName, type Expr } from '../column.ts';
import { compileExpr, type Evaluator } from '../eval.ts';
import type { SchemaSpec } from '../types.ts';
import type { ExecContext, PhysicalOp } from './plan.ts';

export class ProjectExec implements PhysicalOp {
  readonly name = 'Project';
  readonly schema: SchemaSpec;
  readonly children: PhysicalOp[];
  readonly numPartitions: number;
  private readonly evals: Evaluator[];

  /** Compiles every expression now, so an unknown column fails at plan time. `names` gives each output's name. */
  constructor(readonly child: PhysicalOp, readonly exprs: Expr[], readonly names: string[]) {
    this.children = [child];
    this.numPartitions = child.numPartitions;
    this.evals = exprs.map(e => compileExpr(e, child.schema, 'select'));
    this.schema = this.evals.map((ev, i) => ({ name: names[i], type: ev.type, nullable: true }));
    const inSchema = child.schema;
    for (let i = 0; i < exprs.length; i++) {
      const e = exprs[i];
      if (e.op === 'col') this.schema[i].nullable = inSchema.find(f => f.name === e.name)!.nullable;
    }
  }

  async *execute(partition: number, ctx: ExecContext): AsyncIterable<RecordBatch> {
    const inSchema = this.child.schema;
    for await (const batch of this.child.execute(partition, ctx)) {
      const cols = batchColumns(batch, inSchema);
      const n = batch.numRows;
      yield makeBatch(this.schema, this.evals.map(ev => ev.eval(cols, n)), n);
    }
  }
  estimatedBytes(): number | null {
    return this.child.estimatedBytes();
  }
  describe(): string {
    return `Project [${this.exprs.map((e, i) => (exprName(e) === this.names[i] ? this.names[i] : `${exprName(e)} AS ${this.names[i]}`)).join(', ')}]`;
  }
}
