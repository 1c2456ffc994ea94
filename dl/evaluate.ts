/** Batched evaluation: runs a predictor over samples and merges each metric's per-batch results. */
import { DlUserError, featureLengthMismatch } from './errors.ts';
import { MiniBatcher, type SampleLayout } from './minibatch.ts';
import { checkClassLabels, takesClassLabels, ValidationResult, type ValidationMethod } from './metrics.ts';
import type { Sample } from './sample.ts';

/** Anything that maps a batch of inputs to outputs (a compiled Predictor, an ORT session wrapper). */
export interface BatchRunner {
  run(x: Float32Array, batch: number): Promise<Float32Array>;
  /** Values per sample the runner takes, when known (checked against the samples' feature length). */
  readonly inputLength?: number;
}

/** Scores `samples` with every metric, `batchSize` samples per run; results merge as sum + count. */
export async function evaluateSamples(
  runner: BatchRunner, samples: readonly Sample[], layout: SampleLayout, metrics: readonly ValidationMethod[], batchSize: number,
): Promise<ValidationResult[]> {
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) {
    throw new DlUserError('DL_BAD_ARGUMENT', `evaluation batch size must be a positive integer, got ${batchSize}`);
  }
  if (runner.inputLength !== undefined && layout.featureLength !== runner.inputLength) {
    throw featureLengthMismatch('evaluation data: sample 0', layout.featureLength, runner.inputLength);
  }
  const classLabels = metrics.some(takesClassLabels);
  const batcher = new MiniBatcher(samples, layout, Math.min(batchSize, samples.length));
  let results = metrics.map((m) => new ValidationResult(m.name, 0, 0));
  for (let start = 0; start < samples.length; start += batchSize) {
    const n = Math.min(batchSize, samples.length - start);
    const { x, y } = batcher.fill(null, start, n);
    const output = await runner.run(x, n);
    const outDim = output.length / n;
    const batch = { output, outDim, targets: y, targetDim: layout.labelLength, batch: n };
    if (classLabels) checkClassLabels(batch, (k) => `evaluation data: sample ${start + k}`);
    results = results.map((r, i) => r.merge(metrics[i].evaluate(batch)));
  }
  return results;
}
