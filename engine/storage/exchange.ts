/**
 * Block exchange: fixed-size, versioned float blocks that the tasks of iterative jobs hand to each other
 * (DL training's weight and gradient slices), in memory only, never through files or the driver.
 *
 * An exchange is created by the driver with a layout (block lengths, which slots consume each block,
 * the wire type). Every process hosting slots holds one arena per exchange: a SharedArrayBuffer shared
 * by its worker threads. A producer writes a block into its own process's arena, then publishes the
 * version with `Atomics.store` + `Atomics.notify`; consumers wait with `Atomics.waitAsync` (no polling).
 * A block whose consumers live in other processes is also sent to those processes' block services
 * (`exchangeTransport.ts`), which write it into their arena and publish it the same way.
 *
 * Versions are positive integers chosen by the producers (DL uses the iteration number); a block holds
 * one version at a time, so the protocol above it must not overwrite a version before its consumers
 * read it (training does not: iteration t + 1 writes only after every reader of t has finished).
 * `abort` sets a flag every waiter checks and wakes them all at once.
 */
import { engineError } from '../catalogue.ts';

/** Element type of blocks in the arena and on the wire: float16 halves memory and traffic (values rounded to half precision). */
export type ExchangeDType = 'float32' | 'float16';

/** What the driver declares when it creates an exchange. */
export interface ExchangeLayout {
  /** Block b holds `blocks[b].length` values; `consumers` are the slots (executor ids) that read it. */
  blocks: { length: number; consumers: readonly string[] }[];
  dtype: ExchangeDType;
}

/** Where to send blocks for slots in other processes: the block service of each process. */
export interface ExchangeRoutes {
  /** This process's index. */
  self: number;
  /** Process index of each slot. */
  slotProcess: Record<string, number>;
  /** Block service port of each process (loopback), by process index. */
  ports: Record<number, number>;
  /** Shared secret the block services authenticate with. */
  secret: string;
}

/** What travels to tasks: the exchange's id (each executor looks its arena up) and how long a read may wait. */
export interface ExchangeRef {
  readonly exchangeId: string;
  readonly timeoutMs: number;
}

const HEADER_INTS = 2; // [0] abort flag, [1] unused (keeps data 8-byte aligned for an even block count)

/** One process's memory for one exchange: the version counters and the block data. */
export class ExchangeArena {
  readonly header: Int32Array;
  private readonly offsets: number[] = [];
  readonly bytesPerValue: number;

  constructor(readonly id: string, readonly layout: ExchangeLayout, readonly sab: SharedArrayBuffer = allocate(layout), readonly routes?: ExchangeRoutes) {
    const n = layout.blocks.length;
    this.header = new Int32Array(sab, 0, HEADER_INTS + n);
    this.bytesPerValue = layout.dtype === 'float16' ? 2 : 4;
    let off = align8((HEADER_INTS + n) * 4);
    for (const b of layout.blocks) {
      this.offsets.push(off);
      off = align8(off + b.length * this.bytesPerValue);
    }
  }

  get aborted(): boolean {
    return Atomics.load(this.header, 0) !== 0;
  }

  /** Marks the exchange aborted and wakes every waiter (they fail with EXCHANGE_ABORTED). */
  abort(): void {
    Atomics.store(this.header, 0, 1);
    for (let b = 0; b < this.layout.blocks.length; b++) Atomics.notify(this.header, HEADER_INTS + b);
  }

  version(block: number): number {
    return Atomics.load(this.header, HEADER_INTS + block);
  }

  /** The raw bytes of a block (in the arena's dtype). */
  bytes(block: number): Uint8Array {
    return new Uint8Array(this.sab, this.offsets[block], this.layout.blocks[block].length * this.bytesPerValue);
  }

  /** Writes values (converted to the arena's dtype) without publishing: one array, or parts laid end to end. */
  write(block: number, values: Float32Array | readonly Float32Array[]): void {
    const parts = values instanceof Float32Array ? [values] : values;
    this.checkBlock(block, parts.reduce((a, p) => a + p.length, 0));
    let off = this.offsets[block];
    for (const p of parts) {
      if (this.layout.dtype === 'float32') new Float32Array(this.sab, off, p.length).set(p);
      else toHalf(p, new Uint16Array(this.sab, off, p.length));
      off += p.length * this.bytesPerValue;
    }
  }

  /** Writes raw bytes received from another process (already in the arena's dtype). */
  writeBytes(block: number, bytes: Uint8Array): void {
    if (block < 0 || block >= this.layout.blocks.length || bytes.length !== this.layout.blocks[block].length * this.bytesPerValue) {
      throw engineError('INTERNAL', `exchange ${this.id}: block ${block} received ${bytes.length} bytes, which does not fit its layout`);
    }
    this.bytes(block).set(bytes);
  }

  /** Publishes `version` of a block and wakes its waiters. */
  publish(block: number, version: number): void {
    Atomics.store(this.header, HEADER_INTS + block, version);
    Atomics.notify(this.header, HEADER_INTS + block);
  }

  /** Copies a block's values into `into` (float32). */
  read(block: number, into: Float32Array): Float32Array {
    const len = this.checkBlock(block, into.length);
    const off = this.offsets[block];
    if (this.layout.dtype === 'float32') into.set(new Float32Array(this.sab, off, len));
    else fromHalf(new Uint16Array(this.sab, off, len), into);
    return into;
  }

  /**
   * Waits until `version` of a block is published (or the exchange aborts, or `timeoutMs` passes),
   * then copies it into `into`. A newer version than asked for means the protocol above broke.
   */
  async get(block: number, version: number, into: Float32Array, timeoutMs: number): Promise<Float32Array> {
    await this.waitFor(block, version, timeoutMs);
    return this.read(block, into);
  }

  /**
   * Waits for `version` of a float32 block and returns a view of it in the arena (no copy): valid
   * until a later version of the block is written, which the protocol above rules out while it is read.
   */
  async view(block: number, version: number, timeoutMs: number): Promise<Float32Array> {
    if (this.layout.dtype !== 'float32') throw engineError('INTERNAL', `exchange ${this.id}: view() needs a float32 exchange`);
    await this.waitFor(block, version, timeoutMs);
    return new Float32Array(this.sab, this.offsets[block], this.layout.blocks[block].length);
  }

  private async waitFor(block: number, version: number, timeoutMs: number): Promise<void> {
    const idx = HEADER_INTS + this.checkBlockIndex(block);
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (this.aborted) throw engineError('EXCHANGE_ABORTED', `exchange ${this.id} was aborted while a task waited for block ${block} version ${version} (another task of its group failed or the group was cancelled)`);
      const v = Atomics.load(this.header, idx);
      if (v === version) return;
      if (v > version) throw engineError('INTERNAL', `exchange ${this.id}: block ${block} is at version ${v} but a task asked for ${version}, which was overwritten`);
      const left = deadline - performance.now();
      if (left <= 0) throw engineError('EXCHANGE_TIMEOUT', `exchange ${this.id}: waited ${timeoutMs} ms for block ${block} version ${version}, which no task published`);
      const w = Atomics.waitAsync(this.header, idx, v, left);
      if (w.async) await w.value;
    }
  }

  private checkBlockIndex(block: number): number {
    if (!Number.isInteger(block) || block < 0 || block >= this.layout.blocks.length) {
      throw engineError('BAD_ARGUMENT', `exchange ${this.id} has blocks 0..${this.layout.blocks.length - 1}; got block ${block}`);
    }
    return block;
  }

  private checkBlock(block: number, length: number): number {
    const len = this.layout.blocks[this.checkBlockIndex(block)].length;
    if (length !== len) throw engineError('BAD_ARGUMENT', `exchange ${this.id}: block ${block} holds ${len} values; got ${length}`);
    return len;
  }
}

const align8 = (n: number) => (n + 7) & ~7;

function allocate(layout: ExchangeLayout): SharedArrayBuffer {
  const bpv = layout.dtype === 'float16' ? 2 : 4;
  let bytes = align8((HEADER_INTS + layout.blocks.length) * 4);
  for (const b of layout.blocks) {
    if (!Number.isInteger(b.length) || b.length < 0) throw engineError('BAD_ARGUMENT', `exchange block length must be a non-negative integer; got ${b.length}`);
    bytes = align8(bytes + b.length * bpv);
  }
  return new SharedArrayBuffer(bytes);
}

/** Validates a layout the driver was given. */
export function checkLayout(layout: ExchangeLayout, slots: readonly string[]): void {
  if (layout.dtype !== 'float32' && layout.dtype !== 'float16') throw engineError('BAD_ARGUMENT', `exchange dtype must be 'float32' or 'float16'; got ${String(layout.dtype)}`);
  const known = new Set(slots);
  layout.blocks.forEach((b, i) => {
    for (const c of b.consumers) if (!known.has(c)) throw engineError('BAD_ARGUMENT', `exchange block ${i} names consumer slot '${c}', which this context does not have (slots: ${slots.join(', ')})`);
  });
}

// ---- float16 (IEEE 754 half) conversion, round to nearest even ----

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Converts one float to its half-precision bits. */
export function halfBits(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // inf / NaN
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow to inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow to zero
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let m = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    if (rest > half || (rest === half && (m & 1))) m++;
    return sign | m;
  }
  let h = sign | (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1))) h++; // may carry into the exponent: still correct
  return h;
}

/** Half-precision bits to a float. */
export function halfValue(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

export function toHalf(src: Float32Array, dst: Uint16Array): void {
  for (let i = 0; i < src.length; i++) dst[i] = halfBits(src[i]);
}

let halfTable: Float32Array | undefined;

export function fromHalf(src: Uint16Array, dst: Float32Array): void {
  const t = (halfTable ??= Float32Array.from({ length: 65536 }, (_, h) => halfValue(h)));
  for (let i = 0; i < src.length; i++) dst[i] = t[src[i]];
}

/** Rounds values in place to what a float16 exchange would deliver. */
export function roundToHalf(values: Float32Array): Float32Array {
  for (let i = 0; i < values.length; i++) values[i] = halfValue(halfBits(values[i]));
  return values;
}

/**
 * A task's side of an exchange: reads wait on this process's arena; a put publishes here and sends
 * the block to the other processes that consume it.
 */
export class ExchangeEndpoint {
  constructor(private readonly arena: ExchangeArena, private readonly send: SendBlock | undefined, readonly timeoutMs: number) {}

  get aborted(): boolean {
    return this.arena.aborted;
  }

  /** Waits for `version` of a block and copies it into `into`. */
  get(block: number, version: number, into: Float32Array): Promise<Float32Array> {
    return this.arena.get(block, version, into, this.timeoutMs);
  }

  /**
   * Waits for `version` of a block and returns its values: a view into the arena for a float32 exchange
   * (no copy; read it before the block's next version can be written), else decoded into `scratch`.
   */
  read(block: number, version: number, scratch: Float32Array): Promise<Float32Array> {
    return this.arena.layout.dtype === 'float32' ? this.arena.view(block, version, this.timeoutMs) : this.arena.get(block, version, scratch, this.timeoutMs);
  }

  /** Publishes `values` (one array, or parts laid end to end) as `version` of a block, to local readers at once and to other processes' consumers. */
  async put(block: number, version: number, values: Float32Array | readonly Float32Array[]): Promise<void> {
    if (this.arena.aborted) throw engineError('EXCHANGE_ABORTED', `exchange ${this.arena.id} was aborted before a task put block ${block} version ${version}`);
    this.arena.write(block, values);
    this.arena.publish(block, version);
    const r = this.arena.routes;
    if (r === undefined || this.send === undefined) return;
    const remote = new Set<number>();
    for (const c of this.arena.layout.blocks[block].consumers) {
      const p = r.slotProcess[c];
      if (p !== undefined && p !== r.self) remote.add(p);
    }
    for (const p of remote) await this.send(r.ports[p], r.secret, this.arena.id, block, version, this.arena.bytes(block));
  }
}

/** How an endpoint reaches another process's block service (exchangeTransport.ts's sendBlock). */
export type SendBlock = (port: number, secret: string, exchangeId: string, block: number, version: number, bytes: Uint8Array) => Promise<void>;
