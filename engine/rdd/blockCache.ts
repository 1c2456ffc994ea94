/** Reading a persisted RDD's partition: the executor's cached block when present, else compute it, unrolling into memory while it fits the budget, and store it (a failed compute stores nothing). */
import type { TaskContext } from '../executor/TaskContext.ts';
import { estimateSize } from '../serde/keys.ts';
import { rddBlockId, type BlockManager } from '../storage/BlockManager.ts';
import type { StorageLevel } from '../storage/StorageLevel.ts';
import { ArrayIter, isAsyncIter, type Iter } from './iter.ts';
import type { Partition, RDD } from './RDD.ts';

/** Records between two size estimates of a partition being unrolled. */
const UNROLL_CHECK = 256;

/** What unrolling found: the whole partition in memory, or a size past the budget with the source not finished. */
type Unrolled<T> = { done: true; values: T[] } | { done: false; values: T[] };

function unrollSync<T>(src: Iterator<T>, budget: number): Unrolled<T> {
  const values: T[] = [];
  for (let r = src.next(); !r.done; r = src.next()) {
    values.push(r.value);
    if (values.length % UNROLL_CHECK === 0 && estimateSize(values) > budget) return { done: false, values };
  }
  return { done: true, values };
}

async function unrollAsync<T>(src: AsyncIterator<T>, budget: number): Promise<Unrolled<T>> {
  const values: T[] = [];
  for (let r = await src.next(); !r.done; r = await src.next()) {
    values.push(r.value);
    if (values.length % UNROLL_CHECK === 0 && estimateSize(values) > budget) return { done: false, values };
  }
  return { done: true, values };
}

/** The unrolled records, then the rest of the source: a partition that is not cached (MEMORY_ONLY past the budget). */
function* thenRest<T>(values: T[], src: Iterator<T>): Generator<T> {
  yield* values;
  values.length = 0;
  for (let r = src.next(); !r.done; r = src.next()) yield r.value;
}

async function* thenRestAsync<T>(values: T[], src: AsyncIterator<T>): AsyncGenerator<T> {
  yield* values;
  values.length = 0;
  for (let r = await src.next(); !r.done; r = await src.next()) yield r.value;
}

/** Writes the unrolled records and the rest of the source to disk, then streams the block back. */
function toDisk<T>(bm: BlockManager, id: string, values: T[], src: Iterator<T>): Iter<T> {
  const w = bm.diskWriter(id);
  try {
    w.addAll(values);
    values.length = 0;
    for (let r = src.next(); !r.done; r = src.next()) w.add(r.value);
    w.commit();
  } catch (e) {
    w.discard();
    throw e;
  }
  return bm.diskIterator(id) as Iterator<T>;
}

async function toDiskAsync<T>(bm: BlockManager, id: string, values: T[], src: AsyncIterator<T>): Promise<Iterator<T>> {
  const w = bm.diskWriter(id);
  try {
    w.addAll(values);
    values.length = 0;
    for (let r = await src.next(); !r.done; r = await src.next()) w.add(r.value);
    w.commit();
  } catch (e) {
    w.discard();
    throw e;
  }
  return bm.diskIterator(id) as Iterator<T>;
}

function finish<T>(bm: BlockManager, id: string, level: StorageLevel, u: Unrolled<T>, src: Iter<T>): Iter<T> | Promise<Iter<T>> {
  if (u.done) {
    bm.put(id, u.values, level);
    return new ArrayIter(u.values);
  }
  if (isAsyncIter(src)) return level.useDisk ? toDiskAsync(bm, id, u.values, src) : thenRestAsync(u.values, src);
  return level.useDisk ? toDisk(bm, id, u.values, src as Iterator<T>) : thenRest(u.values, src as Iterator<T>);
}

async function* awaited<T>(p: Promise<Iter<T>>): AsyncGenerator<T> {
  const it = await p;
  if (isAsyncIter(it)) { for (let r = await it.next(); !r.done; r = await it.next()) yield r.value; return; }
  for (let r = (it as Iterator<T>).next(); !r.done; r = (it as Iterator<T>).next()) yield r.value;
}

export const BlockCache = {
  /**
   * The partition's records from the block manager, computing and storing them on a miss. As
   * Spark's unroll: the partition is pulled into memory while its estimated size stays within the
   * executor's memory budget; past it, a level with disk writes it to disk batch by batch and
   * streams it back, and MEMORY_ONLY gives the records through without storing them. So a
   * partition bigger than memory never has to be held whole. Disk blocks are read one batch at a time.
   */
  getOrCompute<T>(rdd: RDD<T>, split: Partition, tc: TaskContext): Iter<T> {
    const id = rddBlockId(rdd.id, split.index);
    const bm = tc.blocks;
    const level = rdd.storageLevel;
    if (bm.inMemory(id)) return new ArrayIter(bm.get(id) as T[]);
    const fromDisk = bm.diskIterator(id);
    if (fromDisk !== undefined) return fromDisk as Iterator<T>;
    const budget = level.useMemory ? bm.memoryBytes : 0;
    const src = rdd.compute(split, tc);
    if (isAsyncIter(src)) return awaited(unrollAsync(src, budget).then((u) => finish(bm, id, level, u, src)));
    const r = finish(bm, id, level, unrollSync(src, budget), src);
    return r instanceof Promise ? awaited(r) : r;
  },
};
