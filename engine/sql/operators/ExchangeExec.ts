/**
 * An exchange: the shuffle boundary of a DataFrame plan. Map side, each child batch is cut into one
 * batch per output partition (by key hash, to a single partition, or round robin); the runtime moves
 * those pieces (as Arrow IPC bytes when they cross threads) and partition p of the exchange yields all
 * pieces for p. A broadcast exchange gives every consumer partition all of its child's rows.
 */
import type { RecordBatch } from 'apache-arrow';
import { batchColumns, makeBatch, take } from '../columns.ts';
import { exprName, type Expr } from '../column.ts';
import { compileExpr, type Evaluator } from '../eval.ts';
import { hashColumns } from '../hash.ts';
import type { SchemaSpec } from '../types.ts';
import type { ExecContext, PhysicalOp } from './plan.ts';

/** How an exchange distributes rows. */
export type Partitioning =
  | { kind: 'hash'; keys: Expr[]; numPartitions: number }
  | { kind: 'single' }
  | { kind: 'roundRobin'; numPartitions: number }
  | { kind: 'broadcast' };

let nextExchangeId = 0;

export class ExchangeExec implements PhysicalOp {
  readonly name = 'Exchange';
  readonly schema: SchemaSpec;
  readonly children: PhysicalOp[];
  readonly numPartitions: number;
  /** Unique within the process: runtimes key their shuffle outputs by it. */
  readonly id = nextExchangeId++;
  private readonly keyEvals: Evaluator[];

  constructor(readonly child: PhysicalOp, readonly partitioning: Partitioning) {
    this.children = [child];
    this.schema = child.schema;
    const p = partitioning;
    this.numPartitions = p.kind === 'hash' || p.kind === 'roundRobin' ? p.numPartitions : 1;
    this.keyEvals = p.kind === 'hash' ? p.keys.map(k => compileExpr(k, child.schema, 'exchange')) : [];
  }

  /** Output partitions the map side writes to (1 for broadcast: the one copy every consumer reads). */
  get mapOutputs(): number {
    return this.numPartitions;
  }

  execute(partition: number, ctx: ExecContext): AsyncIterable<RecordBatch> {
    return ctx.exchange(this, partition);
  }

  /** Map side: the pieces of one batch, index = output partition (an empty slot has no rows). `seq` rotates round robin. */
  partitionBatch(batch: RecordBatch, seq: number): (RecordBatch | null)[] {
    const n = batch.numRows;
    const N = this.mapOutputs;
    if (N === 1) return [n > 0 ? batch : null];
    const cols = batchColumns(batch, this.schema);
    const pids = new Int32Array(n);
    if (this.partitioning.kind === 'hash') {
      const h = hashColumns(this.keyEvals.map(e => e.eval(cols, n)), this.keyEvals.map(e => e.type), n);
      for (let i = 0; i < n; i++) pids[i] = h[i] % N;
    } else {
      for (let i = 0; i < n; i++) pids[i] = (i + seq) % N;
    }
    const counts = new Int32Array(N + 1);
    for (let i = 0; i < n; i++) counts[pids[i] + 1]++;
    for (let p = 0; p < N; p++) counts[p + 1] += counts[p];
    const order = new Int32Array(n);
    const fill = counts.slice(0, N);
    for (let i = 0; i < n; i++) order[fill[pids[i]]++] = i;
    const out: (RecordBatch | null)[] = [];
    for (let p = 0; p < N; p++) {
      const idx = order.subarray(counts[p], counts[p + 1]);
      out.push(idx.length === 0 ? null : makeBatch(this.schema, cols.map((c, k) => take(c, this.schema[k].type, idx)), idx.length));
    }
    return out;
  }

  estimatedBytes(): number | null {
    return this.child.estimatedBytes();
  }
  describe(): string {
    const p = this.partitioning;
    const how = p.kind === 'hash' ? `hash(${p.keys.map(exprName).join(', ')}) into ${p.numPartitions}` : p.kind === 'roundRobin' ? `roundRobin into ${p.numPartitions}` : p.kind;
    return `Exchange#${this.id} ${how}`;
  }
}
