/** Record iterators inside a task: sync wherever the whole chain is sync (tight loops), async only when a user function makes it so. */
import { engineError } from '../catalogue.ts';

/** What compute returns: a plain iterator for sync chains, an async one once any step awaits. */
export type Iter<T> = Iterator<T> | AsyncIterator<T>;

/** Whether `it` is an async iterator (it has Symbol.asyncIterator and no Symbol.iterator). */
export function isAsyncIter<T>(it: Iter<T>): it is AsyncIterator<T> {
  return typeof (it as any)[Symbol.iterator] !== 'function' && typeof (it as any)[Symbol.asyncIterator] === 'function';
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/** A sync iterator over an array, from `start`; cheaper than a generator. */
export class ArrayIter<T> implements IterableIterator<T> {
  private i: number;
  constructor(private readonly a: readonly T[], start = 0) { this.i = start; }
  next(): IteratorResult<T> {
    return this.i < this.a.length ? { done: false, value: this.a[this.i++] } : DONE;
  }
  [Symbol.iterator](): IterableIterator<T> { return this; }
}

/** An empty sync iterator. */
export function emptyIter<T>(): IterableIterator<T> {
  return new ArrayIter<T>([]);
}

/**
 * Normalises what a user's mapPartitions function returned: an iterable, an async iterable, or a
 * Promise of either. `what` names the function for the error.
 */
export function toIter<T>(x: unknown, what: string): Iter<T> {
  if (x !== null && x !== undefined) {
    if (typeof (x as any)[Symbol.iterator] === 'function' && typeof x !== 'string') return (x as Iterable<T>)[Symbol.iterator]();
    if (typeof (x as any)[Symbol.asyncIterator] === 'function') return markedAsync((x as AsyncIterable<T>)[Symbol.asyncIterator]());
    if (typeof (x as any).then === 'function') return promisedIter(x as Promise<unknown>, what);
  }
  throw engineError('BAD_FUNCTION_RESULT',
    `${what} must return an iterable (an array, a generator, a Set...), an async iterable, or a Promise of one; got ${x === null ? 'null' : typeof x}`);
}

/**
 * An async iterable's iterator need not itself be async-iterable (a bare `{ next }` object is
 * valid); such an iterator would pass for a sync one, and sync loops would collect its Promises
 * forever. It is wrapped so that `isAsyncIter` recognises it.
 */
function markedAsync<T>(it: AsyncIterator<T>): AsyncIterator<T> {
  if (typeof (it as any)[Symbol.asyncIterator] === 'function' && typeof (it as any)[Symbol.iterator] !== 'function') return it;
  return {
    next: (...args: [] | [unknown]) => it.next(...args),
    return: (value?: any) => (it.return ? it.return(value) : Promise.resolve({ done: true, value })),
    [Symbol.asyncIterator]() { return this; },
  } as AsyncIterator<T>;
}

/** Whether `f` is declared `async` (an async function or async generator function). */
export function isAsyncFunction(f: unknown): boolean {
  const name = (f as { constructor?: { name?: string } } | null)?.constructor?.name;
  return name === 'AsyncFunction' || name === 'AsyncGeneratorFunction';
}

/** The error a sync loop over an async partition raises in a function declared `async`. */
function syncLoopError(what: string): Error {
  return engineError('SYNC_LOOP_OVER_ASYNC_INPUT', `${what} is declared async and iterates its input with a sync loop, but the partition comes from an async parent (a mapPartitions that returned an async iterable); iterate it with 'for await (const x of it)', or drop 'async' to receive the partition as an array`);
}

/**
 * The input a user's partition function receives over an async chain. A function declared `async`
 * (an async function or async generator function) streams it with `for await`; a sync loop over it
 * fails with SYNC_LOOP_OVER_ASYNC_INPUT.
 */
function streamingInput<T>(input: AsyncIterator<T>, what: string): AsyncIterable<T> & Iterable<T> {
  const error = syncLoopError(what);
  return {
    [Symbol.asyncIterator]: () => input,
    [Symbol.iterator]: () => { throw error; },
  };
}

/**
 * Runs a user's partition function (mapPartitions, mapPartitionsWithIndex) over `input`. Over a sync
 * chain it gets the iterator itself (iterable, streaming). Over an async chain a function declared
 * `async` gets a streaming async iterable; any other function (and every engine-internal one) gets
 * the partition drained into an array, so `[...it]`, `for...of` and `Array.from` work whatever the
 * parent. Either way the function is called exactly once.
 */
export function runPartitionFn<T, U>(input: Iter<T>, f: Function, apply: (it: unknown) => Iter<U>, what: string, engineSync: boolean): Iter<U> {
  if (!isAsyncIter(input)) {
    const it = typeof (input as any)[Symbol.iterator] === 'function' ? input : Object.assign(input, { [Symbol.iterator]() { return input; } });
    return apply(it);
  }
  if (!engineSync && isAsyncFunction(f)) return apply(streamingInput(input, what));
  return (async function* () { yield* asAsync(apply(new ArrayIter(await (drain(input) as Promise<T[]>)))); })();
}

/** foreachPartition's counterpart of runPartitionFn: `call` consumes the partition (and may return a Promise). */
export async function consumePartition<T>(input: Iter<T>, f: Function, call: (it: unknown) => unknown, what: string): Promise<void> {
  if (!isAsyncIter(input)) {
    await call(typeof (input as any)[Symbol.iterator] === 'function' ? input : { [Symbol.iterator]: () => input });
    return;
  }
  if (isAsyncFunction(f)) {
    await call(streamingInput(input, what));
    return;
  }
  await call(new ArrayIter(await (drain(input) as Promise<T[]>)));
}

async function* promisedIterGen<T>(p: Promise<unknown>, what: string): AsyncGenerator<T> {
  const v = await p;
  const it = toIter<T>(v, what);
  if (isAsyncIter(it)) {
    for (;;) { const r = await it.next(); if (r.done) return; yield r.value; }
  }
  for (;;) { const r = it.next(); if (r.done) return; yield r.value; }
}

function promisedIter<T>(p: Promise<unknown>, what: string): AsyncIterator<T> {
  return promisedIterGen<T>(p, what);
}

/** Wraps any Iter as an async iterator. */
export async function* asAsync<T>(it: Iter<T>): AsyncGenerator<T> {
  if (isAsyncIter(it)) {
    for (;;) { const r = await it.next(); if (r.done) return; yield r.value; }
  }
  for (;;) { const r = (it as Iterator<T>).next(); if (r.done) return; yield r.value; }
}

/** Wraps an Iter as an iterable for `for...of` / `for await...of` as fits. */
export function iterable<T>(it: Iter<T>): Iterable<T> | AsyncIterable<T> {
  if (isAsyncIter(it)) return { [Symbol.asyncIterator]: () => it };
  return { [Symbol.iterator]: () => it as Iterator<T> };
}

/** Drains `it` into an array (awaiting only when it is async). */
export function drain<T>(it: Iter<T>): T[] | Promise<T[]> {
  if (!isAsyncIter(it)) {
    const out: T[] = [];
    for (let r = it.next(); !r.done; r = it.next()) out.push(r.value);
    return out;
  }
  return (async () => {
    const out: T[] = [];
    for (let r = await it.next(); !r.done; r = await it.next()) out.push(r.value);
    return out;
  })();
}

/** Calls `fn` on each record; returns a Promise only when `it` is async. */
export function forEachRecord<T>(it: Iter<T>, fn: (x: T) => void): void | Promise<void> {
  if (!isAsyncIter(it)) {
    for (let r = it.next(); !r.done; r = it.next()) fn(r.value);
    return;
  }
  return (async () => {
    for (let r = await it.next(); !r.done; r = await it.next()) fn(r.value);
  })();
}

/** One elementwise step of a fused narrow chain. */
export interface ElemOp {
  kind: 'map' | 'filter' | 'flatMap';
  f: (x: any) => any;
}

/** Where a fused chain's push function writes: the output buffer, and the stack of flatMap iterables not yet expanded. */
interface PushTarget {
  buf: unknown[];
  n: number;
  /** The iterable (not an array) the chain's first flatMap returned, expanded lazily; at most one entry. */
  pending: { it: Iterator<unknown>; sink: (x: unknown) => void }[];
}

/**
 * Composes elementwise steps into one push function appending outputs to `out` (built once per
 * iterator). A flatMap result that is an array is pushed at once; any other iterable (a generator)
 * returned by the chain's first flatMap is put on `out.pending` and expanded a record at a time by
 * the iterator, so a flatMap returning a huge generator streams instead of being materialized.
 */
function buildPush(ops: readonly ElemOp[], out: PushTarget): (x: unknown) => void {
  const buf = out.buf;
  // Only the chain's first flatMap defers: it runs at most once per source record (only maps and
  // filters precede it), so its iterable is finished before the next source record, in order. A
  // later flatMap may run several times within one push (after an array-returning flatMap), and
  // deferring there would reorder its output against its siblings', so it expands at once.
  const lazyAt = ops.findIndex((op) => op.kind === 'flatMap');
  let sink: (x: unknown) => void = (x) => { buf[out.n++] = x; };
  for (let i = ops.length - 1; i >= 0; i--) {
    const f = ops[i].f;
    const next = sink;
    const lazy = i === lazyAt;
    switch (ops[i].kind) {
      case 'map': sink = (x) => next(f(x)); break;
      case 'filter': sink = (x) => { if (f(x)) next(x); }; break;
      case 'flatMap': sink = (x) => {
        const r = f(x);
        if (Array.isArray(r)) { for (let j = 0; j < r.length; j++) next(r[j]); }
        else if (r !== null && r !== undefined && typeof r[Symbol.iterator] === 'function' && typeof r !== 'string') {
          if (lazy) out.pending.push({ it: r[Symbol.iterator](), sink: next });
          else for (const y of r) next(y);
        }
        else throw engineError('BAD_FUNCTION_RESULT', `flatMap function must return an iterable (e.g. an array); got ${r === null ? 'null' : typeof r}`);
      }; break;
    }
  }
  return sink;
}

/** Expands pending flatMap iterables until `out` holds `want` records or none are pending; true when some remain. */
function expandPending(out: PushTarget, want: number): boolean {
  const pending = out.pending;
  while (pending.length > 0 && out.n < want) {
    const top = pending[pending.length - 1];
    const r = top.it.next();
    if (r.done) pending.pop();
    else top.sink(r.value);
  }
  return pending.length > 0;
}

/** Closes pending flatMap iterables (an iterator returned early). */
function closePending(out: PushTarget): void {
  for (const p of out.pending.splice(0)) p.it.return?.();
}

/** Pulls this many source records per refill: amortises the refill loop, bounds the buffer. */
const PULL = 64;

/** A fused chain of map/filter/flatMap over a sync source: one iterator level however long the chain. */
export class FusedIter<T> implements IterableIterator<T> {
  // The buffer is reused without truncation (stale slots past `n` are overwritten on the next refill):
  // shrinking and regrowing an array per refill was a measurable share of the chain's cost.
  readonly buf: unknown[] = [];
  n = 0;
  readonly pending: PushTarget['pending'] = [];
  private i = 0;
  private ended = false;
  private readonly push: (x: unknown) => void;
  constructor(private readonly src: Iterator<unknown>, ops: readonly ElemOp[]) {
    this.push = buildPush(ops, this);
  }
  next(): IteratorResult<T> {
    while (this.i >= this.n) {
      this.n = 0;
      this.i = 0;
      if (this.pending.length > 0 && expandPending(this, PULL)) continue;
      if (this.n > 0) continue;
      if (this.ended) return DONE;
      const src = this.src;
      const push = this.push;
      for (let k = 0; k < PULL; k++) {
        const r = src.next();
        if (r.done) { this.ended = true; break; }
        push(r.value);
        if (this.pending.length > 0) break;
      }
    }
    return { done: false, value: this.buf[this.i++] as T };
  }
  /** Stops early (take, first): closes the source so it can release files. */
  return(): IteratorResult<T> {
    this.ended = true;
    this.n = 0;
    this.buf.length = 0;
    closePending(this);
    this.src.return?.();
    return DONE;
  }
  [Symbol.iterator](): IterableIterator<T> { return this; }
}

/** The same fused chain over an async source. */
export class AsyncFusedIter<T> implements AsyncIterableIterator<T> {
  readonly buf: unknown[] = [];
  n = 0;
  readonly pending: PushTarget['pending'] = [];
  private i = 0;
  private ended = false;
  private readonly push: (x: unknown) => void;
  constructor(private readonly src: AsyncIterator<unknown>, ops: readonly ElemOp[]) {
    this.push = buildPush(ops, this);
  }
  async next(): Promise<IteratorResult<T>> {
    while (this.i >= this.n) {
      this.n = 0;
      this.i = 0;
      if (this.pending.length > 0 && expandPending(this, PULL)) continue;
      if (this.n > 0) continue;
      if (this.ended) return DONE;
      const r = await this.src.next();
      if (r.done) { this.ended = true; continue; }
      this.push(r.value);
    }
    return { done: false, value: this.buf[this.i++] as T };
  }
  async return(): Promise<IteratorResult<T>> {
    this.ended = true;
    this.n = 0;
    this.buf.length = 0;
    closePending(this);
    await this.src.return?.();
    return DONE;
  }
  [Symbol.asyncIterator](): AsyncIterableIterator<T> { return this; }
}

/** Applies fused elementwise steps to any Iter. */
export function fuse<T>(src: Iter<unknown>, ops: readonly ElemOp[]): Iter<T> {
  return isAsyncIter(src) ? new AsyncFusedIter<T>(src, ops) : new FusedIter<T>(src as Iterator<unknown>, ops);
}
