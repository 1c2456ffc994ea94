/** Hash kernels: vectorized key hashing (the same on every executor, so both sides of a shuffle agree) and the open-addressing group table behind aggregation, distinct and joins. */
import { bit, boolColumn, fixedColumn, utf8Column, type Col } from './columns.ts';
import { SqlUserError } from './errors.ts';
import type { TypeName } from './types.ts';

const NULL_HASH = 0x2545f491;
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Adds one column's hash into `out` (which starts at 0 for the first key); equal values hash alike whatever batch they are in. */
export function hashColumnInto(c: Col, type: TypeName, n: number, out: Uint32Array): void {
  const hasNulls = c.nullCount > 0 && c.nullBitmap !== undefined && c.nullBitmap.length > 0;
  const bm = c.nullBitmap as Uint8Array;
  switch (type) {
    case 'int32': {
      const v = c.values as Int32Array;
      for (let i = 0; i < n; i++) out[i] = mix(Math.imul(out[i], 31) + (hasNulls && !bit(bm, i) ? NULL_HASH : v[i]));
      return;
    }
    case 'float32': case 'float64': {
      const v = c.values as Float64Array;
      for (let i = 0; i < n; i++) {
        let h: number;
        if (hasNulls && !bit(bm, i)) h = NULL_HASH;
        else {
          const x = v[i];
          // Integral floats hash like their int value, and -0 like 0, so 1.0 and 1 meet in one group after widening.
          if (Number.isInteger(x) && Math.abs(x) <= 0x7fffffff) h = x | 0;
          else { f64[0] = x !== x ? NaN : x; h = mix(u32[0]) ^ u32[1]; }
        }
        out[i] = mix(Math.imul(out[i], 31) + h);
      }
      return;
    }
    case 'int64': case 'timestamp': {
      const v = c.values as BigInt64Array;
      const w = new Int32Array(v.buffer, v.byteOffset, n * 2);
      for (let i = 0; i < n; i++) {
        const h = hasNulls && !bit(bm, i) ? NULL_HASH : mix(w[2 * i]) ^ w[2 * i + 1];
        out[i] = mix(Math.imul(out[i], 31) + h);
      }
      return;
    }
    case 'bool': {
      const v = c.values as Uint8Array;
      for (let i = 0; i < n; i++) out[i] = mix(Math.imul(out[i], 31) + (hasNulls && !bit(bm, i) ? NULL_HASH : ((v[i >> 3] >> (i & 7)) & 1) + 1));
      return;
    }
    case 'utf8': {
      const off = c.valueOffsets as Int32Array;
      const b = c.values as Uint8Array;
      for (let i = 0; i < n; i++) {
        let h = 0x811c9dc5;
        if (hasNulls && !bit(bm, i)) h = NULL_HASH;
        else for (let p = off[i]; p < off[i + 1]; p++) h = Math.imul(h ^ b[p], 0x01000193);
        out[i] = mix(Math.imul(out[i], 31) + h);
      }
      return;
    }
  }
  throw new SqlUserError('TYPE_MISMATCH', `cannot group, join or partition by a column of type ${type}`);
}

/** The hash of each row's key (several columns combined). */
export function hashColumns(cols: Col[], types: TypeName[], n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let k = 0; k < cols.length; k++) hashColumnInto(cols[k], types[k], n, out);
  return out;
}

/** Stores the distinct keys of one key column, one entry per group. */
interface KeyStore {
  append(c: Col, i: number): void;
  equals(g: number, c: Col, i: number): boolean;
  toColumn(n: number): Col;
}

class NumberStore implements KeyStore {
  vals = new Float64Array(1024);
  valid = new Uint8Array(1024);
  size = 0;
  constructor(readonly type: TypeName) {}
  append(c: Col, i: number): void {
    if (this.size === this.vals.length) {
      const v = new Float64Array(this.size * 2); v.set(this.vals); this.vals = v;
      const m = new Uint8Array(this.size * 2); m.set(this.valid); this.valid = m;
    }
    const ok = c.nullCount === 0 || bit(c.nullBitmap as Uint8Array, i);
    this.valid[this.size] = ok ? 1 : 0;
    this.vals[this.size++] = ok ? (c.values as Float64Array)[i] : 0;
  }
  equals(g: number, c: Col, i: number): boolean {
    const ok = c.nullCount === 0 || bit(c.nullBitmap as Uint8Array, i);
    if (!ok || this.valid[g] === 0) return !ok && this.valid[g] === 0;
    const a = this.vals[g];
    const b = (c.values as Float64Array)[i];
    return a === b || (a !== a && b !== b);
  }
  toColumn(n: number): Col {
    const arr = this.type === 'int32' ? Int32Array.from(this.vals.subarray(0, n)) : this.type === 'float32' ? Float32Array.from(this.vals.subarray(0, n)) : this.vals.slice(0, n);
    return fixedColumn(this.type, arr, this.valid.slice(0, n));
  }
}

class BigStore implements KeyStore {
  vals = new BigInt64Array(1024);
  valid = new Uint8Array(1024);
  size = 0;
  constructor(readonly type: TypeName) {}
  append(c: Col, i: number): void {
    if (this.size === this.vals.length) {
      const v = new BigInt64Array(this.size * 2); v.set(this.vals); this.vals = v;
      const m = new Uint8Array(this.size * 2); m.set(this.valid); this.valid = m;
    }
    const ok = c.nullCount === 0 || bit(c.nullBitmap as Uint8Array, i);
    this.valid[this.size] = ok ? 1 : 0;
    this.vals[this.size++] = ok ? (c.values as BigInt64Array)[i] : 0n;
  }
  equals(g: number, c: Col, i: number): boolean {
    const ok = c.nullCount === 0 || bit(c.nullBitmap as Uint8Array, i);
    if (!ok || this.valid[g] === 0) return !ok && this.valid[g] === 0;
    return this.vals[g] === (c.values as BigInt64Array)[i];
  }
  toColumn(n: number): Col {
    return fixedColumn(this.type, this.vals.slice(0, n), this.valid.slice(0, n));
  }
}

class BoolStore implements KeyStore {
  vals: number[] = [];
  valid: number[] = [];
  append(c: Col, i: number): void {
    const ok = c.nullCount === 0 || bit(c.nullBitmap as Uint8Array, i);
    this.valid.push(ok ? 1 : 0);
    this.vals.push(ok && bit(c.values as Uint8Array, i) ? 1 : 0);
  }
  equals(g: number, c: Col, i: number): boolean {
    const ok = c.nullCount === 0 || bit(c.nullBitmap as Uint8Array, i);
    if (!ok || this.valid[g] === 0) return !ok && this.valid[g] === 0;
    return this.vals[g] === (bit(c.values as Uint8Array, i) ? 1 : 0);
  }
  toColumn(n: number): Col {
    return boolColumn(Uint8Array.from(this.vals.slice(0, n)), Uint8Array.from(this.valid.slice(0, n)), n);
  }
}

class Utf8Store implements KeyStore {
  bytes = new Uint8Array(16384);
  offsets = new Int32Array(1025);
  valid = new Uint8Array(1024);
  size = 0;
  append(c: Col, i: number): void {
    const off = c.valueOffsets as Int32Array;
    const ok = c.nullCount === 0 || bit(c.nullBitmap as Uint8Array, i);
    const len = ok ? off[i + 1] - off[i] : 0;
    if (this.size + 1 === this.offsets.length) {
      const o = new Int32Array(this.offsets.length * 2); o.set(this.offsets); this.offsets = o;
      const v = new Uint8Array(this.valid.length * 2); v.set(this.valid); this.valid = v;
    }
    const end = this.offsets[this.size];
    if (end + len > this.bytes.length) {
      const b = new Uint8Array(Math.max(this.bytes.length * 2, end + len)); b.set(this.bytes); this.bytes = b;
    }
    if (len > 0) this.bytes.set((c.values as Uint8Array).subarray(off[i], off[i + 1]), end);
    this.valid[this.size] = ok ? 1 : 0;
    this.offsets[++this.size] = end + len;
  }
  equals(g: number, c: Col, i: number): boolean {
    const ok = c.nullCount === 0 || bit(c.nullBitmap as Uint8Array, i);
    if (!ok || this.valid[g] === 0) return !ok && this.valid[g] === 0;
    const off = c.valueOffsets as Int32Array;
    const len = off[i + 1] - off[i];
    const s = this.offsets[g];
    if (this.offsets[g + 1] - s !== len) return false;
    const b = c.values as Uint8Array;
    for (let k = 0; k < len; k++) if (this.bytes[s + k] !== b[off[i] + k]) return false;
    return true;
  }
  toColumn(n: number): Col {
    return utf8Column(this.offsets.slice(0, n + 1), this.bytes.slice(0, this.offsets[n]), this.valid.slice(0, n));
  }
}

function makeStore(type: TypeName): KeyStore {
  switch (type) {
    case 'int32': case 'float32': case 'float64': return new NumberStore(type);
    case 'int64': case 'timestamp': return new BigStore(type);
    case 'bool': return new BoolStore();
    case 'utf8': return new Utf8Store();
  }
  throw new SqlUserError('TYPE_MISMATCH', `cannot group or join by a column of type ${type}`);
}

/** Smallest key range that the direct-addressed int32 path always accepts (256 KiB of table). */
const DIRECT_MIN_RANGE = 1 << 16;
/** Largest key range it accepts (64 MiB of table). */
const DIRECT_MAX_RANGE = 1 << 24;

/**
 * Maps distinct keys to dense group ids 0, 1, 2, ... in order of first appearance, across batches.
 * Nulls are one key (as GROUP BY); NaN equals NaN. Slots are picked from the high bits of a remixed
 * hash, so keys that a shuffle sent here by `hash % N` still spread over the whole table.
 */

export class GroupTable {
  readonly types: TypeName[];
  private stores: KeyStore[];
  private slots: Int32Array;
  private shift: number;
  private hashes = new Uint32Array(1024);
  /** Number of distinct keys seen. */
  size = 0;

  /** The single-int32-key fast path: keys by value in `intKeys`, the null key's group in `nullGroup`. */
  private readonly intKey: boolean;
  private intKeys = new Int32Array(1024);
  private nullGroup = -1;

  constructor(types: TypeName[]) {
    this.types = types;
    this.stores = types.map(makeStore);
    this.slots = new Int32Array(1 << 12);
    this.shift = 32 - 12;
    this.intKey = types.length === 1 && types[0] === 'int32';
  }

  /** Int path table: (key, group id + 1) pairs side by side, so one probe touches one cache line. */
  private pairs = new Int32Array(2 << 12);

  private growInt(): void {
    this.rehashInt(this.pairs.length * 2);
  }

  /** Rebuilds the int path's hash table with `cap` / 2 slots (a power of two) from the groups' keys. */
  private rehashInt(cap: number): void {
    this.pairs = new Int32Array(cap);
    this.shift = 32 - Math.log2(cap / 2);
    const mask = cap / 2 - 1;
    const keys = this.intKeys;
    for (let g = 0; g < this.size; g++) {
      if (g === this.nullGroup) continue;
      const v = keys[g];
      let h = Math.imul(v ^ (v >>> 16), 0x85ebca6b);
      h ^= h >>> 13;
      let s = Math.imul(h, 0x9e3779b1) >>> this.shift;
      while (this.pairs[2 * s + 1] !== 0) s = (s + 1) & mask;
      this.pairs[2 * s] = v;
      this.pairs[2 * s + 1] = g + 1;
    }
  }

  /**
   * Direct addressing for one int32 key whose values span a small range (DuckDB's perfect hash
   * aggregation): `direct[key - directBase]` holds group id + 1, so a row costs one typed-array load
   * instead of a hash probe (measured about 5x faster on 100k keys). The table stays direct while the
   * keys' range is at most max(DIRECT_MIN_RANGE, 8 x (groups +
   * batch rows)) and DIRECT_MAX_RANGE; a batch outside that moves every group into the hash table for good.
   */
  private direct: Int32Array | null = null;
  private directBase = 0;
  private directOn = true;

  /** How keys find their groups: 'direct' (int32 key over a small range), 'hash' (one int32 key) or 'generic'. */
  get addressing(): 'direct' | 'hash' | 'generic' {
    return !this.intKey ? 'generic' : this.directOn ? 'direct' : 'hash';
  }

  private intGroupIds(c: Col, n: number, insert: boolean): Int32Array {
    const bm = c.nullCount > 0 && c.nullBitmap !== undefined && c.nullBitmap.length > 0 ? c.nullBitmap : null;
    if (this.directOn) {
      if (!insert) return this.directLookup(c, n, bm);
      const out = this.directGroupIds(c, n, bm);
      if (out !== null) return out;
      // Some key fell outside the range the table may cover: every group moves to the hash table, and
      // the batch is looked up again there (the groups inserted so far keep their ids).
      this.leaveDirect();
    }
    return this.hashIntGroupIds(c, n, insert, bm);
  }

  /** Whether the table can cover the keys of rows [from, n) directly; grows it when needed. */
  private directFits(vals: Int32Array, from: number, n: number, bm: Uint8Array | null): boolean {
    let mn = 2147483647;
    let mx = -2147483648;
    if (bm === null) {
      for (let i = from; i < n; i++) { const v = vals[i]; if (v < mn) mn = v; if (v > mx) mx = v; }
    } else {
      for (let i = from; i < n; i++) if ((bm[i >> 3] >> (i & 7)) & 1) { const v = vals[i]; if (v < mn) mn = v; if (v > mx) mx = v; }
    }
    if (mn > mx) return true; // only nulls
    const cur = this.direct;
    const lo = cur === null ? mn : Math.min(mn, this.directBase);
    const hi = cur === null ? mx : Math.max(mx, this.directBase + cur.length - 1);
    const range = hi - lo + 1;
    if (range > DIRECT_MAX_RANGE || range > Math.max(DIRECT_MIN_RANGE, 8 * (this.size + n))) return false;
    if (cur === null || lo < this.directBase || range > cur.length) {
      const t = new Int32Array(range);
      if (cur !== null) t.set(cur, this.directBase - lo);
      this.direct = t;
      this.directBase = lo;
    }
    return true;
  }

  /**
   * Group ids through the direct table, or null when a key falls outside the range it may cover. The range
   * is checked per row; only a key outside the current table runs the min/max pass (over the rest of the
   * batch) that grows it, so a batch within range costs one pass.
   */
  private directGroupIds(c: Col, n: number, bm: Uint8Array | null): Int32Array | null {
    const out = new Int32Array(n);
    const vals = c.values as Int32Array;
    let table = this.direct ?? new Int32Array(0);
    let base = this.directBase;
    let len = table.length;
    for (let i = 0; i < n; i++) {
      if (bm !== null && ((bm[i >> 3] >> (i & 7)) & 1) === 0) {
        if (this.nullGroup < 0) this.nullGroup = this.appendInt(0, c, i);
        out[i] = this.nullGroup;
        continue;
      }
      let s = vals[i] - base;
      if (s < 0 || s >= len) {
        if (!this.directFits(vals, i, n, bm)) return null;
        table = this.direct!;
        base = this.directBase;
        len = table.length;
        s = vals[i] - base;
      }
      let g1 = table[s];
      if (g1 === 0) { g1 = this.appendInt(vals[i], c, i) + 1; table[s] = g1; }
      out[i] = g1 - 1;
    }
    return out;
  }

  private directLookup(c: Col, n: number, bm: Uint8Array | null): Int32Array {
    const out = new Int32Array(n);
    const vals = c.values as Int32Array;
    const table = this.direct;
    const len = table === null ? 0 : table.length;
    const base = this.directBase;
    for (let i = 0; i < n; i++) {
      if (bm !== null && ((bm[i >> 3] >> (i & 7)) & 1) === 0) { out[i] = this.nullGroup; continue; }
      const s = vals[i] - base;
      out[i] = s >= 0 && s < len ? table![s] - 1 : -1;
    }
    return out;
  }

  /**
   * For a direct-addressed table: a map from key - base straight to `values[group]` (-1 for keys not in
   * the table), so a probe costs one load instead of two. Null when the table is not direct.
   */
  directIndex(values: Int32Array): { base: number; map: Int32Array } | null {
    if (!this.intKey || !this.directOn || this.direct === null) return null;
    const d = this.direct;
    const map = new Int32Array(d.length);
    for (let s = 0; s < d.length; s++) map[s] = d[s] === 0 ? -1 : values[d[s] - 1];
    return { base: this.directBase, map };
  }

  /** Moves every group from the direct table into the hash table (a batch's keys spanned too wide a range). */
  private leaveDirect(): void {
    this.directOn = false;
    this.direct = null;
    let cap = 2 << 12;
    while (this.size * 4 > cap) cap *= 2;
    this.rehashInt(cap);
  }

  /** groupIds/lookup for one int32 key through the hash table: the key itself is compared, no per-row calls. */
  private hashIntGroupIds(c: Col, n: number, insert: boolean, bm: Uint8Array | null): Int32Array {
    const out = new Int32Array(n);
    const vals = c.values as Int32Array;
    let pairs = this.pairs;
    let mask = (pairs.length >> 1) - 1;
    let shift = this.shift;
    for (let i = 0; i < n; i++) {
      if (bm !== null && ((bm[i >> 3] >> (i & 7)) & 1) === 0) {
        if (this.nullGroup < 0 && insert) this.nullGroup = this.appendInt(0, c, i);
        out[i] = this.nullGroup;
        continue;
      }
      const v = vals[i];
      let h = Math.imul(v ^ (v >>> 16), 0x85ebca6b);
      h ^= h >>> 13;
      let s = Math.imul(h, 0x9e3779b1) >>> shift;
      for (;;) {
        const g1 = pairs[2 * s + 1];
        if (g1 === 0) {
          if (!insert) { out[i] = -1; break; }
          const ng = this.appendInt(v, c, i);
          pairs[2 * s] = v;
          pairs[2 * s + 1] = ng + 1;
          out[i] = ng;
          if (this.size * 4 > pairs.length) {
            this.growInt();
            pairs = this.pairs; mask = (pairs.length >> 1) - 1; shift = this.shift;
          }
          break;
        }
        if (pairs[2 * s] === v) { out[i] = g1 - 1; break; }
        s = (s + 1) & mask;
      }
    }
    return out;
  }

  private appendInt(v: number, c: Col, i: number): number {
    const g = this.size++;
    if (g === this.intKeys.length) { const a = new Int32Array(g * 2); a.set(this.intKeys); this.intKeys = a; }
    this.intKeys[g] = v;
    this.stores[0].append(c, i);
    return g;
  }

  private grow(): void {
    const cap = this.slots.length * 2;
    this.slots = new Int32Array(cap);
    this.shift--;
    const mask = cap - 1;
    for (let g = 0; g < this.size; g++) {
      let s = Math.imul(this.hashes[g], 0x9e3779b1) >>> this.shift;
      while (this.slots[s] !== 0) s = (s + 1) & mask;
      this.slots[s] = g + 1;
    }
  }

  private insert(h: number, cols: Col[], i: number, s: number): number {
    const g = this.size++;
    if (g === this.hashes.length) { const a = new Uint32Array(g * 2); a.set(this.hashes); this.hashes = a; }
    this.hashes[g] = h;
    for (let k = 0; k < cols.length; k++) this.stores[k].append(cols[k], i);
    this.slots[s] = g + 1;
    if (this.size * 2 > this.slots.length) this.grow();
    return g;
  }

  /** The group id of every row (inserting new keys); `hashes` may be passed when already computed. */
  groupIds(cols: Col[], n: number, hashes?: Uint32Array): Int32Array {
    if (this.intKey) return this.intGroupIds(cols[0], n, true);
    if (this.types.length === 0) {
      // No keys (a global aggregate): every row is in group 0.
      if (n > 0 && this.size === 0) this.size = 1;
      return new Int32Array(n);
    }
    hashes ??= hashColumns(cols, this.types, n);
    const out = new Int32Array(n);
    const stores = this.stores;
    const nk = cols.length;
    for (let i = 0; i < n; i++) {
      const h: number = hashes[i];
      const mask = this.slots.length - 1;
      let s: number = Math.imul(h, 0x9e3779b1) >>> this.shift;
      for (;;) {
        const g = this.slots[s] - 1;
        if (g < 0) { out[i] = this.insert(h, cols, i, s); break; }
        if (this.hashes[g] === h) {
          let eq = true;
          for (let k = 0; k < nk; k++) if (!stores[k].equals(g, cols[k], i)) { eq = false; break; }
          if (eq) { out[i] = g; break; }
        }
        s = (s + 1) & mask;
      }
    }
    return out;
  }

  /** The group id of every row, or -1 where the key is not in the table (nothing is inserted). */
  lookup(cols: Col[], n: number, hashes?: Uint32Array): Int32Array {
    if (this.intKey) return this.intGroupIds(cols[0], n, false);
    hashes ??= hashColumns(cols, this.types, n);
    const out = new Int32Array(n);
    const stores = this.stores;
    const nk = cols.length;
    const mask = this.slots.length - 1;
    for (let i = 0; i < n; i++) {
      const h: number = hashes[i];
      let s: number = Math.imul(h, 0x9e3779b1) >>> this.shift;
      out[i] = -1;
      for (;;) {
        const g = this.slots[s] - 1;
        if (g < 0) break;
        if (this.hashes[g] === h) {
          let eq = true;
          for (let k = 0; k < nk; k++) if (!stores[k].equals(g, cols[k], i)) { eq = false; break; }
          if (eq) { out[i] = g; break; }
        }
        s = (s + 1) & mask;
      }
    }
    return out;
  }

  /** The distinct keys as columns, row g holding group g's key. */
  keyColumns(): Col[] {
    return this.stores.map(s => s.toColumn(this.size));
  }
}
