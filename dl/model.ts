/** Model: a trained (or loaded) network for inference: predict, predictClass, evaluate, ONNX save and load. */
import { readFileSync } from 'node:fs';
import { writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DlNotImplementedError, DlUserError, featureLengthMismatch } from './errors.ts';
import { evaluateSamples } from './evaluate.ts';
import { predictedClass, ValidationResult, type ValidationMethod } from './metrics.ts';
import { checkSamples } from './minibatch.ts';
import { OrtPredictor } from './ort-predictor.ts';
import { describe, type Sample } from './sample.ts';
import type { DlBackend, Predictor } from './backend.ts';
import { compiledBackend } from './default-backend.ts';
import type { RDD } from '../engine/rdd/RDD.ts';
import type { FlintContext } from '../engine/context.ts';
import type { Broadcast } from '../engine/broadcast/Broadcast.ts';
import { moduleRef } from '../engine/serde/closure.ts';
// imported for their types; the shipped functions get them on executors through moduleRef in env
import { evaluatePartition, metricSpec, predictPartition, type PartitionInferenceSpec } from './partition-inference.ts';
import { moduleUrl } from '../engine/moduleUrl.ts';

const PARTITION_URL = moduleUrl('./partition-inference.ts', import.meta.url);

/** An RDD of records to infer on: Samples or bare feature vectors. */
export type RddInput = RDD<Sample> | RDD<Float32Array> | RDD<Sample | Float32Array>;

function isRdd(d: unknown): d is RDD<unknown> {
  return d !== null && typeof d === 'object' && typeof (d as { mapPartitions?: unknown }).mapPartitions === 'function';
}

/** Inference input held on the driver: Samples or bare feature vectors. */
export type LocalInput = readonly Sample[] | readonly Float32Array[];

/** Options of prediction and evaluation. */
export interface PredictOptions {
  /** Samples per predictor run (default 256). */
  batchSize?: number;
}

interface ModelSource {
  /** Builds a predictor for this model (one ORT session). */
  predictor(threads: number | undefined): Promise<Predictor>;
  /** The inference graph as ONNX bytes. */
  onnx(): Uint8Array;
}

/**
 * A model ready for inference. Made by `Optimizer.optimize()` (wrapping the trained nn.Module) or by
 * `Model.loadOnnx(path)` (any ONNX model with one float input whose first dim is the batch).
 * Holds one predictor, built on first use; `dispose()` releases it.
 */
export class Model {
  private cached: Promise<Predictor> | undefined;
  /** Names this model's predictors in executors' object caches. */
  readonly key = `model-${globalThis.crypto.randomUUID()}`;
  /** Per context: the broadcast of this model's ONNX bytes, read by executors once each (released by dispose). */
  private readonly shipped = new Map<FlintContext, Broadcast<Uint8Array>>();

  private constructor(private readonly source: ModelSource, readonly module: unknown, readonly threads: number | undefined) {}

  /**
   * Wraps a trained model whose parameters hold the final weights (an nn.Module with the default
   * backend). Inference runs the exported ONNX graph (weights as initializers, which onnxruntime
   * pre-packs: faster than feeding them as inputs), so `predict` and `saveOnnx` compute the same
   * function. A backend without ONNX export (a test double) serves its compiled predictor instead.
   * `Model.fromModule(module).saveOnnx(path)` is how a module built by hand is saved.
   */
  static fromModule(module: unknown, backend: DlBackend = compiledBackend, opts: { threads?: number } = {}): Model {
    const exporter = backend.exportOnnx?.bind(backend);
    let bytes: Uint8Array | undefined;
    const onnx = (): Uint8Array => {
      if (!exporter) throw new DlNotImplementedError('this model\'s backend cannot export ONNX');
      return (bytes ??= exporter(module));
    };
    return new Model({
      predictor: (threads) => exporter
        ? OrtPredictor.create(onnx(), { threads, source: 'the trained model' })
        : backend.compilePredictor(module, { threads }),
      onnx,
    }, module, opts.threads);
  }

  /** Wraps ONNX model bytes made anywhere (PyTorch, Flint, ...). */
  static fromOnnxBytes(bytes: Uint8Array, opts: { threads?: number; inputShape?: number[]; source?: string } = {}): Model {
    return new Model({
      predictor: (threads) => OrtPredictor.create(bytes, { threads, inputShape: opts.inputShape, source: opts.source }),
      onnx: () => bytes,
    }, undefined, opts.threads);
  }

  /** Loads an ONNX file for inference with onnxruntime-node; fails naming the file if it cannot be read or run. */
  static async loadOnnx(path: string, opts: { threads?: number; inputShape?: number[] } = {}): Promise<Model> {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(path);
    } catch (e) {
      throw new DlUserError('DL_BAD_ONNX', `cannot read ONNX file ${path}: ${(e as Error).message}`, { cause: e });
    }
    const model = Model.fromOnnxBytes(bytes, { ...opts, source: path });
    await model.predictor(); // load now so a bad file fails here, naming the path
    return model;
  }

  /** The (cached) predictor of this model. */
  predictor(): Promise<Predictor> {
    this.cached ??= this.source.predictor(this.threads);
    return this.cached;
  }

  /** The inference graph as ONNX bytes. */
  toOnnx(): Uint8Array {
    return this.source.onnx();
  }

  /** Writes the inference graph as an ONNX file (creating its directory). */
  async saveOnnx(path: string): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, this.toOnnx());
  }

  /**
   * Model outputs, one Float32Array per record, in input order. On an array: computed here. On an RDD:
   * a lazy map stage (mapPartitions) whose tasks build the predictor once per executor.
   */
  predict(data: RddInput, opts?: PredictOptions): RDD<Float32Array>;
  predict(data: LocalInput, opts?: PredictOptions): Promise<Float32Array[]>;
  predict(data: LocalInput | RddInput, opts: PredictOptions = {}): Promise<Float32Array[]> | RDD<Float32Array> {
    if (isRdd(data)) return this.mapStage(data, 'predict', opts) as RDD<Float32Array>;
    const out: Float32Array[] = [];
    // one view per record into its batch's output buffer: no per-record copy
    return this.runAll(data as LocalInput, opts, (o, _start, count) => {
      const w = o.length / count;
      for (let k = 0; k < count; k++) out.push(o.subarray(k * w, (k + 1) * w));
    }).then(() => out);
  }

  /** The index of the highest output of each record (0-based class); over an RDD, a map stage. */
  predictClass(data: RddInput, opts?: PredictOptions): RDD<number>;
  predictClass(data: LocalInput, opts?: PredictOptions): Promise<number[]>;
  predictClass(data: LocalInput | RddInput, opts: PredictOptions = {}): Promise<number[]> | RDD<number> {
    if (isRdd(data)) return this.mapStage(data, 'class', opts) as RDD<number>;
    const out: number[] = [];
    return this.runAll(data as LocalInput, opts, (o, _start, count) => {
      const w = o.length / count;
      for (let k = 0; k < count; k++) out.push(predictedClass(o, k * w, w));
    }).then(() => out);
  }

  /**
   * Scores labelled samples with the given metrics (Loss without a criterion means cross-entropy).
   * Over an RDD each partition is scored on its executor and the sums and counts are merged here.
   */
  async evaluate(data: readonly Sample[] | RDD<Sample>, metrics: ValidationMethod[], opts: PredictOptions = {}): Promise<ValidationResult[]> {
    if (!Array.isArray(metrics) || metrics.length === 0) {
      throw new DlUserError('DL_BAD_ARGUMENT', 'evaluate(data, metrics): give at least one metric, e.g. [new Top1Accuracy()]');
    }
    if (isRdd(data)) {
      const { spec, onnx } = this.partitionSpec(data as RDD<unknown>, opts);
      const shipped = metrics.map(metricSpec);
      const parts: { name: string; sum: number; count: number }[] = await (data as RDD<Sample>).mapPartitions(
        (it, tc) => evaluatePartition(it, tc, spec, onnx, shipped),
        { evaluatePartition: moduleRef(PARTITION_URL, 'evaluatePartition'), spec, onnx, shipped },
      ).collect();
      // each partition yields one result per metric, in metric order
      return metrics.map((m, i) => {
        let acc = new ValidationResult(m.name, 0, 0);
        for (let k = i; k < parts.length; k += metrics.length) acc = acc.merge(ValidationResult.fromJSON(parts[k]));
        return acc;
      });
    }
    const samples = data as readonly Sample[];
    const layout = checkSamples(samples, 'evaluation data');
    const p = await this.predictor();
    return evaluateSamples(p, samples, layout, metrics, opts.batchSize ?? 256);
  }

  /** What a map stage ships: the spec, and the model bytes as a broadcast (fetched once per executor). */
  private partitionSpec(data: RDD<unknown>, opts: PredictOptions): { spec: PartitionInferenceSpec; onnx: Broadcast<Uint8Array> } {
    const ctx = data.context;
    let onnx = this.shipped.get(ctx);
    if (onnx === undefined) {
      onnx = ctx.broadcast(this.toOnnx());
      this.shipped.set(ctx, onnx);
    }
    return { spec: { key: this.key, mode: 'predict', batchSize: Math.max(1, opts.batchSize ?? 256) }, onnx };
  }

  private mapStage(data: RDD<unknown>, mode: 'predict' | 'class', opts: PredictOptions): RDD<Float32Array | number> {
    const { spec: base, onnx } = this.partitionSpec(data, opts);
    const spec = { ...base, mode };
    return data.mapPartitions(
      (it, tc) => predictPartition(it, tc, spec, onnx),
      { predictPartition: moduleRef(PARTITION_URL, 'predictPartition'), spec, onnx },
    );
  }

  /** Releases the predictor's session here and the ones executors built for map stages. */
  async dispose(): Promise<void> {
    const p = this.cached;
    this.cached = undefined;
    if (p) await (await p).dispose();
    for (const [ctx, onnx] of this.shipped) {
      if (ctx.isStopped) continue;
      await ctx.clearExecutorObjects(`dl.predictor.${this.key}.`);
      await onnx.destroy();
    }
    this.shipped.clear();
  }

  /**
   * Runs every record through the predictor in batches and hands each batch's output to `take`
   * (no copy: `out` is the runtime's fresh output buffer of that batch).
   */
  private async runAll(data: LocalInput, opts: PredictOptions, take: (out: Float32Array, start: number, count: number) => void): Promise<void> {
    if (!Array.isArray(data)) throw new DlUserError('DL_BAD_ARGUMENT', `predict: data must be an array of Samples or Float32Arrays, got ${describe(data)}`);
    const n = data.length;
    if (n === 0) return;
    const feats = (i: number): Float32Array => {
      const d = data[i];
      if (d instanceof Float32Array) return d;
      const f = (d as Sample)?.features;
      if (f instanceof Float32Array) return f;
      if (Array.isArray(f) && f.length === 1 && f[0] instanceof Float32Array) return f[0];
      throw new DlUserError('DL_BAD_SAMPLE', `predict: record ${i} is ${describe(d)}, not a Float32Array or a Sample with one Float32Array of features`);
    };
    const len = feats(0).length;
    const batchSize = Math.max(1, Math.min(opts.batchSize ?? 256, n));
    const p = await this.predictor();
    if (p.inputLength !== undefined && len !== p.inputLength) throw featureLengthMismatch('predict: record 0', len, p.inputLength);
    const x = new Float32Array(batchSize * len);
    for (let start = 0; start < n; start += batchSize) {
      const b = Math.min(batchSize, n - start);
      for (let k = 0; k < b; k++) {
        const f = feats(start + k);
        if (f.length !== len) throw new DlUserError('DL_BAD_SAMPLE', `predict: record ${start + k} has ${f.length} features but record 0 has ${len}`);
        x.set(f, k * len);
      }
      take(await p.run(b === batchSize ? x : x.subarray(0, b * len), b), start, b);
    }
  }
}
