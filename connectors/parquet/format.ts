/**
 * The Parquet format module on parquet-wasm: splits by row groups, reads through Arrow IPC, writes one
 * file per partition with a checksum sidecar. parquet-wasm writes no page checksums and reads a
 * flipped byte as a wrong value (or traps with `RuntimeError: unreachable`), so a read verifies the
 * bytes of its row groups and the footer against the sidecar when there is one, and every read error
 * names the file and the row groups.
 */
import { closeSync, openAsBlob, openSync, readSync, statSync } from 'node:fs';
import { RecordBatch, RecordBatchReader } from 'apache-arrow';
import * as pw from 'parquet-wasm/node';
import {
  batchColumns, batchesToIPC, byNameConformer, emptyBatch, makeBatch, parseSchema, schemaSpecOf, SqlUserError,
  type InputSplit, type SchemaLike, type SchemaSpec,
} from '../../engine/sql/datasource.ts';
import { checkPlannedSize, expandInputPaths, loadChecksums, rangeVerifier, writeFileWithChecksum } from '../input/index.ts';

/** A split: some row groups of one file. */
interface ParquetSplit extends InputSplit {
  path: string;
  rowGroups: number[];
  length: number;
  /** The file's size when planned (INPUT_CHANGED when it differs at read time). */
  fileSize?: number;
}

/** `err`'s message, for parquet-wasm's errors (some are strings, some wasm traps). */
function messageOf(err: unknown): string {
  return String((err as Error)?.message ?? err);
}

/** A parquet-wasm failure on `path` as MALFORMED_RECORD naming the file (and `what` was read). */
function readError(path: string, what: string, err: unknown): SqlUserError {
  return new SqlUserError('MALFORMED_RECORD',
    `parquet: cannot read ${what}of '${path}': ${messageOf(err)} (the file is corrupt, truncated or not Parquet)`, { cause: err });
}

async function open(path: string): Promise<pw.ParquetFile> {
  try {
    return await pw.ParquetFile.fromFile(await openAsBlob(path));
  } catch (err) {
    throw readError(path, '', err);
  }
}

/**
 * Byte ranges of the row groups (column chunks follow the 4-byte magic back to back, in row-group
 * order) and of the footer, from the file's metadata.
 */
function layout(pf: pw.ParquetFile, size: number): { groups: [number, number][]; footer: [number, number] } {
  const groups: [number, number][] = [];
  let at = 4;
  const meta = pf.metadata();
  for (let i = 0; i < meta.numRowGroups(); i++) {
    const n = Number(meta.rowGroup(i).compressedSize());
    groups.push([at, at + n]);
    at += n;
  }
  return { groups, footer: [Math.min(at, size), size] };
}

/**
 * Verifies the bytes of row groups `rowGroups` of `path`, its magic and its footer against its
 * checksum sidecar (when it has one). `pf` is undefined when the file would not open: then every
 * byte is verified, so a corrupt footer shows as a checksum failure rather than a parse error.
 */
function verifyParquet(path: string, size: number, rowGroups: number[], pf: pw.ParquetFile | undefined): void {
  if (loadChecksums(path) === undefined) return;
  let ranges: { from: number; to: number; name: string }[];
  if (pf === undefined) ranges = [{ from: 0, to: size, name: 'the file' }];
  else {
    const l = layout(pf, size);
    ranges = [{ from: 0, to: 4, name: 'the magic number' }, ...rowGroups.map((g) => ({ from: l.groups[g][0], to: l.groups[g][1], name: `row group ${g}` })),
      { from: l.footer[0], to: l.footer[1], name: 'the footer (file metadata)' }];
  }
  const fd = openSync(path, 'r');
  try {
    for (const r of ranges) {
      if (r.to <= r.from) continue;
      const v = rangeVerifier(path, fd, r.from, size, (a, b) => `${r.name}, bytes ${a}-${b - 1},`)!;
      const buf = Buffer.allocUnsafe(Math.min(r.to - r.from, 1 << 20));
      for (let pos = r.from; pos < r.to;) {
        const got = readSync(fd, buf, 0, Math.min(buf.length, r.to - pos), pos);
        if (got === 0) break;
        v.feed(buf, 0, got);
        pos += got;
      }
      v.finish();
    }
  } finally {
    closeSync(fd);
  }
}


/** One split per row group, merged so that there are about minPartitions splits. */
export async function planSplits(path: string | string[], minPartitions: number, _options: Record<string, unknown>): Promise<InputSplit[]> {
  const files = expandInputPaths(path);
  const groups: { path: string; rg: number; bytes: number; fileSize: number }[] = [];
  for (const f of files) {
    const pf = await open(f.path);
    const n = pf.metadata().numRowGroups();
    for (let i = 0; i < n; i++) groups.push({ path: f.path, rg: i, bytes: f.size / Math.max(1, n), fileSize: f.size });
    pf.free();
  }
  const per = Math.max(1, Math.ceil(groups.length / Math.max(1, minPartitions)));
  const splits: ParquetSplit[] = [];
  for (const g of groups) {
    const last = splits[splits.length - 1];
    if (last !== undefined && last.path === g.path && last.rowGroups.length < per) { last.rowGroups.push(g.rg); last.length += g.bytes; } else {
      splits.push({ index: splits.length, path: g.path, rowGroups: [g.rg], length: g.bytes, fileSize: g.fileSize });
    }
  }
  return splits;
}

/** Reads the split's row groups as batches of options.schema (columns by name). */
export async function* readSplit(split: InputSplit, options: Record<string, unknown>): AsyncGenerator<RecordBatch> {
  const s = split as ParquetSplit;
  const schema = parseSchema(options.schema as SchemaLike, 'parquet schema');
  const size = statSync(s.path).size;
  checkPlannedSize(s.path, s.fileSize, size);
  let pf: pw.ParquetFile | undefined;
  let openError: unknown;
  try {
    pf = await open(s.path);
  } catch (e) {
    openError = e;
  }
  const groups = `row group${s.rowGroups.length === 1 ? '' : 's'} ${s.rowGroups.join(', ')} `;
  let batches: RecordBatch[];
  try {
    verifyParquet(s.path, size, s.rowGroups, pf);
    if (pf === undefined) throw openError;
    let table: pw.Table;
    try {
      table = await pf.read({ rowGroups: s.rowGroups });
      batches = [...RecordBatchReader.from(table.intoIPCStream())];
    } catch (e) {
      throw readError(s.path, groups, e);
    }
  } finally {
    pf?.free();
  }
  const conform = byNameConformer(schema, 'parquet', s.path);
  for (const batch of batches) yield conform(batch);
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
  } catch (e) {
    throw readError(first.path, 'the schema ', e);
  } finally {
    pf.free();
  }
}

export const fileExtension = '.parquet';

/** Writes the partition's batches as one Parquet file (row groups of `rowGroupRows`, default 1M rows; compression as parquet-wasm's default) and its checksum sidecar. */
export async function writeBatches(batches: AsyncIterable<RecordBatch>, file: string, schema: SchemaSpec, options: Record<string, unknown>): Promise<number> {
  const all: RecordBatch[] = [];
  let rows = 0;
  for await (const b of batches) if (b.numRows > 0) { all.push(makeBatch(schema, batchColumns(b, schema), b.numRows)); rows += b.numRows; }
  const ipc = batchesToIPC(all.length > 0 ? all : [emptyBatch(schema)]);
  const builder = new pw.WriterPropertiesBuilder();
  const props = builder.setMaxRowGroupSize(Number(options.rowGroupRows ?? 1 << 20)).build();
  writeFileWithChecksum(file, pw.writeParquet(pw.Table.fromIPCStream(ipc), props));
  return rows;
}
