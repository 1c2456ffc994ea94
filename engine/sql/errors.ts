/** The catalogue of DataFrame and connector errors: stable codes, each built with a message naming what, where and the fix. */
import { FlintInternalError, FlintNotImplementedError, FlintUserError } from '../errors.ts';

/** Codes raised by engine/sql and the columnar connectors, with what each means. */
export const SQL_ERROR_CODES = {
  UNRESOLVED_COLUMN: 'a column name does not exist in the input; the message lists the existing names',
  AMBIGUOUS_COLUMN: 'a name appears more than once in a schema where one is required',
  TYPE_MISMATCH: 'an expression got an argument of a type it cannot take',
  INVALID_ARGUMENT: 'a DataFrame method got a bad argument',
  INVALID_SCHEMA: 'a schema description could not be parsed',
  UNSUPPORTED_TYPE: 'an Arrow type outside the supported set',
  MALFORMED_RECORD: 'FAILFAST mode met a record it could not parse',
  PATH_EXISTS: 'a write in mode error found its output path already there',
  WRITE_FAILED: 'a write failed; nothing was committed',
  NOT_IMPLEMENTED: 'valid but not implemented yet',
  INTERNAL: 'a broken invariant inside engine/sql',
} as const;

export type SqlErrorCode = keyof typeof SQL_ERROR_CODES;

/** A user error of engine/sql (bad column, argument, schema or data). */
export class SqlUserError extends FlintUserError {
  constructor(code: Exclude<SqlErrorCode, 'NOT_IMPLEMENTED' | 'INTERNAL'>, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** A valid request that engine/sql does not implement. */
export class SqlNotImplementedError extends FlintNotImplementedError {
  constructor(message: string) {
    super('NOT_IMPLEMENTED', message);
  }
}

/** A bug in engine/sql. */
export class SqlInternalError extends FlintInternalError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INTERNAL', message, options);
  }
}

/** The error for a column name that is not in `available`, listing the existing names. */
export function unresolvedColumn(name: string, available: readonly string[], where: string): SqlUserError {
  return new SqlUserError('UNRESOLVED_COLUMN',
    `${where}: column '${name}' does not exist; existing columns: [${available.join(', ')}]`);
}
