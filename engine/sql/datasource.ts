/** What the columnar formats export beyond the engine's SourceModule: schema inference and a part-file writer. */
import type { RecordBatch } from 'apache-arrow';
import type { SourceModule } from '../sources.ts';
import { SqlUserError } from './errors.ts';
import type { SchemaSpec } from './types.ts';

/**
 * A DataFrame format module (registered with registerFormat like any source). `readSplit` yields
 * RecordBatches of `options.schema` (a SchemaSpec the driver resolved); the rest is optional.
 */
export interface SqlSourceModule extends SourceModule<RecordBatch> {
  /** The schema of the data at `path` (from a sample or the file footer); called on the driver when the user gave none. */
  inferSchema?(path: string | string[], options: Record<string, unknown>): Promise<SchemaSpec>;
  /** Writes one partition's batches as one file; returns the rows written. */
  writeBatches?(batches: AsyncIterable<RecordBatch>, file: string, schema: SchemaSpec, options: Record<string, unknown>): Promise<number>;
  /** The part files' extension, with its dot ('.csv'). */
  fileExtension?: string;
}

/** Read modes for text formats (Spark's): PERMISSIVE (bad fields become null), DROPMALFORMED, FAILFAST. */
export type ParseMode = 'PERMISSIVE' | 'DROPMALFORMED' | 'FAILFAST';

/** The `mode` option of a text format (`format` names it in the error), case-insensitive, PERMISSIVE by default. */
export function parseModeOption(mode: unknown, format: string): ParseMode {
  const m = String(mode ?? 'PERMISSIVE').toUpperCase();
  if (m !== 'PERMISSIVE' && m !== 'DROPMALFORMED' && m !== 'FAILFAST') {
    throw new SqlUserError('INVALID_ARGUMENT', `${format} option mode: unknown mode '${String(mode)}'; use PERMISSIVE, DROPMALFORMED or FAILFAST`);
  }
  return m;
}
