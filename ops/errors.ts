/** The error catalogue of ops/: every error the graph IR, autodiff, ONNX emitter and runtime raise, with stable codes. */
import { FlintUserError, FlintNotImplementedError, FlintInternalError } from '../engine/errors.ts';

/** Stable error codes of ops/ (documented in docs/architecture/ops.md). */
export const OpsErrorCode = {
  /** An operator name was registered twice. */
  DUPLICATE_OP: 'OPS_DUPLICATE_OP',
  /** An operator name is not in the registry. */
  UNKNOWN_OP: 'OPS_UNKNOWN_OP',
  /** Input shapes or dtypes do not fit an operator's shape rule. */
  SHAPE_MISMATCH: 'OPS_SHAPE_MISMATCH',
  /** An operator argument or attribute is invalid. */
  BAD_ARGUMENT: 'OPS_BAD_ARGUMENT',
  /** Autodiff reached an operator without a gradient rule on a path to a parameter. */
  NO_GRADIENT: 'OPS_NO_GRADIENT',
  /** Tensors from different graphs were mixed. */
  GRAPH_MISMATCH: 'OPS_GRAPH_MISMATCH',
  /** A runtime feed does not match the graph's input. */
  BAD_FEED: 'OPS_BAD_FEED',
  /** onnxruntime rejected a model or failed a run. */
  RUNTIME: 'OPS_RUNTIME',
  /** A feature that is not implemented yet. */
  NOT_IMPLEMENTED: 'OPS_NOT_IMPLEMENTED',
  /** A broken invariant inside ops/. */
  INTERNAL: 'OPS_INTERNAL',
} as const;

/** A caller's graph, arguments or feeds were wrong. */
export class OpsUserError extends FlintUserError {}
/** The request is valid but not implemented in ops/ yet. */
export class OpsNotImplementedError extends FlintNotImplementedError {}
/** A bug inside ops/. */
export class OpsInternalError extends FlintInternalError {}

export function shapeError(op: string, message: string): OpsUserError {
  return new OpsUserError(OpsErrorCode.SHAPE_MISMATCH, `${op}: ${message}`);
}

export function argError(op: string, message: string): OpsUserError {
  return new OpsUserError(OpsErrorCode.BAD_ARGUMENT, `${op}: ${message}`);
}
