/** Runtimes that execute a physical plan: the in-process runtime runs every partition on the calling thread and moves exchange output in memory. */
import type { RecordBatch } from 'apache-arrow';
import { SqlInternalError } from './errors.ts';
import { ExchangeExec } from './operators/ExchangeExec.ts';
import { sampleRangeBounds } from './rangeBounds.ts';
import type { ExecContext, PhysicalOp } from './operators/plan.ts';
import { countRows, drain, writePartition, type WriteJob } from './tasks.ts';

/** What a DataFrame needs from whatever runs its plans. */
export interface SqlRuntime {
  readonly defaultParallelism: number;
  conf(key: string): string | undefined;
  /** The non-empty batches of every partition of `op`, in partition order. */
  collect(op: PhysicalOp): Promise<RecordBatch[][]>;
  /** The number of rows of every partition of `op`. */
  count(op: PhysicalOp): Promise<number[]>;
  /** Writes every partition of `op` as a part file (see WriteJob); returns rows written per partition. */
  write(op: PhysicalOp, job: WriteJob): Promise<number[]>;
}

/**
 * Runs plans in this thread. Exchanges are computed once per plan run: their child partitions run,
 * each batch is cut by `partitionBatch`, and the pieces are held in memory until the consumers read them.
 * It has no spill: it is the runtime for tests, small data and a context without executors.
 */
export class InProcessRuntime implements SqlRuntime {
  readonly defaultParallelism: number;
  private readonly settings: Map<string, string>;

  constructor(options: { parallelism?: number; conf?: Record<string, string | number> } = {}) {
    this.defaultParallelism = options.parallelism ?? 2;
    this.settings = new Map(Object.entries(options.conf ?? {}).map(([k, v]) => [k, String(v)]));
  }

  conf(key: string): string | undefined {
    return this.settings.get(key);
  }

  collect(op: PhysicalOp): Promise<RecordBatch[][]> {
    return this.runPartitions(op, drain);
  }

  count(op: PhysicalOp): Promise<number[]> {
    return this.runPartitions(op, countRows);
  }

  write(op: PhysicalOp, job: WriteJob): Promise<number[]> {
    return this.runPartitions(op, (batches, p) => writePartition(batches, p, job));
  }

  private async runPartitions<T>(op: PhysicalOp, task: (batches: AsyncIterable<RecordBatch>, partition: number) => Promise<T>): Promise<T[]> {
    const ctx = new InProcessContext(this);
    const out: T[] = [];
    for (let p = 0; p < op.numPartitions; p++) out.push(await task(op.execute(p, ctx), p));
    return out;
  }
}

/** The ExecContext of one plan run in process: it memoizes each exchange's map output. */
class InProcessContext implements ExecContext {
  private readonly outputs = new Map<number, Promise<RecordBatch[][]>>();
  constructor(private readonly runtime: InProcessRuntime) {}

  conf(key: string): string | undefined {
    return this.runtime.conf(key);
  }

  exchange(op: PhysicalOp, partition: number): AsyncIterable<RecordBatch> {
    if (!(op instanceof ExchangeExec)) throw new SqlInternalError(`exchange() called by ${op.name}`);
    let out = this.outputs.get(op.id);
    if (out === undefined) {
      out = this.materialize(op);
      this.outputs.set(op.id, out);
    }
    const pending = out;
    return (async function* () {
      const buckets = await pending;
      yield* buckets[op.partitioning.kind === 'broadcast' ? 0 : partition];
    })();
  }

  private async materialize(op: ExchangeExec): Promise<RecordBatch[][]> {
    await sampleRangeBounds(op, o => this.runtime.collect(o));
    const buckets: RecordBatch[][] = Array.from({ length: op.mapOutputs }, () => []);
    const child = op.child;
    let seq = 0;
    for (let p = 0; p < child.numPartitions; p++) {
      for await (const batch of child.execute(p, this)) {
        const pieces = op.partitionBatch(batch, seq++);
        for (let q = 0; q < pieces.length; q++) if (pieces[q] !== null) buckets[q].push(pieces[q]!);
      }
    }
    return buckets;
  }
}
