/** Range-partition bounds for a global sort: sample the sort keys of the exchange's child, sort the sample, keep N-1 evenly spaced keys. */
import type { RecordBatch } from 'apache-arrow';
import { batchColumns, concatBatches, takeBatch } from './columns.ts';
import { batchesToIPC } from './ipc.ts';
import type { ExchangeExec } from './operators/ExchangeExec.ts';
import type { PhysicalOp } from './operators/plan.ts';
import { ProjectExec } from './operators/ProjectExec.ts';
import { SampleExec } from './operators/SampleExec.ts';
import { sortIndices } from './sort.ts';

/**
 * Sets the bounds of a range exchange (once): runs the child's sort keys through a reservoir sample of
 * about 60 rows per output partition in all (Spark samples on the same scale), then picks the bounds.
 */
export async function sampleRangeBounds(ex: ExchangeExec, collect: (op: PhysicalOp) => Promise<RecordBatch[][]>): Promise<void> {
  const p = ex.partitioning;
  if (p.kind !== 'range' || p.bounds !== null) return;
  const schema = ex.boundSchema();
  const keys = new ProjectExec(ex.child, p.orders.map(o => o.expr), schema.map(f => f.name));
  const perPartition = Math.max(20, Math.ceil((60 * p.numPartitions) / Math.max(1, ex.child.numPartitions)));
  const sample = concatBatches((await collect(new SampleExec(keys, perPartition))).flat(), schema);
  const n = sample.numRows;
  const cols = batchColumns(sample, schema);
  const order = sortIndices(cols.map((c, k) => ({ col: c, type: schema[k].type, ascending: p.orders[k].ascending, nullsFirst: p.orders[k].nullsFirst })), n);
  const picks: number[] = [];
  for (let k = 1; k < p.numPartitions && n > 0; k++) picks.push(order[Math.min(n - 1, Math.floor((k * n) / p.numPartitions))]);
  p.bounds = batchesToIPC([takeBatch(sample, schema, Int32Array.from(picks))]);
}
