/**
 * The executor side of the engine runtime: runs one partition of a plan fragment (rebuilt from its
 * spec) over the partition's inputs, and hands the output on as Arrow IPC bytes, shuffle pieces, a row
 * count or a written part file.
 */
import type { RecordBatch } from 'apache-arrow';
import { SqlInternalError } from './errors.ts';
import { batchesToIPC, ipcToBatches } from './ipc.ts';
import { ExchangeExec, type Partitioning } from './operators/ExchangeExec.ts';
import type { ExecContext, PhysicalOp } from './operators/plan.ts';
import { opFromSpec, type OpSpec } from './operators/serde.ts';
import { countRows, writePartition, type WriteJob } from './tasks.ts';

/** What a fragment does with its output. */
export type FragmentTail =
  | { mode: 'bytes' }
  /** Like bytes, each piece paired with its partition index: [index, ipc]. */
  | { mode: 'collect' }
  | { mode: 'count' }
  | { mode: 'write'; job: WriteJob }
  /**
   * Map side of a shuffle: pieces go out as [key, [tag, ipc, mapIndex, seq]] with keys[p] a key the
   * HashPartitioner sends to partition p; the reduce side orders pieces by (mapIndex, seq).
   */
  | { mode: 'shuffle'; partitioning: Partitioning; tag: string; keys: number[] };

/** Elements of the RDDs the engine runtime builds. */
export type Piece = Uint8Array | [number, [string, Uint8Array, number, number]] | [number, Uint8Array] | number;

class FragmentContext implements ExecContext {
  constructor(private readonly inputs: Map<string, Uint8Array[]>, private readonly settings: Record<string, string>) {}
  conf(key: string): string | undefined {
    return this.settings[key];
  }
  exchange(op: PhysicalOp): AsyncIterable<RecordBatch> {
    throw new SqlInternalError(`exchange ${op.describe()} reached a fragment runner; the planner should have cut the fragment there`);
  }
  async *input(id: string): AsyncIterable<RecordBatch> {
    for (const bytes of this.inputs.get(id) ?? []) if (bytes.length > 0) yield* ipcToBatches(bytes);
  }
}

/**
 * Runs partition `index` of the fragment `spec`. `it` yields the partition's input pieces: IPC bytes of
 * a unioned RDD ('narrow'), tagged shuffle pieces, or a placeholder number for fragments that read files
 * or in-memory batches themselves; `broadcasts` holds broadcast inputs by id.
 */
export async function* runFragment(
  index: number, it: Iterable<Piece> | AsyncIterable<Piece>, spec: OpSpec, broadcasts: Record<string, Uint8Array[]>, tail: FragmentTail, conf: Record<string, string>,
): AsyncGenerator<Piece> {
  const inputs = new Map<string, Uint8Array[]>(Object.entries(broadcasts));
  const shuffled = new Map<string, [number, number, Uint8Array][]>();
  // Shuffle pieces are copied on arrival: a shuffle reader may hand out bytes that alias its reusable read
  // buffer (v8.deserialize returns views of its input), and this task holds all of them before it runs.
  // Narrow inputs (a union's or a cached DataFrame's batches) come from task output or memory blocks.
  for await (const piece of it) {
    if (piece instanceof Uint8Array) {
      let list = inputs.get('narrow');
      if (list === undefined) { list = []; inputs.set('narrow', list); }
      list.push(piece);
    } else if (Array.isArray(piece) && Array.isArray(piece[1])) {
      const [tag, bytes, mapIndex, seq] = piece[1];
      let list = shuffled.get(tag);
      if (list === undefined) { list = []; shuffled.set(tag, list); }
      list.push([mapIndex, seq, bytes.slice()]);
    }
  }
  // Shuffle pieces arrive in whatever order the shuffle keeps; map order makes results deterministic
  // (a limit after a sort reads the sorted partitions in order).
  for (const [tag, list] of shuffled) {
    list.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    inputs.set(tag, list.map(x => x[2]));
  }
  const op = opFromSpec(spec);
  const stream = op.execute(index, new FragmentContext(inputs, conf));
  switch (tail.mode) {
    case 'bytes':
      for await (const b of stream) if (b.numRows > 0) yield batchesToIPC([b]);
      return;
    case 'collect':
      for await (const b of stream) if (b.numRows > 0) yield [index, batchesToIPC([b])];
      return;
    case 'count':
      yield await countRows(stream);
      return;
    case 'write':
      yield await writePartition(stream, index, tail.job);
      return;
    case 'shuffle': {
      const ex = new ExchangeExec(op, tail.partitioning);
      let seq = index;
      let out = 0;
      for await (const b of stream) {
        const parts = ex.partitionBatch(b, seq);
        seq += b.numRows;
        for (let p = 0; p < parts.length; p++) {
          const piece = parts[p];
          if (piece !== null) yield [tail.keys[p], [tail.tag, batchesToIPC([piece]), index, out++]];
        }
      }
    }
  }
}
