/** Reading a persisted RDD's partition: the executor's cached block when present, else compute it fully and then store it (a failed compute stores nothing). */
import type { TaskContext } from '../executor/TaskContext.ts';
import { rddBlockId } from '../storage/BlockManager.ts';
import { ArrayIter, drain, type Iter } from './iter.ts';
import type { Partition, RDD } from './RDD.ts';

async function* afterStore<T>(values: Promise<T[]>): AsyncGenerator<T> {
  yield* await values;
}

export const BlockCache = {
  /** The partition's records from the block manager, computing and storing them on a miss. */
  getOrCompute<T>(rdd: RDD<T>, split: Partition, tc: TaskContext): Iter<T> {
    const id = rddBlockId(rdd.id, split.index);
    const bm = tc.blocks;
    const hit = bm.get(id);
    if (hit !== undefined) return new ArrayIter(hit as T[]);
    const values = drain(rdd.compute(split, tc));
    if (values instanceof Promise) {
      return afterStore(values.then((v) => {
        bm.put(id, v, rdd.storageLevel);
        return v;
      }));
    }
    bm.put(id, values, rdd.storageLevel);
    return new ArrayIter(values);
  },
};
