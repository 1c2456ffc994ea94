/** What a result task does with its partition's records: one entry per action (collect, count, reduce, ...), run on executors. */
import { renameSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { serialize } from 'node:v8';
import { KeyMap, compareKeys } from '../serde/keys.ts';
import { decodeRecordArray, encodeRecordArray } from '../shuffle/index.ts';
import { StatCounter } from '../rdd/StatCounter.ts';
import { seededRandom } from '../rdd/random.ts';
import { checkpointFile } from '../rdd/CheckpointRDD.ts';
import { consumePartition, isAsyncIter, type Iter } from '../rdd/iter.ts';
import type { TaskContext } from './TaskContext.ts';
import { engineError } from '../catalogue.ts';

type Fn = (...args: any[]) => any;
type Params = Record<string, any>;
/** A result operation: consumes the partition's iterator, returns a structured-clonable value. */
type ResultOp = (it: Iter<unknown>, p: Params, tc: TaskContext) => unknown;

/** Calls `fn` per record with a sync loop when possible. */
function each(it: Iter<unknown>, fn: (x: unknown) => boolean | void): void | Promise<void> {
  if (!isAsyncIter(it)) {
    for (let r = it.next(); !r.done; r = it.next()) if (fn(r.value) === false) { it.return?.(); return; }
    return;
  }
  return (async () => {
    for (let r = await it.next(); !r.done; r = await it.next()) if (fn(r.value) === false) { await it.return?.(); return; }
  })();
}

function then<T>(r: void | Promise<void>, value: () => T): T | Promise<T> {
  return r instanceof Promise ? r.then(value) : value();
}

function cloneZero<T>(zero: T): T {
  return typeof zero === 'object' && zero !== null ? structuredClone(zero) : zero;
}

/** Results of these operations may come back framed (see `framed`); the driver unframes them. */
export const FRAMED_OPS = new Set(['collect', 'countByValue']);

/** Record arrays longer than this travel as one encoded frame rather than a structured clone of every record. */
const FRAME_MIN_RECORDS = 256;

/**
 * Encodes a large record array as bytes: for [key, value] records the shuffle's codec, which
 * encodes and decodes several times faster than a structured clone (and the driver's share, the
 * decode, is the small one). Small arrays travel as they are.
 */
function framed(records: unknown[]): unknown {
  return records.length < FRAME_MIN_RECORDS ? records : { __flintFrame__: encodeRecordArray(records) };
}

/** The driver's side of `framed`. */
export function unframe(result: unknown): unknown {
  if (typeof result === 'object' && result !== null && !Array.isArray(result)) {
    const bytes = (result as { __flintFrame__?: unknown }).__flintFrame__;
    if (bytes instanceof Uint8Array) return decodeRecordArray(bytes);
  }
  return result;
}

/**
 * UNDEFINED_RECORD for record `index` of the task's partition: an undefined record (a map function
 * that returned nothing) or an undefined result of the action's function would otherwise fold into
 * NaN or undefined without a word.
 */
function undefinedRecord(op: string, what: 'record' | 'result', index: number, tc: TaskContext): Error {
  const where = `record ${index} of partition ${tc.partitionId}`;
  return engineError('UNDEFINED_RECORD', what === 'record'
    ? `${op}: ${where} is undefined, usually a map function that returned nothing for it; return a value for every record, or drop them first with .filter(x => x !== undefined)`
    : `${op}: the ${op} function returned undefined at ${where}; it must return the merged value (a block body needs a return statement)`);
}

/** NOT_A_NUMBER for record `index` of the task's partition in a numeric action. */
function notANumber(op: string, x: unknown, index: number, tc: TaskContext): Error {
  const shown = x === undefined ? 'undefined, usually a map function that returned nothing for it'
    : x === null ? 'null' : typeof x === 'string' ? `the string ${JSON.stringify(x.slice(0, 40))}` : `a ${typeof x}`;
  return engineError('NOT_A_NUMBER',
    `${op}(): record ${index} of partition ${tc.partitionId} is ${shown}, not a number; ${op}() needs an RDD of numbers: map records to numbers first (e.g. .map(Number)) or filter them out`);
}

export const RESULT_OPS: Record<string, ResultOp> = {
  collect(it) {
    const out: unknown[] = [];
    return then(each(it, (x) => { out.push(x); }), () => framed(out));
  },
  count(it) {
    let n = 0;
    return then(each(it, () => { n++; }), () => n);
  },
  take(it, p) {
    const out: unknown[] = [];
    const n = p.n as number;
    return then(each(it, (x) => { out.push(x); return out.length < n; }), () => out);
  },
  reduce(it, p, tc) {
    const f = p.f as Fn;
    let has = false;
    let acc: unknown;
    let i = 0;
    return then(each(it, (x) => {
      if (x === undefined) throw undefinedRecord('reduce', 'record', i, tc);
      if (has) {
        acc = f(acc, x);
        if (acc === undefined) throw undefinedRecord('reduce', 'result', i, tc);
      } else { acc = x; has = true; }
      i++;
    }), () => ({ has, value: acc }));
  },
  aggregate(it, p, tc) {
    const seqOp = p.seqOp as Fn;
    const op = (p.op as string | undefined) ?? 'aggregate';
    let acc = cloneZero(p.zero);
    let i = 0;
    return then(each(it, (x) => {
      if (x === undefined) throw undefinedRecord(op, 'record', i, tc);
      acc = seqOp(acc, x);
      if (acc === undefined) throw undefinedRecord(op, 'result', i, tc);
      i++;
    }), () => acc);
  },
  extreme(it, p) {
    const cmp = (p.cmp as Fn | undefined) ?? compareKeys;
    const sign = p.sign as number;
    let has = false;
    let best: unknown;
    return then(each(it, (x) => {
      if (!has || sign * cmp(x, best) > 0) best = x;
      has = true;
    }), () => ({ has, value: best }));
  },
  foreach(it, p) {
    // An async f is awaited record by record (a dropped Promise would lose its error).
    const f = p.f as Fn;
    if (isAsyncIter(it)) {
      return (async () => {
        for (let r = await it.next(); !r.done; r = await it.next()) await f(r.value);
        return null;
      })();
    }
    for (let r = it.next(); !r.done; r = it.next()) {
      const out = f(r.value);
      if (out !== null && typeof out === 'object' && typeof (out as Promise<unknown>).then === 'function') {
        return (async () => {
          await out;
          for (let q = it.next(); !q.done; q = it.next()) await f(q.value);
          return null;
        })();
      }
    }
    return null;
  },
  async foreachPartition(it, p, tc) {
    await consumePartition(it, p.f as Fn, (input) => (p.f as Fn)(input, tc), 'foreachPartition function');
    return null;
  },
  countByValue(it) {
    const m = new KeyMap<unknown, number>();
    return then(each(it, (x) => { m.set(x, (m.get(x) ?? 0) + 1); }), () => framed([...m.entries()]));
  },
  takeOrdered(it, p) {
    const n = p.n as number;
    const base = (p.cmp as Fn | undefined) ?? compareKeys;
    const cmp = p.reverse ? (a: unknown, b: unknown) => base(b, a) : base;
    // Keep at most 2n candidates, trimming back to n by sorting: O(N log n) without a heap.
    let buf: unknown[] = [];
    return then(each(it, (x) => {
      buf.push(x);
      if (buf.length >= 2 * n + 16) buf = buf.sort(cmp).slice(0, n);
    }), () => buf.sort(cmp).slice(0, n));
  },
  stats(it, p, tc) {
    const s = new StatCounter();
    let i = 0;
    return then(each(it, (x) => {
      if (typeof x !== 'number') throw notANumber((p.op as string | undefined) ?? 'stats', x, i, tc);
      s.add(x);
      i++;
    }), () => s.toJSON());
  },
  sampleKeys(it, p) {
    // Reservoir sample of keys (Algorithm R) with a seeded generator, plus the partition's count.
    const size = p.size as number;
    const rand = seededRandom((p.seed as number) * 2654435761 + 12345);
    const keys: unknown[] = [];
    let count = 0;
    return then(each(it, (kv) => {
      const k = (kv as [unknown, unknown])[0];
      if (keys.length < size) keys.push(k);
      else {
        const j = Math.floor(rand() * (count + 1));
        if (j < size) keys[j] = k;
      }
      count++;
    }), () => ({ count, keys }));
  },
  saveText(it, p, tc) {
    // Task commit: write to an attempt file, then rename to part-NNNNN in the job's temporary directory.
    // The driver made `dir`; a task must not recreate it: after a failed job the driver deletes it
    // while other tasks of that job may still run, and their writes must then fail, not resurrect it.
    const dir = p.dir as string;
    const name = `part-${String(tc.partitionId).padStart(5, '0')}`;
    const tmp = join(dir, `.${name}.attempt-${tc.attemptNumber}-${tc.taskId}`);
    const fd = openSync(tmp, 'w');
    let chunk: string[] = [];
    let size = 0;
    const flush = () => {
      if (chunk.length > 0) writeSync(fd, chunk.join(''));
      chunk = [];
      size = 0;
    };
    const done = () => {
      flush();
      closeSync(fd);
      renameSync(tmp, join(dir, name));
      return null;
    };
    const fail = (e: unknown): never => {
      closeSync(fd);
      throw e;
    };
    let r: void | Promise<void>;
    try {
      r = each(it, (x) => {
        const line = `${String(x)}\n`;
        chunk.push(line);
        size += line.length;
        if (size > 1 << 20) flush();
      });
    } catch (e) {
      return fail(e);
    }
    if (r instanceof Promise) return r.then(done, fail);
    return done();
  },
  checkpoint(it, p, tc) {
    const out: unknown[] = [];
    return then(each(it, (x) => { out.push(x); }), () => {
      const file = checkpointFile(p.dir as string, tc.partitionId);
      const tmp = `${file}.${tc.taskId}.tmp`;
      writeFileSync(tmp, serialize(out));
      renameSync(tmp, file);
      return out.length;
    });
  },
};
