/** SourceRDD: records read by a registered format module; the driver plans splits, each executor imports the same module and reads its split. */
import { engineError } from '../catalogue.ts';
import type { TaskContext } from '../executor/TaskContext.ts';
import { registerShippable } from '../serde/plan.ts';
import type { ExecutorServices } from '../serde/rebuild.ts';
import { lookupFormat, type InputSplit, type SourceModule } from '../sources.ts';
import type { FlintContext } from '../context.ts';
import type { Dependency } from './Dependency.ts';
import { toIter, type Iter } from './iter.ts';
import { RDD, type Partition } from './RDD.ts';

/** Partition = { index, split }. Executor fields: format, moduleUrl, options. */
export class SourceRDD<T> extends RDD<T> {
  readonly moduleUrl: string;
  private _splits: InputSplit[] | undefined;
  private _mod: SourceModule<T> | undefined;

  constructor(
    ctx: FlintContext,
    readonly format: string,
    private readonly _path: string | string[],
    private readonly _minPartitions: number,
    readonly options: Record<string, unknown>,
  ) {
    super(ctx);
    this.moduleUrl = lookupFormat(format);
  }

  protected getDependencies(): Dependency[] {
    return [];
  }

  override knownNumPartitions(): number | undefined {
    return this._splits?.length;
  }

  protected override async doPrepare(): Promise<void> {
    const mod = (await import(this.moduleUrl)) as SourceModule<T>;
    if (typeof mod.planSplits !== 'function' || typeof mod.readSplit !== 'function') {
      throw engineError('BAD_ARGUMENT', `format '${this.format}' (${this.moduleUrl}) must export planSplits and readSplit`);
    }
    this._splits = await mod.planSplits(this._path, this._minPartitions, this.options);
  }

  protected getPartitions(): Partition[] {
    if (this._splits === undefined) throw engineError('INTERNAL', `${this} used before its splits were planned`);
    return this._splits.map((split, index) => ({ index, split }));
  }

  /** On an executor: import the format module once (cached per executor). */
  async executorInit(svc: ExecutorServices): Promise<void> {
    this._mod = (await svc.importModule(this.moduleUrl)) as unknown as SourceModule<T>;
  }

  compute(split: Partition, _tc: TaskContext): Iter<T> {
    return toIter<T>(this._mod!.readSplit(split.split as InputSplit, this.options), `readSplit of format '${this.format}'`);
  }
}

registerShippable('SourceRDD', SourceRDD);
