/** Value semantics for keys: canonical hashing, equality and ordering of primitives, arrays and plain objects, value-keyed maps and sets, and cheap size estimates. */
import { engineError } from '../catalogue.ts';
import { inspect, type InspectOptionsStylized } from 'node:util';

// Keys compare by value everywhere in Flint: [1, 'a'] and [1, 'a'] are one key, plain objects compare
// by their sorted own keys and values, -0 equals 0 and NaN equals NaN. Hashes are pure functions of the
// value (no per-process seed), so every thread and process places a key in the same partition.

const MAX_DEPTH = 64;

const SEED_STRING = 0x9e3779b1 | 0;
const SEED_INT = 0x85ebca6b | 0;
const SEED_DOUBLE = 0xc2b2ae35 | 0;
const SEED_ARRAY = 0x27d4eb2f | 0;
const SEED_OBJECT = 0x165667b1 | 0;
const SEED_BIGINT = 0x61c88647 | 0;
const SEED_DATE = 0x7feb352d | 0;
const SEED_BYTES = 0x846ca68b | 0;
const HASH_NAN = 0x7ff80000 | 0;
const HASH_TRUE = 0x4f1bbcdd | 0;
const HASH_FALSE = 0x2545f491 | 0;
const HASH_NULL = 0x5bd1e995 | 0;
const HASH_UNDEFINED = 0x1b873593 | 0;

const scratchF64 = new Float64Array(1);
const scratchU32 = new Uint32Array(scratchF64.buffer);

/** murmur3's 32-bit finalizer: spreads every input bit over the whole hash. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** Folds `v` into the running hash `h` (murmur3's block step). */
function mix(h: number, v: number): number {
  v = Math.imul(v, 0xcc9e2d51);
  v = (v << 15) | (v >>> 17);
  v = Math.imul(v, 0x1b873593);
  h ^= v;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** Hash of a string's UTF-16 code units. */
export function hashString(s: string): number {
  let h = SEED_STRING ^ s.length;
  const n = s.length;
  let i = 0;
  // Two code units per step halves the mixing work for the short words that dominate word count.
  for (; i + 1 < n; i += 2) h = mix(h, s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16));
  if (i < n) h = mix(h, s.charCodeAt(i));
  return fmix32(h);
}

/** Hash of a number: -0 hashes as 0, every NaN alike, integers without touching their float bits. */
export function hashNumber(x: number): number {
  if ((x | 0) === x) return fmix32(SEED_INT ^ x); // also maps -0 to 0
  if (x !== x) return HASH_NAN;
  scratchF64[0] = x;
  return fmix32(mix(mix(SEED_DOUBLE, scratchU32[0]), scratchU32[1]));
}

function badKey(what: string, key: unknown): never {
  throw engineError('UNSUPPORTED_KEY',
    `${what} cannot be a key (got ${describe(key)}); keys must be strings, numbers, booleans, bigints, null, undefined, Dates, byte arrays, or arrays and plain objects of those`);
}

function describe(v: unknown): string {
  if (typeof v === 'function') return `function ${v.name || '(anonymous)'}`;
  if (typeof v === 'symbol') return v.toString();
  if (typeof v === 'object' && v !== null) return `an object of class ${v.constructor?.name ?? 'null-prototype'}`;
  return typeof v;
}

function tooDeep(): never {
  throw engineError('KEY_TOO_DEEP',
    `a key nests deeper than ${MAX_DEPTH} levels (or refers to itself); use a flat tuple or a string as the key`);
}

function hashBytes(seed: number, b: Uint8Array): number {
  let h = seed ^ b.length;
  for (let i = 0; i < b.length; i++) h = mix(h, b[i]);
  return fmix32(h);
}

function hashAt(k: unknown, depth: number): number {
  switch (typeof k) {
    case 'string': return hashString(k);
    case 'number': return hashNumber(k);
    case 'boolean': return k ? HASH_TRUE : HASH_FALSE;
    case 'undefined': return HASH_UNDEFINED;
    case 'bigint': return fmix32(mix(SEED_BIGINT, hashString(k.toString(16))));
    case 'object': {
      if (k === null) return HASH_NULL;
      if (depth > MAX_DEPTH) tooDeep();
      if (Array.isArray(k)) {
        let h = SEED_ARRAY ^ k.length;
        for (let i = 0; i < k.length; i++) h = mix(h, hashAt(k[i], depth + 1));
        return fmix32(h);
      }
      if (k instanceof Date) return fmix32(mix(SEED_DATE, hashNumber(k.getTime())));
      if (ArrayBuffer.isView(k)) {
        const bytes = new Uint8Array(k.buffer, k.byteOffset, k.byteLength);
        return hashBytes(mix(SEED_BYTES, hashString(k.constructor.name)), bytes);
      }
      if (k instanceof Map || k instanceof Set || k instanceof Promise || k instanceof WeakMap) badKey('a Map, Set or Promise', k);
      const names = Object.keys(k).sort();
      let h = SEED_OBJECT ^ names.length;
      for (const name of names) {
        h = mix(h, hashString(name));
        h = mix(h, hashAt((k as Record<string, unknown>)[name], depth + 1));
      }
      return fmix32(h);
    }
    default: return badKey(`a ${typeof k}`, k);
  }
}

/**
 * A stable 32-bit hash of a key by value: the same on every thread and process, equal for keys that
 * `keyEquals` says are equal. Throws UNSUPPORTED_KEY for functions, symbols, Maps and Sets.
 */
export function hashKey(k: unknown): number {
  if (typeof k === 'string') return hashString(k);
  if (typeof k === 'number') return hashNumber(k);
  return hashAt(k, 0);
}

function bytesEqual(a: ArrayBufferView, b: ArrayBufferView): boolean {
  if (a.constructor !== b.constructor || a.byteLength !== b.byteLength) return false;
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function equalsAt(a: unknown, b: unknown, depth: number): boolean {
  if (a === b) return true;
  const ta = typeof a;
  if (ta !== typeof b) return false;
  if (ta === 'number') return a !== a && b !== b; // NaN equals NaN; -0 === 0 already held above
  if (ta !== 'object' || a === null || b === null) return false;
  if (depth > MAX_DEPTH) tooDeep();
  const ao = a as object, bo = b as object;
  if (Array.isArray(ao)) {
    if (!Array.isArray(bo) || ao.length !== bo.length) return false;
    for (let i = 0; i < ao.length; i++) if (!equalsAt(ao[i], bo[i], depth + 1)) return false;
    return true;
  }
  if (Array.isArray(bo)) return false;
  if (ao instanceof Date) return bo instanceof Date && equalsAt(ao.getTime(), bo.getTime(), depth);
  if (bo instanceof Date) return false;
  if (ArrayBuffer.isView(ao)) return ArrayBuffer.isView(bo) && bytesEqual(ao, bo);
  if (ArrayBuffer.isView(bo)) return false;
  const an = Object.keys(ao), bn = Object.keys(bo);
  if (an.length !== bn.length) return false;
  for (const name of an) {
    if (!Object.prototype.hasOwnProperty.call(bo, name)) return false;
    if (!equalsAt((ao as Record<string, unknown>)[name], (bo as Record<string, unknown>)[name], depth + 1)) return false;
  }
  return true;
}

/** Whether two keys are the same key by value (arrays elementwise, plain objects by own keys, -0 = 0, NaN = NaN). */
export function keyEquals(a: unknown, b: unknown): boolean {
  return a === b || equalsAt(a, b, 0);
}

/** Rank of a key's kind in the default ordering of mixed keys. */
function kindRank(k: unknown): number {
  switch (typeof k) {
    case 'undefined': return 0;
    case 'boolean': return 2;
    case 'number': return 3;
    case 'bigint': return 4;
    case 'string': return 5;
    case 'object':
      if (k === null) return 1;
      if (k instanceof Date) return 6;
      if (Array.isArray(k)) return 7;
      if (ArrayBuffer.isView(k)) return 8;
      return 9;
    default: return badKey(`a ${typeof k}`, k);
  }
}

function compareNumbers(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return 0;
  // At least one NaN: NaN sorts after every number and equals itself.
  const an = a !== a, bn = b !== b;
  return an === bn ? 0 : an ? 1 : -1;
}

function compareAt(a: unknown, b: unknown, depth: number): number {
  const ta = typeof a;
  if (ta === typeof b) {
    if (ta === 'string') return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
    if (ta === 'number') return compareNumbers(a as number, b as number);
  }
  const ra = kindRank(a), rb = kindRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  if (depth > MAX_DEPTH) tooDeep();
  switch (ra) {
    case 0: case 1: return 0;
    case 2: return a === b ? 0 : a ? 1 : -1;
    case 4: return (a as bigint) < (b as bigint) ? -1 : (a as bigint) > (b as bigint) ? 1 : 0;
    case 6: return compareNumbers((a as Date).getTime(), (b as Date).getTime());
    case 7: {
      const x = a as unknown[], y = b as unknown[];
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = compareAt(x[i], y[i], depth + 1);
        if (c !== 0) return c;
      }
      return x.length - y.length < 0 ? -1 : x.length > y.length ? 1 : 0;
    }
    case 8: {
      const x = a as ArrayBufferView, y = b as ArrayBufferView;
      const cn = compareAt(x.constructor.name, y.constructor.name, depth);
      if (cn !== 0) return cn;
      const xb = new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
      const yb = new Uint8Array(y.buffer, y.byteOffset, y.byteLength);
      const n = Math.min(xb.length, yb.length);
      for (let i = 0; i < n; i++) if (xb[i] !== yb[i]) return xb[i] < yb[i] ? -1 : 1;
      return xb.length < yb.length ? -1 : xb.length > yb.length ? 1 : 0;
    }
    default: {
      // Plain objects: by their sorted key names, then by the values in that key order.
      const x = a as Record<string, unknown>, y = b as Record<string, unknown>;
      const xn = Object.keys(x).sort(), yn = Object.keys(y).sort();
      const names = compareAt(xn, yn, depth);
      if (names !== 0) return names;
      for (const name of xn) {
        const c = compareAt(x[name], y[name], depth + 1);
        if (c !== 0) return c;
      }
      return 0;
    }
  }
}

/**
 * The default total ordering of keys (sortByKey without a custom comparator). Kinds order as
 * undefined < null < booleans < numbers < bigints < strings < Dates < arrays < byte arrays < objects;
 * numbers ascend with NaN last, strings by UTF-16 code units, arrays lexicographically.
 * `compareKeys(a, b) === 0` exactly when `keyEquals(a, b)`.
 */
export function compareKeys(a: unknown, b: unknown): number {
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'number' && typeof b === 'number') return compareNumbers(a, b);
  return compareAt(a, b, 0);
}

interface Entry<K, V> {
  key: K;
  value: V;
  next: Entry<K, V> | undefined;
}

/**
 * A map whose keys compare by value (`keyEquals`), with Map's interface: it is a Map (`instanceof
 * Map`), so code written for Maps takes it. Primitive keys (string, number, boolean, bigint, null,
 * undefined) live in the Map itself, whose SameValueZero already equates -0 with 0 and NaN with NaN,
 * so a string key costs what a native Map costs; arrays, objects and Dates go to hash chains beside
 * it (Map's own methods called directly, `Map.prototype.get.call(m, k)`, see only the primitive keys).
 * Iteration visits primitive keys in insertion order, then the others. `util.inspect` (console.log)
 * shows the entries as a Map's: `KeyMap(2) { 'a' => 1, [ 1, 2 ] => 3 }`.
 */
export class KeyMap<K, V> extends Map<K, V> {
  private composite: Map<number, Entry<K, V>> | undefined;
  private compositeSize = 0;

  constructor(entries?: Iterable<readonly [K, V]> | null) {
    super();
    if (entries) for (const [k, v] of entries) this.set(k, v);
  }

  override get size(): number {
    return super.size + this.compositeSize;
  }

  override get(key: K): V | undefined {
    if (typeof key !== 'object' || key === null) return super.get(key);
    const e = this.findEntry(key);
    return e === undefined ? undefined : e.value;
  }

  override has(key: K): boolean {
    if (typeof key !== 'object' || key === null) return super.has(key);
    return this.findEntry(key) !== undefined;
  }

  override set(key: K, value: V): this {
    if (typeof key !== 'object' || key === null) {
      super.set(key, value);
      return this;
    }
    const composite = (this.composite ??= new Map());
    const h = hashKey(key);
    const head = composite.get(h);
    for (let e = head; e !== undefined; e = e.next) {
      if (keyEquals(e.key, key)) {
        e.value = value;
        return this;
      }
    }
    composite.set(h, { key, value, next: head });
    this.compositeSize++;
    return this;
  }

  override delete(key: K): boolean {
    if (typeof key !== 'object' || key === null) return super.delete(key);
    if (this.composite === undefined) return false;
    const h = hashKey(key);
    let prev: Entry<K, V> | undefined;
    for (let e = this.composite.get(h); e !== undefined; prev = e, e = e.next) {
      if (!keyEquals(e.key, key)) continue;
      if (prev !== undefined) prev.next = e.next;
      else if (e.next !== undefined) this.composite.set(h, e.next);
      else this.composite.delete(h);
      this.compositeSize--;
      return true;
    }
    return false;
  }

  override clear(): void {
    super.clear();
    this.composite = undefined;
    this.compositeSize = 0;
  }

  override *entries(): MapIterator<[K, V]> {
    yield* super.entries();
    if (this.composite === undefined) return;
    for (const head of this.composite.values()) {
      for (let e: Entry<K, V> | undefined = head; e !== undefined; e = e.next) yield [e.key, e.value];
    }
  }

  override *keys(): MapIterator<K> {
    for (const [k] of this.entries()) yield k;
  }

  override *values(): MapIterator<V> {
    for (const [, v] of this.entries()) yield v;
  }

  override forEach(fn: (value: V, key: K, map: Map<K, V>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) fn.call(thisArg, v, k, this);
  }

  override [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  /** How console.log and util.inspect show it: as a Map of its entries, composite keys included. */
  [inspect.custom](depth: number, options: InspectOptionsStylized, inspectFn: typeof inspect): string {
    if (depth < 0) return `[KeyMap(${this.size})]`;
    const inner = { ...options, depth: options.depth === null ? null : depth - 1 };
    const shown = inspectFn(new Map(this.entries()), inner);
    return `KeyMap(${this.size}) ${shown.replace(/^Map\(\d+\) /, '')}`;
  }

  private findEntry(key: K): Entry<K, V> | undefined {
    if (this.composite === undefined) return undefined;
    for (let e = this.composite.get(hashKey(key)); e !== undefined; e = e.next) {
      if (keyEquals(e.key, key)) return e;
    }
    return undefined;
  }
}

/**
 * The Map an action returns for `entries` (collectAsMap, countByKey, countByValue): a native Map
 * when every key is a primitive (where a Map's SameValueZero is value equality already), else a
 * KeyMap, which is a Map whose array, object and Date keys compare by value.
 */
export function resultMap<K, V>(entries: Iterable<readonly [K, V]>): Map<K, V> {
  const list = Array.isArray(entries) ? entries as (readonly [K, V])[] : [...entries];
  for (const [k] of list) if (typeof k === 'object' && k !== null) return new KeyMap<K, V>(list);
  return new Map<K, V>(list as [K, V][]);
}

/** A set whose members compare by value (`keyEquals`); see KeyMap for the layout and iteration order. */
export class KeySet<K> implements Iterable<K> {
  private readonly map = new KeyMap<K, true>();

  constructor(values?: Iterable<K>) {
    if (values) for (const v of values) this.map.set(v, true);
  }

  get size(): number {
    return this.map.size;
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  add(key: K): this {
    this.map.set(key, true);
    return this;
  }

  delete(key: K): boolean {
    return this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
  }

  values(): IterableIterator<K> {
    return this.map.keys();
  }

  keys(): IterableIterator<K> {
    return this.map.keys();
  }

  forEach(fn: (key: K) => void): void {
    this.map.forEach((_, k) => fn(k));
  }

  [Symbol.iterator](): IterableIterator<K> {
    return this.map.keys();
  }
}

/** Arrays and objects with more elements than this are sized from a sample of their elements. */
const SAMPLE_THRESHOLD = 200;
const SAMPLE_SIZE = 100;

/**
 * A cheap estimate of the bytes `value` holds on the V8 heap (for memory budgets of shuffles and
 * caches, not an exact count). Big arrays, objects, Maps and Sets are sized from an even sample of
 * their elements; shared and cyclic references are counted once.
 */
export function estimateSize(value: unknown): number {
  switch (typeof value) {
    case 'number': return 8;
    case 'string': return 16 + ((value.length + 7) & ~7);
    case 'boolean': case 'undefined': return 8;
    case 'bigint': return 16 + 8 * Math.ceil(value.toString(16).length / 16);
    case 'symbol': return 16;
    case 'function': return 64;
    default: return value === null ? 8 : sizeOfObject(value as object, new Set(), 0);
  }
}

function sizeAt(value: unknown, seen: Set<object>, depth: number): number {
  if (typeof value !== 'object' || value === null) return estimateSize(value);
  if (seen.has(value)) return 8;
  if (depth > 16) return 64;
  return sizeOfObject(value, seen, depth);
}

function sizeOfObject(o: object, seen: Set<object>, depth: number): number {
  seen.add(o);
  if (ArrayBuffer.isView(o)) return 64 + o.byteLength;
  if (o instanceof ArrayBuffer) return 32 + o.byteLength;
  if (Array.isArray(o)) {
    const n = o.length;
    let sum = 16 + 8 * n;
    if (n <= SAMPLE_THRESHOLD) {
      for (let i = 0; i < n; i++) sum += sizeAt(o[i], seen, depth + 1);
      return sum;
    }
    const step = n / SAMPLE_SIZE;
    let sampled = 0;
    for (let s = 0; s < SAMPLE_SIZE; s++) sampled += sizeAt(o[Math.floor(s * step)], seen, depth + 1);
    return sum + sampled * (n / SAMPLE_SIZE);
  }
  if (o instanceof Map || o instanceof Set) {
    const n = o.size;
    const isMap = o instanceof Map;
    const stride = n <= SAMPLE_THRESHOLD ? 1 : Math.floor(n / SAMPLE_SIZE);
    let i = 0, sampled = 0, part = 0;
    for (const item of isMap ? o.entries() : o.values()) {
      if (i++ % stride !== 0) continue;
      sampled++;
      part += isMap
        ? sizeAt((item as [unknown, unknown])[0], seen, depth + 1) + sizeAt((item as [unknown, unknown])[1], seen, depth + 1)
        : sizeAt(item, seen, depth + 1);
    }
    return 64 + 40 * n + (sampled === 0 ? 0 : part * (n / sampled));
  }
  if (o instanceof Date) return 32;
  const names = Object.keys(o);
  const n = names.length;
  let sum = 24 + 16 * n;
  const stride = n <= SAMPLE_THRESHOLD ? 1 : n / SAMPLE_SIZE;
  let sampled = 0, part = 0;
  for (let s = 0; s < n; s += stride) {
    part += sizeAt((o as Record<string, unknown>)[names[Math.floor(s)]], seen, depth + 1);
    sampled++;
  }
  return sum + (sampled === 0 ? 0 : part * (n / sampled));
}

/** Whether `k` is a primitive key that a native Map compares by value already. */
export function isPrimitiveKey(k: unknown): boolean {
  return typeof k !== 'object' || k === null;
}
