/** nn.Module, nn.Parameter, nn.Sequential and the BuildContext that turns a module tree into an IR graph. */
import { Graph, type DType, type Shape, type Tensor, BATCH } from '../../ops/index.ts';
import { OpsUserError, OpsErrorCode } from '../../ops/errors.ts';
import { runPasses } from '../../ops/passes.ts';
import { NnUserError, NnErrorCode, nnArg } from './errors.ts';

/** A trainable tensor: its shape and current float32 values (row-major). `data.length` always equals the shape's size. */
export class Parameter {
  constructor(
    readonly shape: number[],
    public data: Float32Array,
  ) {
    if (data.length !== shape.reduce((a, b) => a * b, 1)) {
      throw nnArg(`parameter of shape [${shape}] given ${data.length} values`);
    }
  }
  get size(): number {
    return this.data.length;
  }
}

/** A non-trainable state tensor saved in the state dict (BatchNorm's running statistics). */
export class Buffer extends Parameter {}

/**
 * What a module's `forward` builds into: the graph, the mode (training or eval) and the dtype,
 * plus the graph tensors standing for the model's parameters and buffers. Every parameter and
 * buffer becomes a graph input named by its state-dict key, declared in namedParameters() order.
 */
export class BuildContext {
  readonly graph: Graph;
  readonly training: boolean;
  readonly dtype: DType;
  /** Parameter tensors, by parameter. */
  readonly params = new Map<Parameter, Tensor>();
  /** Buffer input tensors, by buffer. */
  readonly buffers = new Map<Buffer, Tensor>();
  /** New buffer values computed by the forward pass in training mode (running statistics). */
  readonly bufferUpdates = new Map<Buffer, Tensor>();
  private readonly paths = new Map<Module, string>();
  private seed = 0;
  private counter: Tensor | null = null;

  /**
   * `bind` supplies existing tensors for some parameters/buffers (gradient checks bind them to
   * float64 inputs); the rest become graph inputs named by their state-dict keys.
   */
  constructor(model: Module, opts: { training: boolean; dtype?: DType; graph?: Graph; bind?: Map<Parameter, Tensor> }) {
    this.graph = opts.graph ?? new Graph();
    this.training = opts.training;
    this.dtype = opts.dtype ?? 'float32';
    const bound = (p: Parameter, name: string) => opts.bind?.get(p) ?? this.graph.input(name, this.dtype, p.shape);
    for (const [name, m] of model.namedModules()) this.paths.set(m, name);
    for (const [name, p] of model.namedParameters()) this.params.set(p, bound(p, name));
    for (const [name, b] of model.namedBuffers()) this.buffers.set(b, bound(b, name));
  }

  /** The graph tensor of a parameter of the model being built. */
  param(p: Parameter): Tensor {
    const t = this.params.get(p);
    if (!t) throw nnArg('a layer used a parameter that is not registered in the model being built');
    return t;
  }

  /** The graph tensor holding a buffer's current value. */
  buffer(b: Buffer): Tensor {
    const t = this.buffers.get(b);
    if (!t) throw nnArg('a layer used a buffer that is not registered in the model being built');
    return t;
  }

  /** Records the value a buffer takes after this step (training-mode BatchNorm). */
  updateBuffer(b: Buffer, value: Tensor): void {
    this.bufferUpdates.set(b, value);
  }

  /** A distinct seed for each random op (Dropout) in the graph. */
  nextSeed(): number {
    return ++this.seed;
  }

  /**
   * The run-time counter random ops draw from: a scalar graph input named 'rng', declared on first
   * use. Compiled train steps feed their step counter, so masks are reproducible and a resumed run
   * draws the same masks as an uninterrupted one.
   */
  randomCounter(): Tensor {
    this.counter ??= this.graph.input('rng', this.dtype, []);
    return this.counter;
  }

  /**
   * Builds a child module on x inside a user-defined forward, turning shape errors into
   * NN_SHAPE_MISMATCH errors that name the child and the shape it got: `ctx.call(this.conv1, x)`.
   */
  call(m: Module, x: Tensor): Tensor {
    return callLayer(m, x, this, 'the calling forward');
  }

  /** The module's dotted path in the model ('' for the root). */
  pathOf(m: Module): string {
    return this.paths.get(m) ?? m.constructor.name;
  }
}

/** Marks an error already wrapped with layer context so outer containers do not wrap it again. */
const WRAPPED = Symbol('flint.nn.wrapped');

/**
 * Base class of layers, containers and user models. A module owns parameters and buffers
 * (registered by name) and child modules (registered by name, or found among its own
 * properties, in definition order), and describes its computation by building IR in `forward`.
 */
export abstract class Module {
  /** True in training mode (Dropout active, BatchNorm uses batch statistics). */
  training = true;
  /** Shape of one input sample without the batch dimension; compiled steps need it. */
  inputShape?: number[];
  private readonly _params = new Map<string, Parameter>();
  private readonly _buffers = new Map<string, Buffer>();
  private readonly _children = new Map<string, Module>();

  /** Builds this module's output from its input in the context's graph. */
  abstract forward(x: Tensor, ctx: BuildContext): Tensor;

  /** Checks an input shape (with the batch dim) before forward; returns a reason when it does not fit. */
  checkInput(_shape: Shape): string | null {
    return null;
  }

  protected registerParameter(name: string, p: Parameter): Parameter {
    this._params.set(name, p);
    return p;
  }
  protected registerBuffer(name: string, b: Buffer): Buffer {
    this._buffers.set(name, b);
    return b;
  }
  protected registerModule(name: string, m: Module): Module {
    this._children.set(name, m);
    return m;
  }

  /** Direct children: registered ones, then Module-valued own properties in definition order. */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [...this._children];
    const seen = new Set(this._children.values());
    for (const [k, v] of Object.entries(this)) {
      if (v instanceof Module && !seen.has(v)) {
        out.push([k, v]);
        seen.add(v);
      }
    }
    return out;
  }

  /** This module and all descendants with dotted paths ('' for this one). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [k, m] of this.namedChildren()) out.push(...m.namedModules(prefix ? `${prefix}.${k}` : k));
    return out;
  }

  /** Parameters with their state-dict keys (`conv1.weight`, `0.bias`), in a stable order. */
  namedParameters(): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    const seen = new Set<Parameter>();
    for (const [path, m] of this.namedModules()) {
      for (const [k, p] of m._params) {
        if (seen.has(p)) continue;
        seen.add(p);
        out.push([path ? `${path}.${k}` : k, p]);
      }
    }
    return out;
  }

  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Buffers (running statistics) with their state-dict keys. */
  namedBuffers(): [string, Buffer][] {
    const out: [string, Buffer][] = [];
    for (const [path, m] of this.namedModules()) {
      for (const [k, b] of m._buffers) out.push([path ? `${path}.${k}` : k, b]);
    }
    return out;
  }

  /** Total number of trainable scalars. */
  numParameters(): number {
    return this.parameters().reduce((a, p) => a + p.size, 0);
  }

  /** Sets training mode on this module and all descendants. */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  /** Sets eval mode (Dropout off, BatchNorm uses running statistics). */
  eval(): this {
    return this.train(false);
  }

  /** Copies of every parameter and buffer, keyed by name. */
  stateDict(): Record<string, Float32Array> {
    const sd: Record<string, Float32Array> = {};
    for (const [k, p] of this.namedParameters()) sd[k] = p.data.slice();
    for (const [k, b] of this.namedBuffers()) sd[k] = b.data.slice();
    return sd;
  }

  /** Loads values by name; with `strict` every key must match and sizes must agree. */
  loadStateDict(sd: Record<string, Float32Array | number[]>, strict = true): void {
    const entries = [...this.namedParameters(), ...this.namedBuffers()];
    const known = new Set(entries.map(([k]) => k));
    if (strict) {
      const missing = entries.filter(([k]) => !(k in sd)).map(([k]) => k);
      const unexpected = Object.keys(sd).filter(k => !known.has(k));
      if (missing.length || unexpected.length) {
        throw new NnUserError(
          NnErrorCode.STATE_MISMATCH,
          `loadStateDict: missing keys [${missing.join(', ')}], unexpected keys [${unexpected.join(', ')}]`,
        );
      }
    }
    for (const [k, p] of entries) {
      const v = sd[k];
      if (!v) continue;
      if (v.length !== p.size) {
        throw new NnUserError(NnErrorCode.STATE_MISMATCH, `loadStateDict: '${k}' has ${v.length} values, the model's [${p.shape}] needs ${p.size}`);
      }
      p.data = Float32Array.from(v);
    }
  }

  /** The output shape (without batch) for an input shape (default `inputShape`); throws on any shape mismatch. */
  outputShape(inputShape?: number[]): number[] {
    const ctx = new BuildContext(this, { training: false });
    const y = this.forward(ctx.graph.input('__x', 'float32', [BATCH, ...resolveInputShape(this, inputShape)]), ctx);
    return y.shape.slice(1).map(d => {
      if (typeof d !== 'number') throw nnArg(`output dim ${d} is not static`);
      return d;
    });
  }

  /**
   * @deprecated Saving belongs to Model: `Model.fromModule(module).saveOnnx(path)` (or `exportOnnx(module)` for the bytes).
   * Kept so a call made to the old API fails naming the new one.
   */
  async saveOnnx(_path: string): Promise<never> {
    throw nnArg(`${this.constructor.name}.saveOnnx moved: saving belongs to Model; call Model.fromModule(model).saveOnnx(path), or exportOnnx(model) for the ONNX bytes`);
  }
}

/** The input shape to build with: the argument, the model's `inputShape`, or what the first layer implies. */
export function resolveInputShape(model: Module, given?: number[]): number[] {
  const s = given ?? model.inputShape ?? impliedInputShape(model);
  if (!s) {
    throw new NnUserError(
      NnErrorCode.NO_INPUT_SHAPE,
      `the input shape of ${model.constructor.name} is unknown; set model.inputShape (one sample, without the batch dim), e.g. [1, 28, 28]`,
    );
  }
  return s;
}

function impliedInputShape(m: Module): number[] | undefined {
  if (m.inputShape) return m.inputShape;
  const first = m instanceof Sequential ? m.layers[0]?.[1] : undefined;
  if (!first) return undefined;
  if ('inFeatures' in first && typeof first.inFeatures === 'number') return [first.inFeatures];
  return impliedInputShape(first);
}

/**
 * Builds a whole model on `x` (the root build of every compiled step, predictor and export) and runs
 * ops/'s forward passes (ops/passes.ts) over the graph, so graph rewrites apply to every model
 * whatever its containers. The output and the buffer updates come back as rewritten.
 */
export function buildModel(model: Module, x: Tensor, ctx: BuildContext): Tensor {
  const out = callLayer(model, x, ctx, 'the model input');
  const updates = [...ctx.bufferUpdates];
  const [y, ...rest] = runPasses(ctx.graph, [out, ...updates.map(([, t]) => t)]);
  updates.forEach(([b], i) => ctx.bufferUpdates.set(b, rest[i]));
  return y;
}

/** Builds a layer's output and, on a shape error, names the layer, the producer and both shapes. */
export function callLayer(m: Module, x: Tensor, ctx: BuildContext, producer: string): Tensor {
  const where = () => `layer '${ctx.pathOf(m)}' (${m.constructor.name})`;
  const reason = m.checkInput(x.shape);
  if (reason) {
    const e = new NnUserError(
      NnErrorCode.SHAPE_MISMATCH,
      `${where()} cannot take the output of ${producer}, shape [${x.shape.join(',')}]: ${reason}`,
    );
    (e as unknown as Record<symbol, boolean>)[WRAPPED] = true;
    throw e;
  }
  try {
    return m.forward(x, ctx);
  } catch (e) {
    if ((e as Record<symbol, unknown>)[WRAPPED]) throw e;
    if (e instanceof OpsUserError && (e.code === OpsErrorCode.SHAPE_MISMATCH || e.code === OpsErrorCode.BAD_ARGUMENT)) {
      const w = new NnUserError(
        NnErrorCode.SHAPE_MISMATCH,
        `${where()} cannot take the output of ${producer}, shape [${x.shape.join(',')}]: ${e.message}`,
        { cause: e },
      );
      (w as unknown as Record<symbol, boolean>)[WRAPPED] = true;
      throw w;
    }
    throw e;
  }
}

/** A chain of modules applied in order; children are named '0', '1', ... as in PyTorch. */
export class Sequential extends Module {
  readonly layers: [string, Module][];

  constructor(...modules: Module[]) {
    super();
    this.layers = modules.map((m, i) => {
      if (!(m instanceof Module)) throw nnArg(`Sequential argument ${i} is not an nn.Module`);
      this.registerModule(String(i), m);
      return [String(i), m];
    });
  }

  /** Appends a module (named by its position). */
  add(m: Module): this {
    const name = String(this.layers.length);
    this.registerModule(name, m);
    this.layers.push([name, m]);
    return this;
  }

  forward(x: Tensor, ctx: BuildContext): Tensor {
    let producer = 'the model input';
    for (const [, m] of this.layers) {
      x = callLayer(m, x, ctx, producer);
      producer = `layer '${ctx.pathOf(m)}' (${m.constructor.name})`;
    }
    return x;
  }
}
