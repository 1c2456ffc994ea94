/** Base error classes for Flint: every area keeps its own catalogue of coded errors built on these. */

/** Any error Flint raises on purpose; `code` is stable and documented in the area's catalogue. */
export class FlintError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** The user's input, arguments, data or code were wrong; the message says what and how to fix it. */
export class FlintUserError extends FlintError {}

/** The request is valid but Flint does not implement it yet. */
export class FlintNotImplementedError extends FlintError {}

/** A broken invariant inside Flint: a bug, never the user's fault. */
export class FlintInternalError extends FlintError {}
