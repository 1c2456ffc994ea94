/**
 * The CSV format module: line-aligned splits, a byte-level parser (header, delimiter, quote, escape),
 * schema inference from a sample, Spark's three parse modes, and a part-file writer.
 *
 * Quoted newlines: by default a record is one line, so large files split by byte range; a newline inside
 * quotes then ends the record, which is malformed (unterminated quote). With `multiLine: true` quoted
 * fields may hold newlines and each file is read whole as one split (Spark's rule).
 */
import type { RecordBatch } from 'apache-arrow';
import {
  batchColumns, getValue, parseModeOption, parseScalar, parseSchema, SqlUserError, stringAt, vectorSize,
  type InputSplit, type ParseMode, type SchemaLike, type SchemaSpec, type TypeName,
} from '../../engine/sql/datasource.ts';
import { columnBuilder, finishBatch, NumberBuilder, POW10, type ColumnBuilder } from '../input/builders.ts';
import { asFileSplit, ChecksummedFile, expandInputPaths, lineChunks, lineNumberAt, planFileSplits, readFileHead, readWholeFile } from '../input/index.ts';

/** CSV options (Spark's names). */
export interface CsvOptions {
  header: boolean;
  sep: number;
  quote: number;
  escape: number;
  mode: ParseMode;
  columnNameOfCorruptRecord: string;
  nullValue: string;
  inferSchema: boolean;
  samplingRows: number;
  multiLine: boolean;
  batchRows: number;
}

function byteOption(v: unknown, dflt: string, name: string): number {
  const s = v === undefined ? dflt : String(v);
  if (s.length !== 1 || s.charCodeAt(0) > 127) throw new SqlUserError('INVALID_ARGUMENT', `csv option ${name}: expected one ASCII character, got ${JSON.stringify(s)}`);
  return s.charCodeAt(0);
}

function boolOption(v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  return v === true || String(v).toLowerCase() === 'true';
}

/** Parses the user's options with Spark's defaults (header false, sep ',', quote '"', escape '\\', PERMISSIVE). */
export function csvOptions(o: Record<string, unknown>): CsvOptions {
  return {
    header: boolOption(o.header, false),
    sep: byteOption(o.sep ?? o.delimiter, ',', 'sep'),
    quote: byteOption(o.quote, '"', 'quote'),
    escape: byteOption(o.escape, '\\', 'escape'),
    mode: parseModeOption(o.mode, 'csv'),
    columnNameOfCorruptRecord: String(o.columnNameOfCorruptRecord ?? '_corrupt_record'),
    nullValue: String(o.nullValue ?? ''),
    inferSchema: boolOption(o.inferSchema, false),
    samplingRows: Number(o.samplingRows ?? 1000),
    multiLine: boolOption(o.multiLine, false),
    batchRows: Number(o.batchRows ?? 65536),
  };
}

/** The fields of one record: field k is bytes [start[k], end[k]) of buf[k] (unescaped copies live in their own buffer). */
class Fields {
  count = 0;
  bufs: Uint8Array[] = [];
  start: number[] = [];
  end: number[] = [];
  quoted: boolean[] = [];
  push(buf: Uint8Array, s: number, e: number, quoted: boolean): void {
    const k = this.count++;
    this.bufs[k] = buf; this.start[k] = s; this.end[k] = e; this.quoted[k] = quoted;
  }
}

/**
 * Parses one record starting at `pos` of `b` (up to `limit`) into `out`; returns the position after the
 * record's line end, and -1 in `out.count` when a quote is not closed. In multi-line mode newlines inside
 * quotes belong to the field.
 */
function parseRecord(b: Uint8Array, pos: number, limit: number, o: CsvOptions, out: Fields): { next: number; bad: boolean } {
  out.count = 0;
  const { sep, quote, escape } = o;
  let i = pos;
  let bad = false;
  for (;;) {
    if (i < limit && b[i] === quote) {
      // Quoted field: doubled quotes and escape+char stand for the char; copy only when one occurs.
      let j = i + 1;
      let copy: number[] | null = null;
      let closed = false;
      while (j < limit) {
        const c = b[j];
        if (c === escape && escape !== quote && j + 1 < limit && (b[j + 1] === quote || b[j + 1] === escape)) {
          copy ??= Array.from(b.subarray(i + 1, j));
          copy.push(b[j + 1]);
          j += 2;
          continue;
        }
        if (c === quote) {
          if (j + 1 < limit && b[j + 1] === quote) { copy ??= Array.from(b.subarray(i + 1, j)); copy.push(quote); j += 2; continue; }
          closed = true;
          break;
        }
        if (c === 10 && !o.multiLine) break;
        if (copy !== null) copy.push(c);
        j++;
      }
      if (!closed) {
        // The rest of the line becomes the last field, raw; the record is malformed.
        let k = i;
        while (k < limit && b[k] !== 10) k++;
        out.push(b, i, k > i && b[k - 1] === 13 ? k - 1 : k, false);
        return { next: k + 1, bad: true };
      }
      if (copy !== null) { const u = Uint8Array.from(copy); out.push(u, 0, u.length, true); } else out.push(b, i + 1, j, true);
      i = j + 1;
      // After the closing quote only a separator or the line end may follow.
      while (i < limit && b[i] !== sep && b[i] !== 10 && b[i] !== 13) { bad = true; i++; }
    } else {
      let j = i;
      while (j < limit && b[j] !== sep && b[j] !== 10) j++;
      let e = j;
      if (e > i && b[e - 1] === 13 && (j >= limit || b[j] === 10)) e--;
      out.push(b, i, e, false);
      i = j;
    }
    if (i < limit && b[i] === sep) { i++; continue; }
    if (i < limit && b[i] === 13) i++;
    return { next: i + 1, bad };
  }
}

/**
 * The fast path for a record without quotes: appends its fields straight from the bytes. Returns false,
 * having appended nothing, when a field starts with a quote (the caller then uses parseRecord).
 * `numeric[k]` is 1 where column k's builder is a float NumberBuilder, 2 where an int32 one (which takes no decimal point).
 */
function fastRecord(b: Uint8Array, pos: number, limit: number, o: CsvOptions, builders: ColumnBuilder[], numeric: Uint8Array, nullBytes: Uint8Array, st: { next: number; fields: number; bad: boolean }): boolean {
  const { sep, quote } = o;
  const ncols = builders.length;
  const nullLen = nullBytes.length;
  let k = 0;
  let p = pos;
  let bad = false;
  for (;;) {
    if (p < limit && b[p] === quote) {
      for (let j = 0; j < k && j < ncols; j++) builders[j].dropLast();
      return false;
    }
    if (k < ncols && numeric[k] !== 0 && nullLen === 0) {
      // A plain decimal (digits, at most one dot, optional minus, up to 15 digits) followed by the separator
      // or '\n' is parsed while it is scanned: one pass over its bytes instead of a scan, then a parse.
      let q = p;
      const neg = q < limit && b[q] === 45;
      if (neg) q++;
      let m = 0;
      let digits = 0;
      let frac = 0;
      let dot = false;
      for (; q < limit; q++) {
        const d = b[q] - 48;
        if (d >= 0 && d <= 9) { m = m * 10 + d; digits++; if (dot) frac++; } else if (d === -2 && !dot) dot = true;
        else break;
      }
      if (digits > 0 && digits <= 15 && q < limit && (b[q] === sep || b[q] === 10) && (!dot || numeric[k] === 1)
        && (builders[k] as NumberBuilder).appendNumber((neg ? -m : m) / POW10[frac])) {
        k++;
        if (b[q] === sep) { p = q + 1; continue; }
        st.next = q + 1;
        break;
      }
    }
    let e = p;
    while (e < limit) {
      const c = b[e];
      if (c === sep || c === 10) break;
      e++;
    }
    let fe = e;
    if (fe > p && b[fe - 1] === 13 && (e >= limit || b[e] === 10)) fe--;
    if (k < ncols) {
      const bl = builders[k];
      let isNullField = fe - p === nullLen;
      for (let j = 0; isNullField && j < nullLen; j++) if (b[p + j] !== nullBytes[j]) isNullField = false;
      if (isNullField) bl.appendNull();
      else if (!bl.appendBytes(b, p, fe)) { bl.appendNull(); bad = true; }
    }
    k++;
    if (e < limit && b[e] === sep) { p = e + 1; continue; }
    st.next = e + 1;
    break;
  }
  for (let j = k; j < ncols; j++) builders[j].appendNull();
  st.fields = k;
  st.bad = bad || k !== ncols;
  return true;
}

function isBlankLine(b: Uint8Array, pos: number, limit: number): boolean {
  return pos < limit && (b[pos] === 10 || (b[pos] === 13 && pos + 1 < limit && b[pos + 1] === 10));
}

const decoder = new TextDecoder();

function isNull(f: Fields, k: number, nullBytes: Uint8Array): boolean {
  if (f.quoted[k]) return false;
  const len = f.end[k] - f.start[k];
  if (len !== nullBytes.length) return false;
  const b = f.bufs[k];
  for (let i = 0; i < len; i++) if (b[f.start[k] + i] !== nullBytes[i]) return false;
  return true;
}

/** Planning: line-aligned byte ranges, or whole files in multiLine mode. */
export async function planSplits(path: string | string[], minPartitions: number, options: Record<string, unknown>): Promise<InputSplit[]> {
  return planFileSplits(path, minPartitions, options, { format: 'csv', splittable: !csvOptions(options).multiLine });
}

/** Reads one split as RecordBatches of options.schema. */
export function* readSplit(split: InputSplit, options: Record<string, unknown>): Generator<RecordBatch> {
  const fs = asFileSplit(split, 'csv');
  const o = csvOptions(options);
  const schema = parseSchema(options.schema as SchemaLike, 'csv schema');
  const corruptIdx = schema.findIndex(f => f.name === o.columnNameOfCorruptRecord);
  if (corruptIdx >= 0 && schema[corruptIdx].type !== 'utf8') {
    throw new SqlUserError('INVALID_SCHEMA', `csv: the corrupt record column '${o.columnNameOfCorruptRecord}' must be a string column, not ${schema[corruptIdx].type}`);
  }
  const dataCols = schema.map((_, i) => i).filter(i => i !== corruptIdx);
  for (const i of dataCols) {
    if (vectorSize(schema[i].type) > 0 || schema[i].type.startsWith('list')) {
      throw new SqlUserError('UNSUPPORTED_TYPE', `csv: column '${schema[i].name}' of type ${schema[i].type} cannot be read from CSV`);
    }
  }
  const builders: ColumnBuilder[] = dataCols.map(i => columnBuilder(schema[i].type));
  const numeric = Uint8Array.from(builders, bl => (!(bl instanceof NumberBuilder) ? 0 : bl.type === 'int32' ? 2 : 1));
  const corrupt: (string | null)[] = [];
  const nullBytes = new TextEncoder().encode(o.nullValue);
  const fields = new Fields();
  const fast = { next: 0, fields: 0, bad: false };
  let rows = 0;
  let skipHeader = o.header && fs.start === 0;

  const flush = (): RecordBatch => {
    const batch = finishBatch(schema, builders, corruptIdx, corrupt, rows);
    rows = 0;
    return batch;
  };

  const chunks: Iterable<{ bytes: Uint8Array; offset: number }> = o.multiLine
    ? [{ bytes: readWholeFile(fs.path, fs.fileSize), offset: 0 }]
    : lineChunks(fs);
  for (const chunk of chunks) {
    const b = chunk.bytes;
    const limit = b.length;
    let pos = 0;
    while (pos < limit) {
      if (isBlankLine(b, pos, limit)) { pos += b[pos] === 10 ? 1 : 2; continue; }
      const recStart = pos;
      let bad: boolean;
      let count: number;
      let badQuote = false;
      if (!skipHeader && fastRecord(b, pos, limit, o, builders, numeric, nullBytes, fast)) {
        pos = fast.next;
        bad = fast.bad;
        count = fast.fields;
      } else {
        const r = parseRecord(b, pos, limit, o, fields);
        pos = r.next;
        if (skipHeader) { skipHeader = false; continue; }
        badQuote = r.bad;
        count = fields.count;
        bad = badQuote || fields.count !== dataCols.length;
        const n = Math.min(fields.count, dataCols.length);
        // Append fields; a field that does not parse becomes null and marks the record malformed.
        for (let k = 0; k < dataCols.length; k++) {
          const bl = builders[k];
          if (k >= n || isNull(fields, k, nullBytes)) { bl.appendNull(); continue; }
          if (!bl.appendBytes(fields.bufs[k], fields.start[k], fields.end[k])) { bl.appendNull(); bad = true; }
        }
      }
      if (bad) {
        let recEnd = Math.min(pos, limit);
        while (recEnd > recStart && (b[recEnd - 1] === 10 || b[recEnd - 1] === 13)) recEnd--;
        const text = decoder.decode(b.subarray(recStart, recEnd));
        if (o.mode === 'FAILFAST') {
          const line = lineNumberAt(fs, chunk.offset + recStart);
          throw new SqlUserError('MALFORMED_RECORD',
            `csv: malformed record at ${fs.path}:${line}: ${JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}...` : text)} (${describeProblem(count, dataCols.length, badQuote)}); fix the data, or read with mode PERMISSIVE or DROPMALFORMED`);
        }
        if (o.mode === 'DROPMALFORMED') {
          for (const bl of builders) bl.dropLast();
          continue;
        }
        if (corruptIdx >= 0) corrupt.push(text);
      } else if (corruptIdx >= 0) corrupt.push(null);
      rows++;
      if (rows >= o.batchRows) yield flush();
    }
  }
  if (rows > 0) yield flush();
}

function describeProblem(count: number, expected: number, badQuote: boolean): string {
  if (badQuote) return 'unterminated or misplaced quote';
  if (count !== expected) return `${count} fields, expected ${expected}`;
  return 'a field does not parse as its column type';
}

/** Infers a schema from the first `samplingRows` records of the first file: int32, int64, float64, bool, timestamp, else utf8. */
export async function inferSchema(path: string | string[], options: Record<string, unknown>): Promise<SchemaSpec> {
  const o = csvOptions(options);
  const [first] = expandInputPaths(path);
  // The sample is the first 8 MiB, grown (doubled) while it holds no whole record: a first line
  // longer than the sample (a 10 MB headerless line) must still give its columns.
  let head = readFileHead(first.path, SAMPLE_BYTES);
  while (!head.complete && !hasWholeRecord(head.bytes, o)) head = readFileHead(first.path, head.bytes.length * 2);
  const { bytes, complete } = head;
  const fields = new Fields();
  const rows: (string | null)[][] = [];
  let pos = 0;
  let names: string[] | null = null;
  while (pos < bytes.length && rows.length < o.samplingRows) {
    if (isBlankLine(bytes, pos, bytes.length)) { pos += bytes[pos] === 10 ? 1 : 2; continue; }
    const { next, bad } = parseRecord(bytes, pos, bytes.length, o, fields);
    if (!complete && next >= bytes.length) break;
    pos = next;
    // A field equal to nullValue (unquoted) is null.
    const vals: (string | null)[] = [];
    for (let k = 0; k < fields.count; k++) {
      const v = decoder.decode(fields.bufs[k].subarray(fields.start[k], fields.end[k]));
      vals.push(fields.quoted[k] || v !== o.nullValue ? v : null);
    }
    if (names === null && o.header) { names = vals.map((v, i) => (v === null || v === '' ? `_c${i}` : v)); continue; }
    if (!bad && (names === null ? rows.length === 0 || vals.length === rows[0].length : vals.length === names.length)) rows.push(vals);
  }
  const width = names?.length ?? rows.reduce((m, r) => Math.max(m, r.length), 0);
  if (width === 0) {
    throw new SqlUserError('INVALID_SCHEMA',
      `csv: cannot infer a schema from ${first.path}: ${bytes.length === 0 ? 'the file is empty' : 'its sample holds no record with fields (only blank lines, or no well-formed record)'}; ` +
      `give the schema (read.csv(path, { schema: 'a int, b string' })) or check the path`);
  }
  const colNames = names ?? Array.from({ length: width }, (_, i) => `_c${i}`);
  return colNames.map((name, i) => ({
    name,
    type: o.inferSchema ? inferColumn(rows.map(r => r[i])) : 'utf8',
    nullable: true,
  }));
}

/** Bytes of the first file that schema inference samples at first. */
const SAMPLE_BYTES = 8 << 20;

/** Whether `b` (a file's head) holds one whole record: a line end outside quotes (multiLine) or any line end. */
function hasWholeRecord(b: Uint8Array, o: CsvOptions): boolean {
  if (!o.multiLine) return b.indexOf(10) >= 0;
  let quoted = false;
  for (let i = 0; i < b.length; i++) {
    if (b[i] === o.quote) quoted = !quoted;
    else if (b[i] === 10 && !quoted) return true;
  }
  return false;
}

const INFER_ORDER: TypeName[] = ['int32', 'int64', 'float64', 'bool', 'timestamp'];

function inferColumn(values: (string | null | undefined)[]): TypeName {
  const present = values.filter((v): v is string => v !== undefined && v !== null);
  if (present.length === 0) return 'utf8';
  for (const t of INFER_ORDER) {
    if (t === 'timestamp' && present.some(v => !/^\d{4}-\d{2}-\d{2}/.test(v.trim()))) continue;
    if (present.every(v => parseScalar(v.trim(), t) !== null)) return t;
  }
  return 'utf8';
}

/** Part files are .csv. */
export const fileExtension = '.csv';

function csvField(s: string, o: CsvOptions): string {
  const q = String.fromCharCode(o.quote);
  // A string equal to nullValue (or empty) is quoted: an unquoted one would read back as null.
  const needs = s === '' || s === o.nullValue || s.includes(String.fromCharCode(o.sep)) || s.includes(q) || s.includes('\n') || s.includes('\r')
    || s.trim() !== s || s.includes(String.fromCharCode(o.escape));
  if (!needs) return s;
  let body = s.split(q).join(q + q);
  if (o.escape !== o.quote) body = body.split(String.fromCharCode(o.escape)).join(String.fromCharCode(o.escape, o.escape));
  return q + body + q;
}

/**
 * Writes batches as one CSV file: a header line when `header` is true; null as nullValue (empty), empty
 * strings and strings equal to nullValue quoted so they read back as themselves; quotes doubled inside quoted fields.
 */
export async function writeBatches(batches: AsyncIterable<RecordBatch>, file: string, schema: SchemaSpec, options: Record<string, unknown>): Promise<number> {
  const o = csvOptions(options);
  for (const f of schema) {
    if (vectorSize(f.type) > 0 || f.type.startsWith('list')) {
      throw new SqlUserError('UNSUPPORTED_TYPE', `csv: column '${f.name}' of type ${f.type} cannot be written as CSV; write parquet or arrow`);
    }
  }
  const sep = String.fromCharCode(o.sep);
  const out = new ChecksummedFile(file);
  let rows = 0;
  try {
    if (o.header) out.write(`${schema.map(f => csvField(f.name, o)).join(sep)}\n`);
    for await (const batch of batches) {
      const cols = batchColumns(batch, schema);
      const lines: string[] = [];
      for (let i = 0; i < batch.numRows; i++) {
        const cells: string[] = [];
        for (let c = 0; c < schema.length; c++) {
          const t = schema[c].type;
          const v = t === 'utf8' ? (cols[c].nullCount > 0 && getValue(cols[c], t, i) === null ? null : stringAt(cols[c], i)) : getValue(cols[c], t, i);
          cells.push(v === null ? o.nullValue : v instanceof Date ? v.toISOString() : csvField(String(v), o));
        }
        lines.push(cells.join(sep));
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
