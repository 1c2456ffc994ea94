/**
 * The public contract of a DataFrame format module: what a connector implements (`SqlSourceModule`) and
 * the engine/sql pieces it may use to build and read batches. Connectors import engine/sql through this
 * file only, so the expression compiler, plan and operators stay free to change behind it.
 */
import type { RecordBatch, Schema } from 'apache-arrow';
import type { SourceModule } from '../sources.ts';
import { makeBatch, normalize, type Col } from './columns.ts';
import { SqlUserError } from './errors.ts';
import { schemaSpecOf, type SchemaSpec } from './types.ts';

export type { InputSplit, SourceModule } from '../sources.ts';
export { SqlUserError } from './errors.ts';
export { parseSchema, schemaSpecOf, toArrowSchema, vectorSize, type SchemaLike, type SchemaSpec, type TypeName } from './types.ts';
export {
  batchColumns, buildColumn, emptyBatch, fixedColumn, getValue, makeBatch, stringAt, stringsColumn, utf8Column, type Col,
} from './columns.ts';
export { batchesToIPC } from './ipc.ts';
export { DECIMAL_RE, parseScalar } from './scalars.ts';

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

/**
 * For the self-describing formats (Parquet, Arrow IPC): conforms a file's batches to the read schema,
 * taking the schema's columns by name. Fails naming `format` and `path` when a column is missing or
 * has another type. The names are resolved once per distinct batch schema, not per batch.
 */
export function byNameConformer(schema: SchemaSpec, format: string, path: string): (batch: RecordBatch) => RecordBatch {
  let resolved: Schema | null = null;
  let pick: number[] = [];
  return batch => {
    if (batch.schema !== resolved) {
      const names = batch.schema.fields.map(f => f.name);
      const fileSpec = schemaSpecOf(batch.schema);
      pick = schema.map(f => {
        const i = names.indexOf(f.name);
        if (i < 0) throw new SqlUserError('UNRESOLVED_COLUMN', `${format}: column '${f.name}' is not in ${path}; its columns: [${names.join(', ')}]`);
        if (fileSpec[i].type !== f.type) throw new SqlUserError('TYPE_MISMATCH', `${format}: column '${f.name}' is ${fileSpec[i].type} in ${path}, not ${f.type}`);
        return i;
      });
      resolved = batch.schema;
    }
    return makeBatch(schema, pick.map((i, k) => normalize(batch.data.children[i] as Col, schema[k].type)), batch.numRows);
  };
}
