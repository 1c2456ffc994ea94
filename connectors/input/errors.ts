/** The file input layer's error catalogue (every file format: text, CSV, JSON lines, Parquet, Arrow): inputs that match nothing, unreadable files, bad input options. */
import { FlintUserError } from '../../engine/errors.ts';

/** Stable codes of the file input layer (all user errors). */
export const INPUT_ERRORS = {
  INPUT_NOT_FOUND: 'a path, directory or glob names no file',
  INPUT_NOT_READABLE: 'a file could not be opened, read or decompressed',
  BAD_INPUT_OPTION: 'an input option (minPartitions, maxSplitBytes, minSplitBytes, chunkBytes, wholeFiles) has a wrong value',
  BAD_INPUT_SPLIT: 'readSplit got a split that planSplits did not make',
  INPUT_CHANGED: 'a file changed size between planning its splits and reading them',
  INPUT_CHECKSUM_MISMATCH: 'a file\'s bytes do not match its checksum sidecar (.name.crc): corrupted or changed after it was written',
} as const;

/** A path, directory or glob named no file. Code: INPUT_NOT_FOUND. */
export function inputNotFound(pattern: string, detail: string): FlintUserError {
  return new FlintUserError('INPUT_NOT_FOUND',
    `input path '${pattern}' ${detail}; check the path (relative paths resolve against ${process.cwd()})`);
}

/** A file could not be read or decompressed. Code: INPUT_NOT_READABLE. */
export function inputNotReadable(file: string, cause: unknown): FlintUserError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new FlintUserError('INPUT_NOT_READABLE', `cannot read input file ${file}: ${why}`, { cause });
}

/** A file's size at read time differs from its size when its splits were planned. Code: INPUT_CHANGED. */
export function inputChanged(file: string, plannedSize: number, size: number): FlintUserError {
  return new FlintUserError('INPUT_CHANGED',
    `input file ${file} changed while it was read: it had ${plannedSize} bytes when its splits were planned and has ${size} now ` +
    `(truncated, rewritten or appended to); splits of a changed file would skip or repeat records, so the read fails: read it again once it is complete`);
}

/** A file does not match its checksum sidecar; `detail` says where. Code: INPUT_CHECKSUM_MISMATCH. */
export function inputChecksumMismatch(file: string, detail: string): FlintUserError {
  return new FlintUserError('INPUT_CHECKSUM_MISMATCH', `input file ${file} failed its checksum: ${detail}; restore the file or write it again`);
}

/** An input option has a wrong value; `format` names the reader ('text', 'csv', ...). Code: BAD_INPUT_OPTION. */
export function badInputOption(format: string, name: string, value: unknown, want: string): FlintUserError {
  return new FlintUserError('BAD_INPUT_OPTION', `${format} input option '${name}' must be ${want}, got ${JSON.stringify(value)}`);
}

/** A split handed to readSplit is not one planSplits made. Code: BAD_INPUT_SPLIT. */
export function badInputSplit(format: string, detail: string): FlintUserError {
  return new FlintUserError('BAD_INPUT_SPLIT', `not a ${format} input split: ${detail}; splits come from planSplits of the same format`);
}
