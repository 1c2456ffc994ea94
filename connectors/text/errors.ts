/** The text connector's error catalogue: inputs that match nothing, unreadable or corrupt files, bad options. */
import { FlintUserError } from '../../engine/errors.ts';

/** Stable codes of the text connector (all user errors). */
export const TEXT_ERRORS = {
  INPUT_NOT_FOUND: 'a path, directory or glob names no file',
  INPUT_NOT_READABLE: 'a file could not be opened, read or gunzipped',
  BAD_TEXT_OPTION: 'an option of textFile / wholeTextFiles has a wrong value',
  BAD_TEXT_SPLIT: 'readSplit got a split that planSplits did not make',
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

/** An option of textFile / wholeTextFiles has a wrong value. Code: BAD_TEXT_OPTION. */
export function badOption(name: string, value: unknown, want: string): FlintUserError {
  return new FlintUserError('BAD_TEXT_OPTION', `text source option '${name}' must be ${want}, got ${JSON.stringify(value)}`);
}

/** A split handed to readSplit is not one planSplits made. Code: BAD_TEXT_SPLIT. */
export function badSplit(detail: string): FlintUserError {
  return new FlintUserError('BAD_TEXT_SPLIT', `not a text input split: ${detail}; splits come from planSplits of the same format`);
}
