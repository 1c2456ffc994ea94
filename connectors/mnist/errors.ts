/** The mnist connector's catalogue of coded errors. */
import { FlintUserError } from '../../engine/errors.ts';

/**
 * Stable codes: MNIST_NOT_FOUND (a file or directory is missing), MNIST_BAD_MAGIC (not an idx file of the
 * expected kind), MNIST_TRUNCATED (the file ends before its header says), MNIST_COUNT_MISMATCH (images and
 * labels disagree on the record count), MNIST_BAD_ARGUMENT (a bad option).
 */
export type MnistErrorCode = 'MNIST_NOT_FOUND' | 'MNIST_BAD_MAGIC' | 'MNIST_TRUNCATED' | 'MNIST_COUNT_MISMATCH' | 'MNIST_BAD_ARGUMENT';

/** A bad MNIST/idx input; the message names the file and what to do. */
export class MnistError extends FlintUserError {
  constructor(code: MnistErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
