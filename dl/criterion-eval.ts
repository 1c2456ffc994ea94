/** Per-sample loss of Flint's criteria computed in JS from model outputs, for the Loss validation metric (a few values per sample, off the training hot path). */
import { DlNotImplementedError } from './errors.ts';

/**
 * Sums a criterion's per-element losses over one batch. `output` is [batch, outDim] row-major,
 * `targets` is [batch, targetDim]. Returns the sum and the count PyTorch's 'mean' reduction divides
 * by (samples for class criteria, elements for elementwise ones).
 */
export type BatchLossFn = (output: Float32Array, outDim: number, targets: Float32Array, targetDim: number, batch: number)
  => { sum: number; count: number };

function crossEntropy(output: Float32Array, outDim: number, targets: Float32Array, _td: number, batch: number) {
  let sum = 0;
  for (let b = 0; b < batch; b++) {
    const off = b * outDim;
    let max = -Infinity;
    for (let j = 0; j < outDim; j++) max = Math.max(max, output[off + j]);
    let se = 0;
    for (let j = 0; j < outDim; j++) se += Math.exp(output[off + j] - max);
    sum += Math.log(se) + max - output[off + targets[b]];
  }
  return { sum, count: batch };
}

function nll(output: Float32Array, outDim: number, targets: Float32Array, _td: number, batch: number) {
  let sum = 0;
  for (let b = 0; b < batch; b++) sum -= output[b * outDim + targets[b]];
  return { sum, count: batch };
}

function elementwise(f: (o: number, t: number) => number): BatchLossFn {
  return (output, outDim, targets, targetDim, batch) => {
    let sum = 0;
    const n = batch * outDim;
    for (let i = 0; i < n; i++) {
      // a scalar label per sample broadcasts over a one-wide output
      const t = targetDim === outDim ? targets[i] : targets[Math.floor(i / outDim)];
      sum += f(output[i], t);
    }
    return { sum, count: n };
  };
}

const clampLog = (x: number) => Math.max(Math.log(x), -100); // PyTorch's BCELoss clamps log at -100

const byName: Record<string, BatchLossFn> = {
  CrossEntropyLoss: crossEntropy,
  CrossEntropyCriterion: crossEntropy,
  NLLLoss: nll,
  ClassNLLLoss: nll,
  ClassNLLCriterion: nll,
  MSELoss: elementwise((o, t) => (o - t) * (o - t)),
  L1Loss: elementwise((o, t) => Math.abs(o - t)),
  BCELoss: elementwise((o, t) => -(t * clampLog(o) + (1 - t) * clampLog(1 - o))),
  BCEWithLogitsLoss: elementwise((x, t) => Math.max(x, 0) - x * t + Math.log1p(Math.exp(-Math.abs(x)))),
};

/** Whether `name` is a classification criterion whose labels are 0-based class indices. */
export function isClassCriterion(criterion: unknown): boolean {
  const name = criterionName(criterion);
  return byName[name] === crossEntropy || byName[name] === nll;
}

/** The JS batch-loss function for a criterion instance (matched by its class name); SmoothL1Loss honours `beta`. */
export function batchLossFor(criterion: unknown): BatchLossFn {
  const name = criterionName(criterion);
  if (name === 'SmoothL1Loss') {
    const beta = Number((criterion as { beta?: number }).beta ?? 1);
    return elementwise((o, t) => {
      const d = Math.abs(o - t);
      return d < beta ? (0.5 * d * d) / beta : d - 0.5 * beta;
    });
  }
  const f = byName[name];
  if (f === undefined) {
    throw new DlNotImplementedError(
      `the Loss metric cannot evaluate criterion '${name}' (known: ${[...Object.keys(byName), 'SmoothL1Loss'].join(', ')}); validate with another metric`);
  }
  return f;
}

function criterionName(criterion: unknown): string {
  if (typeof criterion === 'string') return criterion;
  if (criterion !== null && typeof criterion === 'object') return criterion.constructor.name;
  return String(criterion);
}
