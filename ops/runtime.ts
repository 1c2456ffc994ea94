/** The onnxruntime-node wrapper: sessions cached per model bytes and thread count, with graph optimizations on. */
import { createHash } from 'node:crypto';
import * as ort from 'onnxruntime-node';
import { OpsUserError, OpsErrorCode } from './errors.ts';

export { ort };

export interface RuntimeOptions {
  /** Intra-op threads for this session (the task's share of the executor's cores); default 1. */
  threads?: number;
  /**
   * Whether idle intra-op threads spin between kernels (onnxruntime's default, true). Spinning is
   * about 20% faster on a LeNet step with 2 threads on idle cores and much slower when the cores
   * are shared with other busy processes; turn it off when cores are oversubscribed.
   */
  spinning?: boolean;
}

/** A loaded ONNX model; shared between users of identical bytes and options, released on the last dispose. */
export class CompiledModel {
  private refs = 1;
  constructor(
    readonly session: ort.InferenceSession,
    private readonly key: string,
  ) {}

  /**
   * Runs the model; feeds must name every graph input. With `fetches`, only the outputs named there
   * are computed; a Tensor value is a preallocated buffer onnxruntime writes into, null lets it allocate.
   */
  async run(feeds: Record<string, ort.Tensor>, fetches?: Record<string, ort.Tensor | null>): Promise<Record<string, ort.Tensor>> {
    try {
      return (await (fetches ? this.session.run(feeds, fetches) : this.session.run(feeds))) as Record<string, ort.Tensor>;
    } catch (e) {
      throw new OpsUserError(OpsErrorCode.RUNTIME, `onnxruntime run failed: ${(e as Error).message}`, { cause: e });
    }
  }

  /** @internal */
  retain(): this {
    this.refs++;
    return this;
  }

  /** Drops one reference; the last one releases the session. Extra calls are ignored. */
  async dispose(): Promise<void> {
    if (this.refs <= 0) return;
    if (--this.refs > 0) return;
    cache.delete(this.key);
    await this.session.release();
  }
}

const cache = new Map<string, Promise<CompiledModel>>();

/** Loads (or reuses) a session for the model bytes. Sessions are keyed by a hash of the bytes, the thread count and spinning. */
export async function loadModel(bytes: Uint8Array, opts: RuntimeOptions = {}): Promise<CompiledModel> {
  const threads = opts.threads ?? 1;
  const spinning = opts.spinning ?? true;
  const key = createHash('sha1').update(bytes).digest('hex') + `/${threads}/${spinning ? 'spin' : 'nospin'}`;
  const hit = cache.get(key);
  if (hit) return (await hit).retain();
  const p = (async () => {
    try {
      const session = await ort.InferenceSession.create(bytes, {
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        enableCpuMemArena: true,
        enableMemPattern: true,
        ...(spinning ? {} : { extra: { session: { intra_op: { allow_spinning: '0' } } } }),
      });
      return new CompiledModel(session, key);
    } catch (e) {
      cache.delete(key);
      throw new OpsUserError(OpsErrorCode.RUNTIME, `onnxruntime rejected the model: ${(e as Error).message}`, { cause: e });
    }
  })();
  cache.set(key, p);
  return p;
}

/** Number of live cached sessions (for tests). */
export function cachedSessionCount(): number {
  return cache.size;
}
