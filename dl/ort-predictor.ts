/** A Predictor over any ONNX model bytes, on ops/runtime.ts's session cache: input shape from the model, fixed-batch models padded. */
import { loadModel, ort, type CompiledModel } from '../ops/runtime.ts';
import { DlUserError } from './errors.ts';
import type { Predictor } from './backend.ts';

/** Options of an ONNX predictor. `inputShape` (without batch) is needed only when the model's input dims are symbolic. */
export interface OrtPredictorOptions {
  threads?: number;
  inputShape?: number[];
  /** Names the model in errors (a file path). */
  source?: string;
}

/**
 * Runs the model's first input -> first output. The first input dim is the batch: symbolic dims take
 * any batch; a fixed batch B runs in chunks of B, padding the last chunk with zeros. The session comes
 * from ops/runtime.ts (`loadModel`), so predictors and compiled steps over the same bytes and thread
 * count share one session, and `dispose` drops this predictor's reference to it.
 */
export class OrtPredictor implements Predictor {
  readonly inputName: string;
  readonly outputName: string;
  /** Per-sample input dims (no batch) and their product. */
  readonly inputShape: number[];
  readonly inputLength: number;
  /** Per-sample output dims (no batch); known after the first run when the model leaves them symbolic. */
  outputShape: number[];
  private readonly fixedBatch: number | undefined;
  private pad: Float32Array | undefined;
  private disposed = false;

  private constructor(private readonly compiled: CompiledModel, opts: OrtPredictorOptions) {
    const session = compiled.session;
    const src = opts.source ?? 'ONNX model';
    this.inputName = session.inputNames[0];
    this.outputName = session.outputNames[0];
    if (session.inputNames.length !== 1) {
      throw new DlUserError('DL_BAD_ONNX', `${src} has ${session.inputNames.length} inputs (${session.inputNames.join(', ')}); Flint's predictor drives single-input models`);
    }
    const meta = session.inputMetadata[0];
    const dims = meta && meta.isTensor ? [...meta.shape] : [];
    if (meta && meta.isTensor && meta.type !== 'float32') {
      throw new DlUserError('DL_BAD_ONNX', `${src}: input '${this.inputName}' has type ${meta.type}; Flint feeds float32`);
    }
    this.fixedBatch = typeof dims[0] === 'number' && dims[0] > 0 ? dims[0] : undefined;
    const rest = dims.slice(1);
    if (opts.inputShape) {
      this.inputShape = [...opts.inputShape];
    } else if (dims.length >= 1 && rest.every((d) => typeof d === 'number' && d > 0)) {
      this.inputShape = rest as number[];
    } else {
      throw new DlUserError('DL_BAD_ONNX',
        `${src}: input '${this.inputName}' has shape [${dims.join(', ')}] with symbolic dims beyond the batch; pass inputShape (per-sample dims) when loading it`);
    }
    this.inputLength = this.inputShape.reduce((a, b) => a * b, 1);
    const om = session.outputMetadata[0];
    if (om && om.isTensor && om.type !== 'float32') {
      throw new DlUserError('DL_BAD_ONNX', `${src}: output '${this.outputName}' has type ${om.type}; Flint's predictor reads float32 outputs`);
    }
    const odims = om && om.isTensor ? om.shape.slice(1) : [];
    this.outputShape = odims.every((d) => typeof d === 'number' && d > 0) && odims.length > 0 ? (odims as number[]) : [];
  }

  /** Loads (or reuses) the session for ONNX bytes with `threads` intra-op threads (default 1) and checks its input and output. */
  static async create(bytes: Uint8Array, opts: OrtPredictorOptions = {}): Promise<OrtPredictor> {
    let compiled: CompiledModel;
    try {
      compiled = await loadModel(bytes, { threads: opts.threads ?? 1 });
    } catch (e) {
      const why = ((e as Error).cause as Error | undefined)?.message ?? (e as Error).message;
      throw new DlUserError('DL_BAD_ONNX', `cannot load ${opts.source ?? 'ONNX model'} in onnxruntime: ${why}`, { cause: e });
    }
    try {
      return new OrtPredictor(compiled, opts);
    } catch (e) {
      await compiled.dispose();
      throw e;
    }
  }

  /** Maps `batch` rows of `x` (row-major [batch, ...inputShape]) to [batch, ...outputShape]. */
  async run(x: Float32Array, batch: number): Promise<Float32Array> {
    if (x.length < batch * this.inputLength) {
      throw new DlUserError('DL_BAD_SAMPLE', `predictor input holds ${x.length} values, fewer than ${batch} rows of ${this.inputLength}`);
    }
    if (this.fixedBatch === undefined) return this.runBatch(x, batch);
    const B = this.fixedBatch;
    const parts: Float32Array[] = [];
    for (let start = 0; start < batch; start += B) {
      const n = Math.min(B, batch - start);
      let chunk = x.subarray(start * this.inputLength, (start + n) * this.inputLength);
      if (n < B) {
        this.pad ??= new Float32Array(B * this.inputLength);
        this.pad.fill(0);
        this.pad.set(chunk);
        chunk = this.pad;
      }
      const out = await this.runBatch(chunk, B);
      parts.push(out.subarray(0, (out.length / B) * n));
    }
    if (parts.length === 1) return parts[0];
    const all = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
    let off = 0;
    for (const p of parts) {
      all.set(p, off);
      off += p.length;
    }
    return all;
  }

  private async runBatch(x: Float32Array, batch: number): Promise<Float32Array> {
    const n = batch * this.inputLength;
    const input = new ort.Tensor('float32', x.length === n ? x : x.subarray(0, n), [batch, ...this.inputShape]);
    const out = await this.compiled.run({ [this.inputName]: input }, { [this.outputName]: null });
    const t = out[this.outputName];
    if (this.outputShape.length === 0) this.outputShape = t.dims.slice(1).map(Number);
    return t.data as Float32Array;
  }

  /** Drops this predictor's reference to the shared session (the last reference releases it). */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.compiled.dispose();
  }
}
