/** CheckpointRDD: reads partitions that a checkpoint job wrote to the checkpoint directory; it replaces the lineage of the RDD it saved. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize } from 'node:v8';
import type { TaskContext } from '../executor/TaskContext.ts';
import type { Partitioner } from '../shuffle/api.ts';
import { registerShippable } from '../serde/plan.ts';
import type { FlintContext } from '../context.ts';
import type { Dependency } from './Dependency.ts';
import { ArrayIter, type Iter } from './iter.ts';
import { RDD, type Partition } from './RDD.ts';

/** File name of checkpointed partition `index`. */
export function checkpointFile(dir: string, index: number): string {
  return join(dir, `part-${String(index).padStart(5, '0')}`);
}

/** Executor fields: dir. Keeps the saved RDD's partitioner. */
export class CheckpointRDD<T> extends RDD<T> {
  constructor(ctx: FlintContext, readonly dir: string, private readonly _n: number, private readonly _partitioner: Partitioner | undefined) {
    super(ctx);
  }

  override get partitioner(): Partitioner | undefined {
    return this._partitioner;
  }

  override knownNumPartitions(): number {
    return this._n;
  }

  protected getDependencies(): Dependency[] {
    return [];
  }

  protected getPartitions(): Partition[] {
    return Array.from({ length: this._n }, (_, index) => ({ index }));
  }

  compute(split: Partition, _tc: TaskContext): Iter<T> {
    return new ArrayIter(deserialize(readFileSync(checkpointFile(this.dir, split.index))) as T[]);
  }
}

registerShippable('CheckpointRDD', CheckpointRDD);
