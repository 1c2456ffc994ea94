/** The physical operator contract: every DataFrame operator is one file implementing PhysicalOp, run lazily one partition at a time. */
import type { RecordBatch } from 'apache-arrow';
import type { SchemaSpec } from '../types.ts';

/** What an operator may ask of the runtime while it executes one partition. */
export interface ExecContext {
  /** A configuration value (e.g. 'flint.sql.shuffle.partitions'), or undefined. */
  conf(key: string): string | undefined;
  /**
   * The batches of one output partition of an exchange (a shuffle or broadcast boundary). The in-process
   * runner computes them itself; the engine runner reads them from the engine's shuffle.
   */
  exchange(op: PhysicalOp, partition: number): AsyncIterable<RecordBatch>;
  /** The batches of an Input leaf (set by the runner of a plan fragment on an executor). */
  input?(id: string, partition: number): AsyncIterable<RecordBatch>;
}

/**
 * A physical operator. `execute` returns a lazy stream: no work happens before the first batch is
 * pulled, and an error surfaces as the stream's rejection. Children are executed by their parent.
 */
export interface PhysicalOp {
  readonly name: string;
  readonly schema: SchemaSpec;
  readonly children: PhysicalOp[];
  /** How many output partitions execute(partition) accepts. */
  readonly numPartitions: number;
  execute(partition: number, ctx: ExecContext): AsyncIterable<RecordBatch>;
  /** Upper bound on the bytes this operator's output holds, when known (for broadcast decisions). */
  estimatedBytes(): number | null;
  /** One line describing the operator for explain(). */
  describe(): string;
}

/** Indents a plan tree as text (explain()). */
export function explainPlan(op: PhysicalOp, depth = 0): string {
  const line = `${'  '.repeat(depth)}${depth > 0 ? '+- ' : ''}${op.describe()}`;
  return [line, ...op.children.map(c => explainPlan(c, depth + 1))].join('\n');
}
