/** Arrow IPC helpers: batches travel between threads and processes as IPC stream bytes. */
import { RecordBatch, RecordBatchReader, RecordBatchStreamWriter, Table } from 'apache-arrow';

/** Encodes batches (of one schema) as one Arrow IPC stream. */
export function batchesToIPC(batches: RecordBatch[]): Uint8Array {
  const writer = new RecordBatchStreamWriter();
  for (const b of batches) writer.write(b);
  writer.finish();
  return writer.toUint8Array(true);
}

/** Decodes an Arrow IPC stream or file into its batches. */
export function ipcToBatches(bytes: Uint8Array): RecordBatch[] {
  const reader = RecordBatchReader.from(bytes);
  return [...reader] as RecordBatch[];
}

/** An Arrow Table of batches. */
export function tableOf(batches: RecordBatch[]): Table {
  return new Table(batches);
}
