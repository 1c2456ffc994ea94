/** Inference as a map stage: the executor-side function that runs one partition through a model cached once per executor. */
import { argmax } from './metrics.ts';
import { OrtPredictor } from './ort-predictor.ts';
import type { Predictor } from './backend.ts';
import { DlUserError } from './errors.ts';
import type { Sample } from './sample.ts';
import { describe } from './sample.ts';

/** The executor's keyed object cache, as the engine's TaskContext offers it. */
export interface ObjectCacheLike {
  getOrCreate<T>(key: string, create: () => T | Promise<T>, dispose?: (value: T) => void | Promise<void>): Promise<T>;
}

/** What the task context must offer (the engine's TaskContext does). */
export interface TaskContextLike {
  readonly objectCache: ObjectCacheLike;
  readonly executor?: { readonly coresPerTask?: number };
}

/** What a partition job ships: the model as ONNX bytes under a key naming it, and what to emit. */
export interface PartitionInferenceSpec {
  key: string;
  onnx: Uint8Array;
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
  records: Iterable<unknown>, tc: TaskContextLike, spec: PartitionInferenceSpec,
): AsyncGenerator<Float32Array | number> {
  const threads = tc.executor?.coresPerTask ?? 1;
  const predictor: Predictor & { inputLength?: number } = await tc.objectCache.getOrCreate(
    `dl.predictor.${spec.key}.t${threads}`,
    () => OrtPredictor.create(spec.onnx, { threads, inputShape: spec.inputShape, source: `model ${spec.key}` }),
    (p) => p.dispose(),
  );
  const batchSize = spec.batchSize;
  let x: Float32Array | undefined;
  let len = 0;
  let n = 0;
  let index = 0;
  const flush = function* (out: Float32Array, count: number): Generator<Float32Array | number> {
    const width = out.length / count;
    for (let k = 0; k < count; k++) {
      if (spec.mode === 'class') yield width === 1 ? (out[k] > 0.5 ? 1 : 0) : argmax(out, k * width, width);
      else yield out.slice(k * width, (k + 1) * width);
    }
  };
  for (const r of records) {
    const f = featuresOf(r, index);
    if (x === undefined) {
      len = f.length;
      x = new Float32Array(batchSize * len);
    } else if (f.length !== len) {
      throw new DlUserError('DL_BAD_SAMPLE', `inference: record ${index} of the partition has ${f.length} features but the first has ${len}`);
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

function featuresOf(r: unknown, i: number): Float32Array {
  if (r instanceof Float32Array) return r;
  const f = (r as Sample | null)?.features;
  if (f instanceof Float32Array) return f;
  if (Array.isArray(f) && f.length === 1 && f[0] instanceof Float32Array) return f[0];
  throw new DlUserError('DL_BAD_SAMPLE', `inference: record ${i} of the partition is ${describe(r)}, not a Float32Array or a Sample with one Float32Array of features`);
}
