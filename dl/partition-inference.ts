/** Inference as a map stage: the executor-side function that runs one partition through a model cached once per executor. */
import { checkClassLabels, predictedClass, takesClassLabels, Loss, MAE, Top1Accuracy, Top5Accuracy, ValidationResult, type ValidationMethod } from './metrics.ts';
import { OrtPredictor } from './ort-predictor.ts';
import type { Predictor } from './backend.ts';
import { DlUserError, featureLengthMismatch } from './errors.ts';
import type { Sample } from './sample.ts';
import { describe } from './sample.ts';
import { DlNotImplementedError } from './errors.ts';
import { Loss as NnLoss, lossFromSpec, lossSpec, type LossSpec } from './nn/loss.ts';

/** The model's ONNX bytes: a Broadcast handle (read once per executor) or the bytes themselves. */
export type ModelBytes = Uint8Array | { readonly value: Uint8Array };

/** The executor's keyed object cache, as the engine's TaskContext offers it. */
export interface ObjectCacheLike {
  getOrCreate<T>(key: string, create: () => T | Promise<T>, dispose?: (value: T) => void | Promise<void>): Promise<T>;
}

/** What the task context must offer (the engine's TaskContext does). */
export interface TaskContextLike {
  readonly objectCache: ObjectCacheLike;
  /** The partition the task computes (named in errors). */
  readonly partitionId?: number;
  readonly executor?: { readonly coresPerTask?: number };
}

/** What a partition job ships besides the model bytes: the key naming the model, and what to emit. */
export interface PartitionInferenceSpec {
  key: string;
  mode: 'predict' | 'class';
  batchSize: number;
  inputShape?: number[];
}

/**
 * Runs the records of one partition (Samples or Float32Arrays) through the model in batches and
 * yields one output per record (a Float32Array, or a class index for mode 'class'). The ORT session
 * is built once per executor and model key and reused by later tasks and jobs.
 */
export async function* predictPartition(
  records: Iterable<unknown>, tc: TaskContextLike, spec: PartitionInferenceSpec, onnx: ModelBytes,
): AsyncGenerator<Float32Array | number> {
  const predictor = await cachedPredictor(tc, spec, onnx);
  const batchSize = spec.batchSize;
  let x: Float32Array | undefined;
  let len = 0;
  let n = 0;
  let index = 0;
  const flush = function* (out: Float32Array, count: number): Generator<Float32Array | number> {
    const width = out.length / count;
    for (let k = 0; k < count; k++) {
      if (spec.mode === 'class') yield predictedClass(out, k * width, width);
      else yield out.slice(k * width, (k + 1) * width);
    }
  };
  for (const r of records) {
    const f = featuresOf(r, index, tc);
    if (x === undefined) {
      len = f.length;
      checkInputLength(predictor, len, tc, 'inference');
      x = new Float32Array(batchSize * len);
    } else if (f.length !== len) {
      throw new DlUserError('DL_BAD_SAMPLE', `inference: ${recordName(index, tc)} has ${f.length} features but the first has ${len}`);
    }
    x.set(f, n * len);
    n++;
    index++;
    if (n === batchSize) {
      yield* flush(await predictor.run(x, n), n);
      n = 0;
    }
  }
  if (n > 0 && x !== undefined) yield* flush(await predictor.run(x.subarray(0, n * len), n), n);
}

function featuresOf(r: unknown, i: number, tc: TaskContextLike): Float32Array {
  if (r instanceof Float32Array) return r;
  const f = (r as Sample | null)?.features;
  if (f instanceof Float32Array) return f;
  if (Array.isArray(f) && f.length === 1 && f[0] instanceof Float32Array) return f[0];
  throw new DlUserError('DL_BAD_SAMPLE', `inference: ${recordName(i, tc)} is ${describe(r)}, not a Float32Array or a Sample with one Float32Array of features`);
}

/** `record i of partition p` (or `of the partition` where the context does not say which). */
function recordName(i: number, tc: TaskContextLike): string {
  return `record ${i} of ${tc.partitionId === undefined ? 'the partition' : `partition ${tc.partitionId}`}`;
}

/** The first record's feature length against the model's input (every later record must equal the first). */
function checkInputLength(predictor: Predictor, len: number, tc: TaskContextLike, what: string): void {
  if (predictor.inputLength !== undefined && len !== predictor.inputLength) throw featureLengthMismatch(`${what}: ${recordName(0, tc)}`, len, predictor.inputLength);
}

/** The executor's predictor for a model key, created on first use (one ORT session per executor and model). */
function cachedPredictor(tc: TaskContextLike, spec: PartitionInferenceSpec, onnx: ModelBytes): Promise<Predictor> {
  const threads = tc.executor?.coresPerTask ?? 1;
  return tc.objectCache.getOrCreate<Predictor>(
    `dl.predictor.${spec.key}.t${threads}`,
    () => OrtPredictor.create(onnx instanceof Uint8Array ? onnx : onnx.value, { threads, inputShape: spec.inputShape, source: `model ${spec.key}` }),
    (p) => p.dispose(),
  );
}

/** A metric as plain data, so executors can rebuild it: its name and, for Loss, its criterion's spec (kind and arguments). */
export interface MetricSpec {
  name: string;
  criterion?: LossSpec;
}

/**
 * Describes built-in metrics for shipping; other metrics cannot run on executors yet. A Loss ships
 * its criterion by the criterion's stable `kind` (lossSpec), so a subclass of a built-in loss
 * ships as that loss.
 */
export function metricSpec(m: ValidationMethod): MetricSpec {
  if (m instanceof Loss) {
    const c = m.criterion;
    if (c === undefined) return { name: 'Loss' };
    if (!(c instanceof NnLoss)) {
      throw new DlNotImplementedError(`the Loss metric's criterion (${c.constructor.name}) is not an nn loss, so executors cannot rebuild it; evaluate an array of samples (collect the RDD) or use an nn loss`);
    }
    return { name: 'Loss', criterion: lossSpec(c) };
  }
  if (m instanceof Top1Accuracy || m instanceof Top5Accuracy || m instanceof MAE) return { name: m.name };
  throw new DlNotImplementedError(`metric '${m.name}' cannot be evaluated over an RDD yet (only Top1Accuracy, Top5Accuracy, Loss and MAE ship to executors); collect the data and evaluate an array`);
}

function rebuildMetric(s: MetricSpec): ValidationMethod {
  if (s.name === 'Loss') return new Loss(s.criterion === undefined ? undefined : lossFromSpec(s.criterion));
  if (s.name === 'Top1Accuracy') return new Top1Accuracy();
  if (s.name === 'Top5Accuracy') return new Top5Accuracy();
  return new MAE();
}

/**
 * Scores one partition of labelled Samples with the shipped metrics and yields one plain
 * `{ name, sum, count }` per metric; the driver merges the partitions' results.
 */
export async function* evaluatePartition(
  records: Iterable<unknown>, tc: TaskContextLike, spec: PartitionInferenceSpec, onnx: ModelBytes, metrics: MetricSpec[],
): AsyncGenerator<{ name: string; sum: number; count: number }> {
  const predictor = await cachedPredictor(tc, spec, onnx);
  const ms = metrics.map(rebuildMetric);
  let results = ms.map((m) => new ValidationResult(m.name, 0, 0));
  const batchSize = spec.batchSize;
  let x: Float32Array | undefined;
  let y: Float32Array | undefined;
  let len = 0;
  let ylen = 0;
  let n = 0;
  let index = 0;
  const classLabels = ms.some(takesClassLabels);
  const score = async (count: number) => {
    const output = await predictor.run(count === batchSize ? x! : x!.subarray(0, count * len), count);
    const targets = count === batchSize ? y! : y!.subarray(0, count * ylen);
    const batch = { output, outDim: output.length / count, targets, targetDim: ylen, batch: count };
    const first = index - count;
    if (classLabels) checkClassLabels(batch, (k) => `evaluation: ${recordName(first + k, tc)}`);
    results = results.map((r, i) => r.merge(ms[i].evaluate(batch)));
  };
  for (const r of records) {
    const f = featuresOf(r, index, tc);
    const label = (r as Sample).label;
    const labelLen = typeof label === 'number' ? 1 : label instanceof Float32Array ? label.length : -1;
    if (labelLen < 1 || (x !== undefined && labelLen !== ylen)) {
      throw new DlUserError('DL_BAD_SAMPLE', `evaluation: ${recordName(index, tc)} has label ${describe(label)}; labels must be all numbers or all Float32Arrays of one length`);
    }
    if (x === undefined) {
      len = f.length;
      checkInputLength(predictor, len, tc, 'evaluation');
      ylen = labelLen;
      x = new Float32Array(batchSize * len);
      y = new Float32Array(batchSize * ylen);
    } else if (f.length !== len) {
      throw new DlUserError('DL_BAD_SAMPLE', `evaluation: ${recordName(index, tc)} has ${f.length} features but the first has ${len}`);
    }
    x.set(f, n * len);
    if (typeof label === 'number') y![n] = label;
    else y!.set(label, n * ylen);
    n++;
    index++;
    if (n === batchSize) {
      await score(n);
      n = 0;
    }
  }
  if (n > 0) await score(n);
  for (const r of results) yield r.toJSON();
}
