/** Sample: one training or inference record (features and a label), and the checks that turn Samples into minibatches. */
import { DlUserError } from './errors.ts';

/**
 * One record for training, validation or inference.
 * `features` is the flattened input tensor (row-major, the model's input shape without the batch
 * dimension); models with several inputs take one Float32Array per input.
 * `label` is a 0-based class index for classification, or the regression target (a number or a
 * Float32Array of the output's size).
 */
export interface Sample {
  features: Float32Array | Float32Array[];
  label: number | Float32Array;
}

/** Builds a Sample; copies nothing. */
export function sample(features: Float32Array | Float32Array[], label: number | Float32Array): Sample {
  return { features, label };
}

/** The single feature tensor of a one-input Sample; fails naming the sample index for multi-input ones. */
export function singleFeatures(s: Sample, index: number): Float32Array {
  const f = s.features;
  if (f instanceof Float32Array) return f;
  if (Array.isArray(f) && f.length === 1 && f[0] instanceof Float32Array) return f[0];
  throw new DlUserError('DL_BAD_SAMPLE',
    `sample ${index}: features must be one Float32Array for a single-input model (got ${describe(f)}); flatten each record's input to a Float32Array`);
}

/** Number of label values a Sample carries (1 for a class index or scalar target). */
export function labelLength(s: Sample): number {
  return typeof s.label === 'number' ? 1 : s.label.length;
}

/** A short description of a value for error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as unknown as { length: number }).length})`;
  if (Array.isArray(v)) return `Array(${v.length})`;
  return typeof v;
}
