/**
 * The JSON lines format module: one JSON object per line, line-aligned splits (JSON strings cannot hold
 * raw newlines, so every split boundary is safe), schema inference from a sample, Spark's parse modes,
 * and a part-file writer. Nested objects and non-numeric arrays read as their JSON text in a utf8 column.
 */
import type { RecordBatch } from 'apache-arrow';
import {
  batchColumns, getValue, parseModeOption, parseSchema, SqlUserError,
  type InputSplit, type ParseMode, type SchemaLike, type SchemaSpec, type TypeName,
} from '../../engine/sql/datasource.ts';
import { columnBuilder, finishBatch } from '../input/builders.ts';
import { asFileSplit, ChecksummedFile, expandInputPaths, lineChunks, lineNumberAt, planFileSplits, wholeFileSplit } from '../input/index.ts';

const decoder = new TextDecoder();

function jsonOptions(o: Record<string, unknown>): { mode: ParseMode; corrupt: string; samplingRows: number; batchRows: number } {
  return {
    mode: parseModeOption(o.mode, 'json'),
    corrupt: String(o.columnNameOfCorruptRecord ?? '_corrupt_record'),
    samplingRows: Number(o.samplingRows ?? 1000),
    batchRows: Number(o.batchRows ?? 65536),
  };
}

/** Planning: line-aligned byte ranges (every line boundary is a record boundary). */
export async function planSplits(path: string | string[], minPartitions: number, options: Record<string, unknown>): Promise<InputSplit[]> {
  return planFileSplits(path, minPartitions, options, { format: 'json' });
}

/** Converts a parsed JSON value for a column of `type`; undefined when it does not fit. */
function coerce(v: unknown, type: TypeName): unknown {
  if (type === 'utf8') return typeof v === 'string' ? v : JSON.stringify(v);
  if (type === 'int64' && typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  return v;
}

/** Reads one split as RecordBatches of options.schema. */
export function* readSplit(split: InputSplit, options: Record<string, unknown>): Generator<RecordBatch> {
  const fs = asFileSplit(split, 'json');
  const o = jsonOptions(options);
  const schema = parseSchema(options.schema as SchemaLike, 'json schema');
  const corruptIdx = schema.findIndex(f => f.name === o.corrupt);
  const dataCols = schema.map((_, i) => i).filter(i => i !== corruptIdx);
  const builders = dataCols.map(i => columnBuilder(schema[i].type));
  const corrupt: (string | null)[] = [];
  let rows = 0;
  const flush = (): RecordBatch => {
    const batch = finishBatch(schema, builders, corruptIdx, corrupt, rows);
    rows = 0;
    return batch;
  };
  for (const chunk of lineChunks(fs)) {
    const bytes = chunk.bytes;
    let pos = 0;
    while (pos < bytes.length) {
      let end = bytes.indexOf(10, pos);
      if (end < 0) end = bytes.length;
      const lineStart = pos;
      pos = end + 1;
      const text = decoder.decode(bytes.subarray(lineStart, end)).replace(/\r$/, '');
      if (text.trim() === '') continue;
      let obj: unknown;
      let bad = false;
      let problem = '';
      try {
        obj = JSON.parse(text);
      } catch (err) {
        bad = true;
        problem = (err as Error).message;
      }
      if (!bad && (obj === null || typeof obj !== 'object' || Array.isArray(obj))) { bad = true; problem = 'the line is not a JSON object'; }
      const rec = bad ? {} : (obj as Record<string, unknown>);
      for (let k = 0; k < dataCols.length; k++) {
        const f = schema[dataCols[k]];
        const v = rec[f.name];
        if (v === undefined || v === null) { builders[k].appendNull(); continue; }
        if (!builders[k].appendValue(coerce(v, f.type))) {
          builders[k].appendNull();
          bad = true;
          problem ||= `field '${f.name}' holds ${JSON.stringify(v)}, not ${f.type}`;
        }
      }
      if (bad) {
        if (o.mode === 'FAILFAST') {
          const line = lineNumberAt(fs, chunk.offset + lineStart);
          throw new SqlUserError('MALFORMED_RECORD',
            `json: malformed record at ${fs.path}:${line}: ${JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}...` : text)} (${problem}); fix the data, or read with mode PERMISSIVE or DROPMALFORMED`);
        }
        if (o.mode === 'DROPMALFORMED') { for (const b of builders) b.dropLast(); continue; }
        corrupt.push(corruptIdx >= 0 ? text : null);
      } else corrupt.push(null);
      rows++;
      if (rows >= o.batchRows) yield flush();
    }
  }
  if (rows > 0) yield flush();
}

function typeOfJson(v: unknown): TypeName | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 2 ** 63 ? 'int64' : 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'string') return 'utf8';
  if (Array.isArray(v) && v.length > 0 && v.every(x => typeof x === 'number')) return `vector[${v.length}]`;
  return 'utf8';
}

function mergeTypes(a: TypeName | null, b: TypeName | null): TypeName | null {
  if (a === null) return b;
  if (b === null || a === b) return a;
  if ((a === 'int64' && b === 'float64') || (a === 'float64' && b === 'int64')) return 'float64';
  return 'utf8';
}

/** Infers a schema from the first `samplingRows` objects of the first file: fields in order of first appearance; integers -> int64 (as Spark), other numbers (and integers beyond int64's range) -> float64, arrays of numbers of one length -> vector[N]. */
export async function inferSchema(path: string | string[], options: Record<string, unknown>): Promise<SchemaSpec> {
  const o = jsonOptions(options);
  const files = expandInputPaths(path);
  const types = new Map<string, TypeName | null>();
  let seen = 0;
  let anyBad = false;
  for (const f of files) {
    for (const chunk of lineChunks(wholeFileSplit(f), 1 << 20)) {
      for (const line of decoder.decode(chunk.bytes).split('\n')) {
        if (line.trim() === '') continue;
        let obj: unknown;
        try { obj = JSON.parse(line); } catch { anyBad = true; continue; }
        if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) { anyBad = true; continue; }
        for (const [k, v] of Object.entries(obj)) types.set(k, mergeTypes(types.get(k) ?? null, typeOfJson(v)));
        if (++seen >= o.samplingRows) break;
      }
      if (seen >= o.samplingRows) break;
    }
    if (seen >= o.samplingRows) break;
  }
  const spec: SchemaSpec = [...types].map(([name, t]) => ({ name, type: t ?? 'utf8', nullable: true }));
  if (anyBad && o.mode === 'PERMISSIVE' && !types.has(o.corrupt)) spec.push({ name: o.corrupt, type: 'utf8', nullable: true });
  return spec;
}

export const fileExtension = '.json';

function jsonValue(v: unknown): string {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Date) return JSON.stringify(v.toISOString());
  if (ArrayBuffer.isView(v)) return `[${Array.from(v as Float32Array).map(x => jsonValue(x)).join(',')}]`;
  if (Array.isArray(v)) return `[${v.map(jsonValue).join(',')}]`;
  if (typeof v === 'number' && !Number.isFinite(v)) return JSON.stringify(String(v));
  return JSON.stringify(v);
}

/** Writes batches as JSON lines; null fields are left out (as Spark), int64 values as plain digits. */
export async function writeBatches(batches: AsyncIterable<RecordBatch>, file: string, schema: SchemaSpec, _options: Record<string, unknown>): Promise<number> {
  const out = new ChecksummedFile(file);
  let rows = 0;
  const keys = schema.map(f => JSON.stringify(f.name));
  try {
    for await (const batch of batches) {
      const cols = batchColumns(batch, schema);
      const lines: string[] = [];
      for (let i = 0; i < batch.numRows; i++) {
        const parts: string[] = [];
        for (let c = 0; c < schema.length; c++) {
          const v = getValue(cols[c], schema[c].type, i);
          if (v !== null) parts.push(`${keys[c]}:${jsonValue(v)}`);
        }
        lines.push(`{${parts.join(',')}}`);
      }
      if (lines.length > 0) out.write(`${lines.join('\n')}\n`);
      rows += batch.numRows;
    }
  } catch (e) {
    out.abort();
    throw e;
  }
  out.close();
  return rows;
}
