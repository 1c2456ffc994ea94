/** Minibatch assembly: validates Samples once, then copies chosen samples into reused Float32Array buffers (no per-step allocation). */
import { DlUserError, labelOutOfRange } from './errors.ts';
import { describe, singleFeatures, type Sample } from './sample.ts';

/** Shape facts of a checked sample set. */
export interface SampleLayout {
  featureLength: number;
  labelLength: number;
}

/**
 * Checks every sample: one Float32Array of features of equal length, labels all numbers or all
 * Float32Arrays of equal length, and with `numClasses` every label an integer in [0, numClasses).
 * Errors name the sample index (the position in the data set as given or collected).
 */
export function checkSamples(samples: readonly Sample[], what: string, numClasses?: number): SampleLayout {
  if (samples.length === 0) {
    throw new DlUserError('DL_EMPTY_DATA', `${what} has no samples; give at least one Sample`);
  }
  const featureLength = singleFeatures(samples[0], 0).length;
  const first = samples[0].label;
  const labelLength = typeof first === 'number' ? 1 : first instanceof Float32Array ? first.length : -1;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i];
    if (s === null || typeof s !== 'object') {
      throw new DlUserError('DL_BAD_SAMPLE', `${what}: sample ${i} is ${describe(s)}, not a Sample { features, label }`);
    }
    const f = singleFeatures(s, i);
    if (f.length !== featureLength) {
      throw new DlUserError('DL_BAD_SAMPLE', `${what}: sample ${i} has ${f.length} features but sample 0 has ${featureLength}; every sample must have the model's input size`);
    }
    const l = s.label;
    if (typeof l === 'number') {
      if (labelLength !== 1 || (typeof first !== 'number')) {
        throw new DlUserError('DL_BAD_SAMPLE', `${what}: sample ${i} has a number label but sample 0 has ${describe(first)}`);
      }
      if (numClasses !== undefined && !(Number.isInteger(l) && l >= 0 && l < numClasses)) {
        throw labelOutOfRange(`${what}: sample ${i}`, l, numClasses);
      }
    } else if (!(l instanceof Float32Array) || l.length !== labelLength) {
      throw new DlUserError('DL_BAD_SAMPLE', `${what}: sample ${i} has label ${describe(l)} but sample 0 has ${describe(first)}; labels must be all numbers or all Float32Arrays of one length`);
    } else if (numClasses !== undefined) {
      throw new DlUserError('DL_BAD_SAMPLE', `${what}: sample ${i} has a Float32Array label but the criterion takes class indices; give each sample a number label`);
    }
  }
  return { featureLength, labelLength };
}

/** Reused input/target buffers for batches of up to `batchSize` samples. */
export class MiniBatcher {
  readonly x: Float32Array;
  readonly y: Float32Array;

  constructor(private readonly samples: readonly Sample[], readonly layout: SampleLayout, readonly batchSize: number) {
    this.x = new Float32Array(batchSize * layout.featureLength);
    this.y = new Float32Array(batchSize * layout.labelLength);
  }

  /**
   * Copies samples `order[start .. start + count)` (or `start ..` in data order when `order` is null)
   * into the buffers and returns views of exactly `count` rows.
   */
  fill(order: Int32Array | null, start: number, count: number): { x: Float32Array; y: Float32Array } {
    const { featureLength: fl, labelLength: ll } = this.layout;
    const { x, y, samples } = this;
    for (let k = 0; k < count; k++) {
      const s = samples[order === null ? start + k : order[start + k]];
      const f = s.features;
      x.set(f instanceof Float32Array ? f : f[0], k * fl);
      const l = s.label;
      if (typeof l === 'number') y[k] = l;
      else y.set(l, k * ll);
    }
    return count === this.batchSize ? { x, y } : { x: x.subarray(0, count * fl), y: y.subarray(0, count * ll) };
  }
}
