/** SqlSession: makes DataFrames (createDataFrame, read) over a runtime; a FlintContext gets one installed by engine/sql/context.ts. */
import { RecordBatch, Table } from 'apache-arrow';
import { batchColumns, buildColumn, concatBatches, makeBatch, sliceColumn } from './columns.ts';
import { DataFrame } from './dataframe.ts';
import type { SqlSourceModule } from './datasource.ts';
import { SqlUserError } from './errors.ts';
import { LocalBatchesExec } from './operators/LocalBatchesExec.ts';
import { ScanExec } from './operators/ScanExec.ts';
import { InProcessRuntime, type SqlRuntime } from './runtime.ts';
import { parseSchema, schemaSpecOf, type SchemaLike, type SchemaSpec, type TypeName } from './types.ts';
import { loadFormat, lookupFormat } from '../sources.ts';

/** Infers a column type from JS values: see createDataFrame. */
function inferType(values: unknown[], name: string): TypeName {
  let t: TypeName | null = null;
  const merge = (u: TypeName): void => {
    if (t === null || t === u) { t = u; return; }
    if ((t === 'int32' && u === 'float64') || (t === 'float64' && u === 'int32')) { t = 'float64'; return; }
    throw new SqlUserError('INVALID_SCHEMA', `createDataFrame: column '${name}' holds both ${t} and ${u} values; pass a schema`);
  };
  for (const v of values) {
    if (v === null || v === undefined) continue;
    if (typeof v === 'number') merge(Number.isInteger(v) && Math.abs(v) <= 0x7fffffff ? 'int32' : 'float64');
    else if (typeof v === 'bigint') merge('int64');
    else if (typeof v === 'string') merge('utf8');
    else if (typeof v === 'boolean') merge('bool');
    else if (v instanceof Date) merge('timestamp');
    else if (v instanceof Float32Array || (Array.isArray(v) && v.every(x => typeof x === 'number'))) merge(`vector[${(v as ArrayLike<number>).length}]`);
    else throw new SqlUserError('INVALID_SCHEMA', `createDataFrame: cannot infer a type for ${JSON.stringify(v)} in column '${name}'; pass a schema`);
  }
  return t ?? 'utf8';
}

/** Makes DataFrames over one runtime. */
export class SqlSession {
  constructor(readonly runtime: SqlRuntime = new InProcessRuntime()) {}

  /**
   * A DataFrame from rows (plain objects), an Arrow Table, or RecordBatches. Without a schema, column
   * types are inferred from the rows: integral numbers in int32 range -> int32, other numbers -> float64,
   * bigint -> int64, string -> utf8, boolean -> bool, Date -> timestamp, Float32Array or number[] of one
   * length -> vector[N]. Rows are sliced into `numSlices` partitions (default: the runtime's parallelism).
   */
  createDataFrame(data: Record<string, unknown>[] | Table | RecordBatch[], schema?: SchemaLike, numSlices?: number): DataFrame {
    const slices = numSlices ?? this.runtime.defaultParallelism;
    if (!Number.isInteger(slices) || slices < 1) throw new SqlUserError('INVALID_ARGUMENT', `createDataFrame: numSlices must be a positive integer, got ${numSlices}`);
    if (data instanceof Table || (Array.isArray(data) && data.length > 0 && data[0] instanceof RecordBatch)) {
      const batches = data instanceof Table ? data.batches : (data as RecordBatch[]);
      const arrowSchema = data instanceof Table ? data.schema : batches[0].schema;
      const spec = schema === undefined ? schemaSpecOf(arrowSchema) : parseSchema(schema, 'createDataFrame');
      const all = concatBatches(batches.map(b => makeBatch(spec, batchColumns(b, spec), b.numRows)), spec);
      return this.fromBatch(all, spec, slices);
    }
    if (!Array.isArray(data)) throw new SqlUserError('INVALID_ARGUMENT', 'createDataFrame: expected an array of row objects, an Arrow Table or RecordBatches');
    const rows = data as Record<string, unknown>[];
    let spec: SchemaSpec;
    if (schema !== undefined) spec = parseSchema(schema, 'createDataFrame');
    else {
      const names: string[] = [];
      const seen = new Set<string>();
      for (const r of rows) {
        if (r === null || typeof r !== 'object' || Array.isArray(r)) {
          throw new SqlUserError('INVALID_ARGUMENT', `createDataFrame: rows must be plain objects; got ${JSON.stringify(r)} (pass a schema for array rows)`);
        }
        for (const k of Object.keys(r)) if (!seen.has(k)) { seen.add(k); names.push(k); }
      }
      spec = names.map(n => ({ name: n, type: inferType(rows.map(r => r[n]), n), nullable: true }));
    }
    const cols = spec.map((f, i) => buildColumn(f.type, rows.map(r => (Array.isArray(r) ? r[i] : r[f.name]))));
    return this.fromBatch(makeBatch(spec, cols, rows.length), spec, slices);
  }

  private fromBatch(all: RecordBatch, spec: SchemaSpec, slices: number): DataFrame {
    const n = all.numRows;
    const cols = batchColumns(all, spec);
    const parts: RecordBatch[][] = [];
    // Spark's parallelize slicing: slice i holds rows [i*n/k, (i+1)*n/k).
    for (let i = 0; i < slices; i++) {
      const s = Math.floor((i * n) / slices);
      const e = Math.floor(((i + 1) * n) / slices);
      parts.push(e > s ? [makeBatch(spec, cols.map((c, k) => sliceColumn(c, spec[k].type, s, e)), e - s)] : []);
    }
    return new DataFrame(this.runtime, new LocalBatchesExec(spec, parts));
  }

  /** The reader: session.read.csv(path, options). */
  get read(): DataFrameReader {
    return new DataFrameReader(this);
  }
}

/** Reads files into DataFrames through the format registry: read.option(k, v).schema(s).csv(path). */
export class DataFrameReader {
  private readonly opts: Record<string, unknown> = {};
  private userSchema: SchemaSpec | undefined;
  private formatName: string | undefined;
  constructor(private readonly session: SqlSession) {}

  option(key: string, value: unknown): this {
    this.opts[key] = value;
    return this;
  }

  options(o: Record<string, unknown>): this {
    Object.assign(this.opts, o);
    return this;
  }

  /** The schema to read with (a DDL string, an object of name to type, field specs, or an Arrow Schema); skips inference. */
  schema(s: SchemaLike): this {
    this.userSchema = parseSchema(s, 'read.schema');
    return this;
  }

  /** The format load() reads when none is given (Spark's read.format(name).load(path)). */
  format(name: string): this {
    this.formatName = name;
    return this;
  }

  csv(path: string | string[], options: Record<string, unknown> = {}): Promise<DataFrame> { return this.load(path, 'csv', options); }
  json(path: string | string[], options: Record<string, unknown> = {}): Promise<DataFrame> { return this.load(path, 'json', options); }
  parquet(path: string | string[], options: Record<string, unknown> = {}): Promise<DataFrame> { return this.load(path, 'parquet', options); }
  arrow(path: string | string[], options: Record<string, unknown> = {}): Promise<DataFrame> { return this.load(path, 'arrow', options); }

  /** Plans the splits now (listing files, reading footers or a sample for the schema); rows are read when an action runs. */
  async load(path: string | string[], format: string = this.formatName ?? '', options: Record<string, unknown> = {}): Promise<DataFrame> {
    if (format === '') throw new SqlUserError('INVALID_ARGUMENT', 'read.load: name a format, with read.format(name) or as load(path, format)');
    const url = lookupFormat(format);
    const mod = (await loadFormat(format)) as SqlSourceModule;
    const opts: Record<string, unknown> = { ...this.opts, ...options };
    let spec: SchemaSpec;
    if (opts.schema !== undefined) spec = parseSchema(opts.schema as SchemaLike, `read.${format} schema option`);
    else if (this.userSchema !== undefined) spec = this.userSchema;
    else if (typeof mod.inferSchema === 'function') spec = await mod.inferSchema(path, opts);
    else throw new SqlUserError('INVALID_SCHEMA', `read.${format}: the format cannot infer a schema; pass one with read.schema(...)`);
    opts.schema = spec;
    const minPartitions = Number(opts.minPartitions ?? this.session.runtime.defaultParallelism);
    const splits = await mod.planSplits(path, minPartitions, opts);
    let total = 0;
    for (const s of splits) total += typeof s.length === 'number' ? s.length : 0;
    return new DataFrame(this.session.runtime, new ScanExec(format, url, splits, opts, spec, total > 0 ? total : null));
  }
}
