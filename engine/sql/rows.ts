/** Decoding helpers that executors import by module reference (df.rdd turns IPC batches into row objects). */
import { batchRows } from './columns.ts';
import { ipcToBatches } from './ipc.ts';
import type { SchemaSpec } from './types.ts';

/** The rows of the batches in one IPC stream, as plain objects. */
export function ipcRows(bytes: Uint8Array, schema: SchemaSpec): Record<string, unknown>[] {
  return ipcToBatches(bytes).flatMap(b => batchRows(b, schema));
}
