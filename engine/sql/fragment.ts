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
  /** Map side of a shuffle: pieces go out as [key, [tag, ipc]] with keys[p] a key the HashPartitioner sends to partition p. */
  | { mode: 'shuffle'; partitioning: Partitioning; tag: string; keys: number[] };

/** Elements of the RDDs the engine runtime builds. */
export type Piece = Uint8Array | [number, [string, Uint8Array]] | [number, Uint8Array] | number;

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
  const add = (tag: string, b: Uint8Array): void => {
    let list = inputs.get(tag);
    if (list === undefined) { list = []; inputs.set(tag, list); }
    list.push(b);
  };
  // Pieces are copied on arrival: a shuffle reader may hand out bytes that alias its reusable read
  // buffer (v8.deserialize returns views of its input), and this task holds all of them before it runs.
  for await (const piece of it) {
    if (piece instanceof Uint8Array) add('narrow', piece.slice());
    else if (Array.isArray(piece) && Array.isArray(piece[1])) add(piece[1][0], piece[1][1].slice());
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
      for await (const b of stream) {
        const parts = ex.partitionBatch(b, seq);
        seq += b.numRows;
        for (let p = 0; p < parts.length; p++) {
          const piece = parts[p];
          if (piece !== null) yield [tail.keys[p], [tail.tag, batchesToIPC([piece])]];
        }
      }
    }
  }
}
