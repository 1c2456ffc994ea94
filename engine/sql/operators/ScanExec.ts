/** A leaf operator reading a file source through the engine's format registry: partition p is split p, read by the format's readSplit. */
import type { RecordBatch } from 'apache-arrow';
import { concatBatches } from '../columns.ts';
import type { InputSplit, SourceModule } from '../../sources.ts';
import type { SchemaSpec } from '../types.ts';
import type { ExecContext, PhysicalOp } from './plan.ts';

/** Rows a scan gathers before it hands on a batch, when its reader yields smaller ones. */
export const SCAN_BATCH_ROWS = 1 << 16;

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
    // Small batches are joined into batches of about SCAN_BATCH_ROWS rows. Readers may hand out tiny ones
    // (parquet-wasm yields 1024-row batches), and every operator pays a fixed cost per batch: a 10M-row
    // groupBy over 1024-row batches spent more time in per-batch overhead than in its row loops.
    let pending: RecordBatch[] = [];
    let rows = 0;
    for (;;) {
      const r = await it.next();
      if (r.done === true) break;
      const b = r.value;
      if (b.numRows >= SCAN_BATCH_ROWS && pending.length === 0) { yield b; continue; }
      if (b.numRows === 0) continue;
      pending.push(b);
      rows += b.numRows;
      if (rows >= SCAN_BATCH_ROWS) {
        yield concatBatches(pending, this.schema);
        pending = [];
        rows = 0;
      }
    }
    if (pending.length > 0) yield concatBatches(pending, this.schema);
  }
  estimatedBytes(): number | null {
    return this.totalBytes;
  }
  describe(): string {
    return `Scan ${this.format} [${this.schema.map(f => f.name).join(', ')}] splits=${this.numPartitions}`;
  }
}
