/**
 * The error catalogue of dl/nn, dl/optim and dl/compile: stable codes for model-building and compilation errors.
 * Labels out of the class range are dl/'s DL_LABEL_OUT_OF_RANGE (`labelOutOfRange` in dl/errors.ts), one code for the
 * Optimizer's sample check and the compiled steps' minibatch check.
 */
import { FlintUserError, FlintNotImplementedError, FlintInternalError } from '../../engine/errors.ts';

export const NnErrorCode = {
  /** Two layers' shapes do not fit together (raised when the model is built). */
  SHAPE_MISMATCH: 'NN_SHAPE_MISMATCH',
  /** A layer or loss constructor argument is invalid. */
  BAD_ARGUMENT: 'NN_BAD_ARGUMENT',
  /** The model's input shape is unknown; set `model.inputShape`. */
  NO_INPUT_SHAPE: 'NN_NO_INPUT_SHAPE',
  /** A state dict or weight vector does not match the model. */
  STATE_MISMATCH: 'NN_STATE_MISMATCH',
  /** Minibatch buffers passed to a compiled step have the wrong length or content. */
  BAD_BATCH: 'NN_BAD_BATCH',
  /** Not implemented yet. */
  NOT_IMPLEMENTED: 'NN_NOT_IMPLEMENTED',
  /** A broken invariant. */
  INTERNAL: 'NN_INTERNAL',
} as const;

export class NnUserError extends FlintUserError {}
export class NnNotImplementedError extends FlintNotImplementedError {}
export class NnInternalError extends FlintInternalError {}

export function nnArg(message: string): NnUserError {
  return new NnUserError(NnErrorCode.BAD_ARGUMENT, message);
}
