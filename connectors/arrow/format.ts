/** The Arrow IPC format module: IPC files split by record batch groups, IPC streams read whole; the writer writes IPC files (or streams). */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { RecordBatch, RecordBatchFileWriter, RecordBatchReader, RecordBatchStreamWriter } from 'apache-arrow';
import {
  batchColumns, byNameConformer, makeBatch, parseSchema, schemaSpecOf, SqlUserError, toArrowSchema,
  type InputSplit, type SchemaLike, type SchemaSpec,
} from '../../engine/sql/datasource.ts';
import { checkPlannedSize, expandInputPaths, verifyWhole, writeFileWithChecksum } from '../input/index.ts';

/** A split: batches [first, last) of one file (all of a stream: last = -1). */
interface ArrowSplit extends InputSplit {
  path: string;
  first: number;
  last: number;
  length: number;
  /** The file's size when planned (INPUT_CHANGED when it differs at read time). */
  fileSize?: number;
}

const MAGIC = 'ARROW1';

function isIpcFile(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(6);
    readSync(fd, b, 0, 6, 0);
    return b.toString('latin1') === MAGIC;
  } finally {
    closeSync(fd);
  }
}

/** A reader of the IPC file or stream at `path`; its bytes are verified against the file's checksum sidecar when it has one, and with `plannedSize` their count against the size it was planned with. */
function reader(path: string, plannedSize?: number): RecordBatchReader {
  const bytes = readFileSync(path);
  checkPlannedSize(path, plannedSize, bytes.length);
  verifyWhole(path, bytes);
  try {
    const r = RecordBatchReader.from(bytes);
    r.open();
    if (r.schema === undefined) throw new Error('no IPC schema message at the start');
    return r;
  } catch (err) {
    throw new SqlUserError('MALFORMED_RECORD', `arrow: '${path}' is not an Arrow IPC file or stream: ${(err as Error).message}`, { cause: err });
  }
}

/** IPC files: groups of record batches, about minPartitions splits in all. Streams: one split per file. */
export async function planSplits(path: string | string[], minPartitions: number, _options: Record<string, unknown>): Promise<InputSplit[]> {
  const files = expandInputPaths(path);
  const splits: ArrowSplit[] = [];
  const perFile = Math.max(1, Math.ceil(minPartitions / Math.max(1, files.length)));
  for (const f of files) {
    if (!isIpcFile(f.path)) { splits.push({ index: splits.length, path: f.path, first: 0, last: -1, length: f.size, fileSize: f.size }); continue; }
    const r = reader(f.path) as unknown as { numRecordBatches: number };
    const n = r.numRecordBatches;
    const per = Math.max(1, Math.ceil(n / perFile));
    if (n === 0) splits.push({ index: splits.length, path: f.path, first: 0, last: 0, length: f.size, fileSize: f.size });
    for (let s = 0; s < n; s += per) {
      splits.push({ index: splits.length, path: f.path, first: s, last: Math.min(n, s + per), length: (f.size * Math.min(per, n - s)) / n, fileSize: f.size });
    }
  }
  return splits;
}

/** Reads the split's batches as batches of options.schema (columns by name). */
export function* readSplit(split: InputSplit, options: Record<string, unknown>): Generator<RecordBatch> {
  const s = split as ArrowSplit;
  const schema = parseSchema(options.schema as SchemaLike, 'arrow schema');
  const r = reader(s.path, s.fileSize);
  const conform = byNameConformer(schema, 'arrow', s.path);
  if (s.last < 0) {
    for (const b of r) yield conform(b);
    return;
  }
  const fr = r as unknown as { readRecordBatch(i: number): RecordBatch | null };
  for (let i = s.first; i < s.last; i++) {
    const b = fr.readRecordBatch(i);
    if (b !== null) yield conform(b);
  }
}

/** The schema of the first file. */
export async function inferSchema(path: string | string[], _options: Record<string, unknown>): Promise<SchemaSpec> {
  const [first] = expandInputPaths(path);
  return schemaSpecOf(reader(first.path).schema);
}

export const fileExtension = '.arrow';

/** Writes the partition as one IPC file (option `ipcFormat: 'stream'` writes an IPC stream) and its checksum sidecar. */
export async function writeBatches(batches: AsyncIterable<RecordBatch>, file: string, schema: SchemaSpec, options: Record<string, unknown>): Promise<number> {
  const writer = options.ipcFormat === 'stream' ? new RecordBatchStreamWriter() : new RecordBatchFileWriter();
  writer.reset(undefined, toArrowSchema(schema));
  let rows = 0;
  for await (const b of batches) {
    if (b.numRows === 0) continue;
    writer.write(makeBatch(schema, batchColumns(b, schema), b.numRows));
    rows += b.numRows;
  }
  writer.finish();
  writeFileWithChecksum(file, writer.toUint8Array(true));
  return rows;
}
