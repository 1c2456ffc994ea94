/** The per-partition work of DataFrame actions, as module functions so that any runtime can run them where the partition lives. */
import type { RecordBatch } from 'apache-arrow';
import type { SqlSourceModule } from './datasource.ts';
import { SqlNotImplementedError } from './errors.ts';
import type { SchemaSpec } from './types.ts';

/** A write of one DataFrame: every partition p writes `${dir}/part-<p padded to width><ext>` with the format module at formatUrl. */
export interface WriteJob {
  formatUrl: string;
  format: string;
  dir: string;
  ext: string;
  width: number;
  schema: SchemaSpec;
  options: Record<string, unknown>;
}

/** The path of partition p's part file. */
export function partFile(job: WriteJob, p: number): string {
  return `${job.dir}/part-${String(p).padStart(job.width, '0')}${job.ext}`;
}

/** Writes one partition's batches; returns the rows written. */
export async function writePartition(batches: AsyncIterable<RecordBatch>, p: number, job: WriteJob): Promise<number> {
  const mod = (await import(job.formatUrl)) as SqlSourceModule;
  if (typeof mod.writeBatches !== 'function') throw new SqlNotImplementedError(`format '${job.format}' has no writer`);
  return mod.writeBatches(batches, partFile(job, p), job.schema, job.options);
}

/** Counts one partition's rows. */
export async function countRows(batches: AsyncIterable<RecordBatch>): Promise<number> {
  let n = 0;
  for await (const b of batches) n += b.numRows;
  return n;
}

/** Drains one partition's non-empty batches. */
export async function drain(batches: AsyncIterable<RecordBatch>): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for await (const b of batches) if (b.numRows > 0) out.push(b);
  return out;
}
