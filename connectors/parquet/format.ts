/** The Parquet format module on parquet-wasm: splits by row groups, reads through Arrow IPC, writes one file per partition. */
import { openAsBlob, writeFileSync } from 'node:fs';
import { RecordBatch, RecordBatchReader } from 'apache-arrow';
import * as pw from 'parquet-wasm/node';
import {
  batchColumns, batchesToIPC, byNameConformer, emptyBatch, makeBatch, parseSchema, schemaSpecOf, SqlUserError,
  type InputSplit, type SchemaLike, type SchemaSpec,
} from '../../engine/sql/datasource.ts';
import { expandInputPaths } from '../input/index.ts';

/** A split: some row groups of one file. */
interface ParquetSplit extends InputSplit {
  path: string;
  rowGroups: number[];
  length: number;
}

async function open(path: string): Promise<pw.ParquetFile> {
  try {
    return await pw.ParquetFile.fromFile(await openAsBlob(path));
  } catch (err) {
    throw new SqlUserError('MALFORMED_RECORD', `parquet: cannot read '${path}': ${String((err as Error).message ?? err)}`, { cause: err });
  }
}

/** One split per row group, merged so that there are about minPartitions splits. */
export async function planSplits(path: string | string[], minPartitions: number, _options: Record<string, unknown>): Promise<InputSplit[]> {
  const files = expandInputPaths(path);
  const groups: { path: string; rg: number; bytes: number }[] = [];
  for (const f of files) {
    const pf = await open(f.path);
    const n = pf.metadata().numRowGroups();
    for (let i = 0; i < n; i++) groups.push({ path: f.path, rg: i, bytes: f.size / Math.max(1, n) });
    pf.free();
  }
  const per = Math.max(1, Math.ceil(groups.length / Math.max(1, minPartitions)));
  const splits: ParquetSplit[] = [];
  for (const g of groups) {
    const last = splits[splits.length - 1];
    if (last !== undefined && last.path === g.path && last.rowGroups.length < per) { last.rowGroups.push(g.rg); last.length += g.bytes; } else {
      splits.push({ index: splits.length, path: g.path, rowGroups: [g.rg], length: g.bytes });
    }
  }
  return splits;
}

/** Reads the split's row groups as batches of options.schema (columns by name). */
export async function* readSplit(split: InputSplit, options: Record<string, unknown>): AsyncGenerator<RecordBatch> {
  const s = split as ParquetSplit;
  const schema = parseSchema(options.schema as SchemaLike, 'parquet schema');
  const pf = await open(s.path);
  let table: pw.Table;
  try {
    table = await pf.read({ rowGroups: s.rowGroups });
  } finally {
    pf.free();
  }
  const conform = byNameConformer(schema, 'parquet', s.path);
  for (const batch of RecordBatchReader.from(table.intoIPCStream())) yield conform(batch);
}

/** The schema in the first file's footer. */
export async function inferSchema(path: string | string[], _options: Record<string, unknown>): Promise<SchemaSpec> {
  const [first] = expandInputPaths(path);
  const pf = await open(first.path);
  try {
    const t = await pf.read({ limit: 0 });
    const reader = RecordBatchReader.from(t.intoIPCStream());
    reader.open();
    return schemaSpecOf(reader.schema);
  } finally {
    pf.free();
  }
}

export const fileExtension = '.parquet';

/** Writes the partition's batches as one Parquet file (row groups of `rowGroupRows`, default 1M rows; compression as parquet-wasm's default). */
export async function writeBatches(batches: AsyncIterable<RecordBatch>, file: string, schema: SchemaSpec, options: Record<string, unknown>): Promise<number> {
  const all: RecordBatch[] = [];
  let rows = 0;
  for await (const b of batches) if (b.numRows > 0) { all.push(makeBatch(schema, batchColumns(b, schema), b.numRows)); rows += b.numRows; }
  const ipc = batchesToIPC(all.length > 0 ? all : [emptyBatch(schema)]);
  const builder = new pw.WriterPropertiesBuilder();
  const props = builder.setMaxRowGroupSize(Number(options.rowGroupRows ?? 1 << 20)).build();
  writeFileSync(file, pw.writeParquet(pw.Table.fromIPCStream(ipc), props));
  return rows;
}
