/** The deep-learning training catalogue of coded errors (Optimizer, triggers, metrics, schedules, checkpoints, Model). */
import { FlintInternalError, FlintNotImplementedError, FlintUserError } from '../engine/errors.ts';

/**
 * Stable codes of dl/ training errors. User errors: the caller's data, arguments or files were wrong.
 * - DL_BAD_ARGUMENT: an option of a public constructor or call is missing or out of range.
 * - DL_BAD_SAMPLE: a Sample has the wrong feature length or a label of the wrong kind.
 * - DL_LABEL_OUT_OF_RANGE: a class label is not an integer in [0, numClasses) (raised by the Optimizer's
 *   sample check and by compiled steps' minibatch check: build it with `labelOutOfRange`).
 * - DL_NAN_LOSS: training produced a non-finite loss; the message names the iteration and the last good checkpoint.
 * - DL_BAD_CHECKPOINT: a checkpoint file is missing, truncated or belongs to another model.
 * - DL_BAD_ONNX: an ONNX file cannot be loaded or has inputs/outputs Flint cannot drive.
 * - DL_EMPTY_DATA: training or evaluation data has no samples.
 * Not implemented: DL_NOT_IMPLEMENTED. Internal: DL_INTERNAL.
 */
export type DlErrorCode =
  | 'DL_BAD_ARGUMENT' | 'DL_BAD_SAMPLE' | 'DL_LABEL_OUT_OF_RANGE' | 'DL_NAN_LOSS'
  | 'DL_BAD_CHECKPOINT' | 'DL_BAD_ONNX' | 'DL_EMPTY_DATA';

/** A training or inference input was wrong; the message names it and the fix. */
export class DlUserError extends FlintUserError {
  constructor(code: DlErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * DL_LABEL_OUT_OF_RANGE: the label at `where` (e.g. `training data: sample 13`, `sample 2 of the
 * minibatch`) is not a 0-based class index of a model with `classes` outputs.
 */
export function labelOutOfRange(where: string, label: number, classes: number, outputs = classes): DlUserError {
  return new DlUserError('DL_LABEL_OUT_OF_RANGE',
    `${where} has label ${label}, outside the class range [0, ${classes}) of a model with ${outputs} output${outputs === 1 ? ' (a binary classifier)' : 's'}; labels are 0-based class indices`);
}

/**
 * DL_BAD_SAMPLE for a record whose features do not fill the model's input: `where` names the
 * record (`predict: record 3`, `inference: record 0 of partition 2`).
 */
export function featureLengthMismatch(where: string, length: number, inputLength: number): DlUserError {
  return new DlUserError('DL_BAD_SAMPLE',
    `${where} has ${length} features but the model takes ${inputLength} per sample; give every record the model's input size (features of the wrong length would be read as parts of other records' inputs)`);
}

/** A valid request dl/ does not support yet. */
export class DlNotImplementedError extends FlintNotImplementedError {
  constructor(message: string) {
    super('DL_NOT_IMPLEMENTED', message);
  }
}

/** A broken invariant inside dl/. */
export class DlInternalError extends FlintInternalError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DL_INTERNAL', message, options);
  }
}
