/** Growable column builders of the text formats (CSV, JSON lines) that parse values straight from UTF-8 bytes (the CSV hot path: no per-field strings for numbers). */
import type { RecordBatch } from 'apache-arrow';
import {
  buildColumn, DECIMAL_RE, fixedColumn, makeBatch, parseScalar, stringsColumn, utf8Column, type Col, type SchemaSpec, type TypeName,
} from '../../engine/sql/datasource.ts';

const decoder = new TextDecoder();

/** Appends values to one column; appendBytes returns false when the bytes do not parse as the column's type (nothing is appended then). */
export interface ColumnBuilder {
  readonly type: TypeName;
  length: number;
  appendBytes(buf: Uint8Array, s: number, e: number): boolean;
  appendNull(): void;
  /** Removes the last appended value (a record dropped as malformed). */
  dropLast(): void;
  /** Appends a JS value (JSON reader); false when it does not fit the type. */
  appendValue(v: unknown): boolean;
  /** The built column; the builder is empty afterwards. */
  finish(): Col;
}

/** Powers of ten that are exact doubles (a plain decimal m / 10^k with m < 2^53 rounds correctly). */
export const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/** Parses a decimal number from bytes; NaN when it is not one. Short plain decimals take the exact fast path (m / 10^k). */
export function parseNumberBytes(b: Uint8Array, s: number, e: number): number {
  while (s < e && (b[s] === 32 || b[s] === 9)) s++;
  while (e > s && (b[e - 1] === 32 || b[e - 1] === 9)) e--;
  if (s === e) return NaN;
  let i = s;
  let neg = false;
  if (b[i] === 45) { neg = true; i++; } else if (b[i] === 43) i++;
  let m = 0;
  let digits = 0;
  let frac = 0;
  let sawDot = false;
  for (; i < e; i++) {
    const c = b[i];
    if (c >= 48 && c <= 57) { m = m * 10 + (c - 48); digits++; if (sawDot) frac++; } else if (c === 46 && !sawDot) sawDot = true;
    else break;
  }
  if (i === e && digits > 0 && digits <= 15) return (neg ? -m : m) / POW10[frac];
  const t = decoder.decode(b.subarray(s, e));
  return DECIMAL_RE.test(t) ? Number(t) : NaN;
}

/** Whether bytes [s, e) are an integer literal (optional sign, digits, surrounding blanks): an int32 column takes no '1.0' or '1e3'. */
function isIntegerText(b: Uint8Array, s: number, e: number): boolean {
  while (s < e && (b[s] === 32 || b[s] === 9)) s++;
  while (e > s && (b[e - 1] === 32 || b[e - 1] === 9)) e--;
  if (s < e && (b[s] === 45 || b[s] === 43)) s++;
  if (s === e) return false;
  for (let i = s; i < e; i++) if (b[i] < 48 || b[i] > 57) return false;
  return true;
}

function isNaNText(b: Uint8Array, s: number, e: number): boolean {
  return e - s === 3 && (b[s] | 32) === 110 && (b[s + 1] | 32) === 97 && (b[s + 2] | 32) === 110;
}

/** The builder of an int32, float32 or float64 column (parsers append parsed numbers to it directly). */
export class NumberBuilder implements ColumnBuilder {
  length = 0;
  private vals: Float64Array | Float32Array | Int32Array;
  private valid: Uint8Array;
  private anyNull = false;
  constructor(readonly type: 'int32' | 'float32' | 'float64', cap = 1024) {
    this.vals = type === 'int32' ? new Int32Array(cap) : type === 'float32' ? new Float32Array(cap) : new Float64Array(cap);
    this.valid = new Uint8Array(cap);
  }
  private ensure(): void {
    if (this.length < this.vals.length) return;
    const v = new (this.vals.constructor as { new(n: number): Float64Array })(this.vals.length * 2);
    v.set(this.vals);
    this.vals = v;
    const m = new Uint8Array(this.valid.length * 2);
    m.set(this.valid);
    this.valid = m;
  }
  private put(x: number): boolean {
    if (this.type === 'int32' && (!Number.isInteger(x) || x < -2147483648 || x > 2147483647)) return false;
    this.ensure();
    this.vals[this.length] = x;
    this.valid[this.length++] = 1;
    return true;
  }
  /** Appends an already parsed number; false when it does not fit the type (an int32 column given 1.5). */
  appendNumber(x: number): boolean {
    return this.put(x);
  }
  appendBytes(buf: Uint8Array, s: number, e: number): boolean {
    if (this.type === 'int32' && !isIntegerText(buf, s, e)) return false;
    const x = parseNumberBytes(buf, s, e);
    if (Number.isNaN(x)) {
      if (this.type !== 'int32' && isNaNText(buf, s, e)) return this.put(NaN);
      if (this.type !== 'int32') {
        const v = parseScalar(decoder.decode(buf.subarray(s, e)).trim(), 'float64');
        return v === null ? false : this.put(v as number);
      }
      return false;
    }
    return this.put(x);
  }
  appendValue(v: unknown): boolean {
    if (typeof v !== 'number') return false;
    return this.put(v);
  }
  dropLast(): void {
    this.length--;
  }
  appendNull(): void {
    this.ensure();
    this.vals[this.length] = 0;
    this.valid[this.length++] = 0;
    this.anyNull = true;
  }
  finish(): Col {
    const c = fixedColumn(this.type, this.vals.slice(0, this.length), this.anyNull ? this.valid.slice(0, this.length) : null);
    this.length = 0;
    this.anyNull = false;
    return c;
  }
}

class Utf8Builder implements ColumnBuilder {
  readonly type = 'utf8';
  length = 0;
  private bytes = new Uint8Array(1 << 16);
  private offsets = new Int32Array(1025);
  private valid = new Uint8Array(1024);
  private anyNull = false;
  private push(buf: Uint8Array, s: number, e: number, ok: boolean): void {
    if (this.length + 1 >= this.offsets.length) {
      const o = new Int32Array(this.offsets.length * 2); o.set(this.offsets); this.offsets = o;
      const v = new Uint8Array(this.valid.length * 2); v.set(this.valid); this.valid = v;
    }
    const end = this.offsets[this.length];
    const len = e - s;
    if (end + len > this.bytes.length) {
      const b = new Uint8Array(Math.max(this.bytes.length * 2, end + len)); b.set(this.bytes); this.bytes = b;
    }
    if (len > 32) this.bytes.set(buf.subarray(s, e), end);
    else for (let i = 0; i < len; i++) this.bytes[end + i] = buf[s + i];
    this.valid[this.length] = ok ? 1 : 0;
    this.offsets[++this.length] = end + len;
  }
  appendBytes(buf: Uint8Array, s: number, e: number): boolean {
    this.push(buf, s, e, true);
    return true;
  }
  appendValue(v: unknown): boolean {
    if (typeof v !== 'string') return false;
    const b = new TextEncoder().encode(v);
    this.push(b, 0, b.length, true);
    return true;
  }
  dropLast(): void {
    this.length--;
  }
  appendNull(): void {
    this.push(this.bytes, 0, 0, false);
    this.anyNull = true;
  }
  finish(): Col {
    const n = this.length;
    const c = utf8Column(this.offsets.slice(0, n + 1), this.bytes.slice(0, this.offsets[n]), this.anyNull ? this.valid.slice(0, n) : null);
    this.length = 0;
    this.offsets[0] = 0;
    this.anyNull = false;
    return c;
  }
}

/** Builder for the other types (int64, bool, timestamp, vectors): collects JS values and builds at the end. */
class ValueBuilder implements ColumnBuilder {
  length = 0;
  private vals: unknown[] = [];
  constructor(readonly type: TypeName) {}
  appendBytes(buf: Uint8Array, s: number, e: number): boolean {
    const v = parseScalar(decoder.decode(buf.subarray(s, e)).trim(), this.type);
    if (v === null) return false;
    this.vals.push(v);
    this.length++;
    return true;
  }
  appendValue(v: unknown): boolean {
    let x = v;
    switch (this.type) {
      case 'int64':
        if (typeof v === 'number' && Number.isInteger(v)) x = BigInt(v);
        else if (typeof v !== 'bigint') return false;
        // Out of range (1e20 is an integer to JS) would wrap silently in the column: it does not fit.
        if (BigInt.asIntN(64, x as bigint) !== x) return false;
        break;
      case 'bool': if (typeof v !== 'boolean') return false; break;
      case 'timestamp':
        if (typeof v === 'string') { const t = Date.parse(v); if (Number.isNaN(t)) return false; x = t; } else if (typeof v !== 'number') return false;
        break;
      default: {
        const m = /^vector\[(\d+)\]$/.exec(this.type);
        if (m !== null && !(Array.isArray(v) && v.length === Number(m[1]) && v.every(y => typeof y === 'number'))) return false;
      }
    }
    this.vals.push(x);
    this.length++;
    return true;
  }
  dropLast(): void {
    this.vals.pop();
    this.length--;
  }
  appendNull(): void {
    this.vals.push(null);
    this.length++;
  }
  finish(): Col {
    const c = buildColumn(this.type, this.vals);
    this.vals = [];
    this.length = 0;
    return c;
  }
}

/** A builder for a column of `type`. */
export function columnBuilder(type: TypeName): ColumnBuilder {
  if (type === 'int32' || type === 'float32' || type === 'float64') return new NumberBuilder(type);
  if (type === 'utf8') return new Utf8Builder();
  return new ValueBuilder(type);
}


/**
 * A text reader's batch of `rows` rows: the builders' columns in schema order, with the corrupt record
 * column (index `corruptIdx`, -1 when none) built from `corrupt`. Empties the builders and `corrupt`.
 */
export function finishBatch(schema: SchemaSpec, builders: ColumnBuilder[], corruptIdx: number, corrupt: (string | null)[], rows: number): RecordBatch {
  const cols: Col[] = [];
  let b = 0;
  for (let i = 0; i < schema.length; i++) cols.push(i === corruptIdx ? stringsColumn(corrupt) : builders[b++].finish());
  corrupt.length = 0;
  return makeBatch(schema, cols, rows);
}
