/** A leaf operator reading a file source through the engine's format registry: partition p is split p, read by the format's readSplit. */
import type { RecordBatch } from 'apache-arrow';
import type { InputSplit, SourceModule } from '../../sources.ts';
import type { SchemaSpec } from '../types.ts';
import type { ExecContext, PhysicalOp } from './plan.ts';

export class ScanExec implements PhysicalOp {
  readonly name = 'Scan';
  readonly children: PhysicalOp[] = [];
  readonly numPartitions: number;
  /**
   * @param moduleUrl the format module (imported on whichever thread runs the partition)
   * @param options reader options; they carry the resolved schema as `schema`, so every split reads alike
   */
  constructor(
    readonly format: string,
    readonly moduleUrl: string,
    readonly splits: InputSplit[],
    readonly options: Record<string, unknown>,
    readonly schema: SchemaSpec,
    readonly totalBytes: number | null,
  ) {
    this.numPartitions = splits.length;
  }
  async *execute(partition: number, _ctx: ExecContext): AsyncIterable<RecordBatch> {
    const mod = (await import(this.moduleUrl)) as SourceModule<RecordBatch>;
    const it = mod.readSplit(this.splits[partition], this.options);
    for (;;) {
      const r = await it.next();
      if (r.done === true) return;
      yield r.value;
    }
  }
  estimatedBytes(): number | null {
    return this.totalBytes;
  }
  describe(): string {
    return `Scan ${this.format} [${this.schema.map(f => f.name).join(', ')}] splits=${this.numPartitions}`;
  }
}
