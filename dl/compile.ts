/**
 * Compiles models into onnxruntime sessions: the training step (forward, loss, backward and
 * optimizer update as ONE graph run per minibatch), the gradient step and slice update used by
 * distributed training, and the eval-mode predictor.
 *
 * Weights live in the module: every run reads each Parameter's current `data` as a feed (no copy),
 * and a training step replaces `data` with the array onnxruntime wrote the updated values into.
 * Code that edits the module's parameters between steps (loadStateDict, setWeights) is therefore
 * always seen by the next step. To keep parameters out of per-step allocation, a train step
 * ping-pongs between two buffers per parameter and per optimizer slot (onnxruntime writes into
 * preallocated outputs): an array a step replaced is reused two steps later, so keep copies
 * (stateDict(), getWeights()), not references to `Parameter.data`. Optimizer state (slots and the
 * step counter) lives in the TrainStep.
 */
import * as F from '../ops/api.ts';
import { BATCH, type Graph, type Shape, type Tensor } from '../ops/ir.ts';
import { gradients } from '../ops/autodiff.ts';
import { emitModel } from '../ops/onnx/emit.ts';
import { loadModel, ort, type CompiledModel } from '../ops/runtime.ts';
import { BuildContext, callLayer, resolveInputShape, type Module, type Parameter } from './nn/module.ts';
import type { Loss } from './nn/loss.ts';
import type { OptimMethod } from './optim/optim-method.ts';
import { NnUserError, NnErrorCode } from './nn/errors.ts';

export interface TrainStep {
  /** One optimizer step on a minibatch: x is row-major [batch, ...inputShape]; y holds 0-based class indices (as floats) for classification losses, or targets [batch, ...] for regression. Returns the mean loss. */
  step(x: Float32Array, y: Float32Array, batch: number, lr: number): Promise<number>;
  /** Flat parameter vector, in namedParameters() order (a copy). */
  getWeights(): Float32Array;
  /** Sets the module's parameters from a flat vector in namedParameters() order. */
  setWeights(w: Float32Array): void;
  /** Optimizer slots, for each parameter in order, each slot in `slotNames` order, then [stepCounter]. Copies. */
  getOptimState(): Float32Array[];
  setOptimState(s: Float32Array[]): void;
  dispose(): Promise<void>;
}

export interface Predictor {
  readonly outputShape: number[];
  run(x: Float32Array, batch: number): Promise<Float32Array>;
  dispose(): Promise<void>;
}

/** A forward-backward job's compiled function: the mean loss and the flat gradient at the given flat weights. */
export interface GradStep {
  /** Number of parameters P (length of weights and grad). */
  readonly size: number;
  run(weights: Float32Array, x: Float32Array, y: Float32Array, batch: number): Promise<{ loss: number; grad: Float32Array }>;
  dispose(): Promise<void>;
}

/** A param-sync job's compiled optimizer on one slice of the flat vector, holding that slice's optimizer state. */
export interface SliceUpdate {
  readonly length: number;
  /** Applies one update; returns the new weights of the slice. */
  run(weights: Float32Array, grad: Float32Array, lr: number): Promise<Float32Array>;
  getOptimState(): Float32Array[];
  setOptimState(s: Float32Array[]): void;
  dispose(): Promise<void>;
}

export interface CompileOptions {
  /** Intra-op threads for onnxruntime (the task's share of cores); default 1. */
  threads?: number;
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

interface Forward {
  ctx: BuildContext;
  x: Tensor;
  out: Tensor;
  inputShape: number[];
  params: [string, Parameter][];
}

function buildForward(model: Module, training: boolean): Forward {
  const inputShape = resolveInputShape(model);
  const ctx = new BuildContext(model, { training });
  const x = ctx.graph.input('x', 'float32', [BATCH, ...inputShape]);
  const out = callLayer(model, x, ctx, 'the model input');
  return { ctx, x, out, inputShape, params: model.namedParameters() };
}

function staticShape(s: Shape, what: string): number[] {
  return s.map(d => {
    if (typeof d !== 'number') throw new NnUserError(NnErrorCode.SHAPE_MISMATCH, `${what} has a symbolic dim ${d} besides the batch`);
    return d;
  });
}

/** The optimizer update of every parameter as graph nodes; returns new weights, new slots and the new step counter. */
function buildUpdate(g: Graph, optim: OptimMethod, names: string[], ws: Tensor[], gs: Tensor[], shapes: number[][]) {
  const lr = g.input('lr', 'float32', []);
  const stepIn = g.input('step', 'float32', []);
  const step = F.add(stepIn, 1);
  const slotInputs: Tensor[][] = [];
  const newW: Tensor[] = [];
  const newSlots: Tensor[][] = [];
  names.forEach((name, i) => {
    const slots = optim.slotNames.map(s => g.input(`${name}.${s}`, 'float32', shapes[i]));
    slotInputs.push(slots);
    const r = optim.update(ws[i], gs[i], slots, { lr, step });
    newW.push(r.w);
    newSlots.push(r.slots);
  });
  return { step, slotInputs, newW, newSlots };
}

function checkBatch(what: string, arr: Float32Array, batch: number, perSample: number): void {
  if (!Number.isInteger(batch) || batch < 1) throw new NnUserError(NnErrorCode.BAD_BATCH, `batch must be a positive integer, got ${batch}`);
  if (arr.length !== batch * perSample) {
    throw new NnUserError(NnErrorCode.BAD_BATCH, `${what} has ${arr.length} values; batch ${batch} x ${perSample} per sample needs ${batch * perSample}`);
  }
}

function checkLabels(y: Float32Array, classes: number): void {
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (!(v >= 0 && v < classes && Number.isInteger(v))) {
      throw new NnUserError(NnErrorCode.LABEL_OUT_OF_RANGE, `label ${v} of sample ${i} in the minibatch is not a class index in [0, ${classes}); labels are 0-based`);
    }
  }
}

const tensor = (data: Float32Array, dims: readonly number[]) => new ort.Tensor('float32', data, dims);

/** Compiles forward, loss, backward and the optimizer update into one onnxruntime session. */
export async function compileTrainStep(model: Module, criterion: Loss, optimMethod: OptimMethod, opts: CompileOptions = {}): Promise<TrainStep> {
  const fw = buildForward(model, true);
  const { ctx, out, inputShape, params } = fw;
  const g = ctx.graph;
  const yShape = criterion.targetShape(out.shape);
  const y = g.input('y', 'float32', yShape);
  const loss = criterion.forward(out, y);
  const names = params.map(([n]) => n);
  const ws = params.map(([, p]) => ctx.param(p));
  const grads = gradients(loss, ws, { names });
  const up = buildUpdate(g, optimMethod, names, ws, grads, params.map(([, p]) => p.shape));
  const buffers = [...ctx.bufferUpdates];
  const bufferNames = new Map(model.namedBuffers().map(([n, b]) => [b, n]));
  const outputs = [
    { name: 'loss', tensor: loss },
    { name: 'step:new', tensor: up.step },
    ...names.map((n, i) => ({ name: `${n}:new`, tensor: up.newW[i] })),
    ...names.flatMap((n, i) => optimMethod.slotNames.map((s, j) => ({ name: `${n}.${s}:new`, tensor: up.newSlots[i][j] }))),
    ...buffers.map(([b, t]) => ({ name: `${bufferNames.get(b)}:new`, tensor: t })),
  ];
  const compiled = await loadModel(emitModel(g, { outputs, graphName: 'train_step' }), opts);

  const perX = size(inputShape);
  const perY = size(staticShape(yShape.slice(1), 'the loss target'));
  const classes = criterion.targetKind === 'class' ? (out.shape[1] as number) : 0;
  let slots: Float32Array[][] = params.map(([, p]) => optimMethod.slotNames.map(() => new Float32Array(p.size)));
  let spareSlots: Float32Array[][] = params.map(([, p]) => optimMethod.slotNames.map(() => new Float32Array(p.size)));
  // Buffers this step allocated: only these are recycled, never an array the caller put into the module.
  const owned = new WeakSet<Float32Array>();
  const spareW: (Float32Array | null)[] = params.map(() => null);
  let stepCount: Float32Array = new Float32Array(1);
  const allBuffers = model.namedBuffers();

  return {
    async step(xs, ys, batch, lr) {
      checkBatch('x', xs, batch, perX);
      checkBatch('y', ys, batch, perY);
      if (classes) checkLabels(ys, classes);
      const feeds: Record<string, ort.Tensor> = {
        x: tensor(xs, [batch, ...inputShape]),
        y: tensor(ys, [batch, ...(yShape.slice(1) as number[])]),
        lr: tensor(Float32Array.of(lr), []),
        step: tensor(stepCount, []),
      };
      const fetches: Record<string, ort.Tensor | null> = { loss: null, 'step:new': null };
      const outW = params.map(([n, p], i) => {
        feeds[n] = tensor(p.data, p.shape);
        const out = spareW[i] && spareW[i] !== p.data ? spareW[i]! : new Float32Array(p.size);
        fetches[`${n}:new`] = tensor(out, p.shape);
        optimMethod.slotNames.forEach((s, j) => {
          feeds[`${n}.${s}`] = tensor(slots[i][j], p.shape);
          fetches[`${n}.${s}:new`] = tensor(spareSlots[i][j], p.shape);
        });
        return out;
      });
      for (const [n, b] of allBuffers) feeds[n] = tensor(b.data, b.shape);
      for (const [b] of buffers) fetches[`${bufferNames.get(b)}:new`] = null;
      const r = await compiled.run(feeds, fetches);
      const lossValue = (r.loss.data as Float32Array)[0];
      params.forEach(([, p], i) => {
        const prev = p.data;
        p.data = outW[i];
        owned.add(outW[i]);
        spareW[i] = owned.has(prev) ? prev : null;
      });
      [slots, spareSlots] = [spareSlots, slots];
      for (const [b] of buffers) b.data = r[`${bufferNames.get(b)}:new`].data as Float32Array;
      stepCount = r['step:new'].data as Float32Array;
      return lossValue;
    },
    getWeights: () => getModelWeights(model),
    setWeights: w => setModelWeights(model, w),
    getOptimState: () => [...slots.flat().map(s => s.slice()), stepCount.slice()],
    setOptimState(s) {
      const n = slots.flat().length;
      if (s.length !== n + 1) throw new NnUserError(NnErrorCode.STATE_MISMATCH, `optimizer state has ${s.length} arrays; this step needs ${n + 1}`);
      let k = 0;
      slots = params.map(([name, p]) =>
        optimMethod.slotNames.map(sn => {
          const a = s[k++];
          if (a.length !== p.size) throw new NnUserError(NnErrorCode.STATE_MISMATCH, `optimizer slot ${name}.${sn} has ${a.length} values, needs ${p.size}`);
          return Float32Array.from(a);
        }),
      );
      spareSlots = slots.map(ss => ss.map(a => new Float32Array(a.length)));
      stepCount = Float32Array.from(s[n]);
    },
    dispose: () => compiled.dispose(),
  };
}

/** Compiles the eval-mode forward pass; `run` feeds the module's current weights. */
export async function compilePredictor(model: Module, opts: CompileOptions = {}): Promise<Predictor> {
  const { ctx, out, inputShape, params } = buildForward(model, false);
  const outputShape = staticShape(out.shape.slice(1), 'the model output');
  const compiled = await loadModel(emitModel(ctx.graph, { outputs: [{ name: 'y', tensor: out }], graphName: 'predict' }), opts);
  const perX = size(inputShape);
  const buffers = model.namedBuffers();
  return {
    outputShape,
    async run(xs, batch) {
      checkBatch('x', xs, batch, perX);
      const feeds: Record<string, ort.Tensor> = { x: tensor(xs, [batch, ...inputShape]) };
      for (const [n, p] of params) feeds[n] = tensor(p.data, p.shape);
      for (const [n, b] of buffers) feeds[n] = tensor(b.data, b.shape);
      const r = await compiled.run(feeds);
      return r.y.data as Float32Array;
    },
    dispose: () => compiled.dispose(),
  };
}

/**
 * Compiles forward, loss and backward (no update) for distributed training: `run` takes the flat
 * weights (views into it are fed, no copy) and returns the loss and the flat gradient (concatenated
 * inside the graph). Training-mode buffers (BatchNorm running statistics) are updated in the module.
 */
export async function compileGradStep(model: Module, criterion: Loss, opts: CompileOptions = {}): Promise<GradStep> {
  const { ctx, out, inputShape, params } = buildForward(model, true);
  const g = ctx.graph;
  const yShape = criterion.targetShape(out.shape);
  const y = g.input('y', 'float32', yShape);
  const loss = criterion.forward(out, y);
  const names = params.map(([n]) => n);
  const ws = params.map(([, p]) => ctx.param(p));
  const grads = gradients(loss, ws, { names });
  const flat = grads.length ? F.concat(grads.map(t => F.reshape(t, [-1])), 0) : g.constant([], 'float32', [0]);
  const buffers = [...ctx.bufferUpdates];
  const bufferNames = new Map(model.namedBuffers().map(([n, b]) => [b, n]));
  const compiled = await loadModel(
    emitModel(g, {
      outputs: [
        { name: 'loss', tensor: loss },
        { name: 'grad', tensor: flat },
        ...buffers.map(([b, t]) => ({ name: `${bufferNames.get(b)}:new`, tensor: t })),
      ],
      graphName: 'grad_step',
    }),
    opts,
  );
  const P = params.reduce((a, [, p]) => a + p.size, 0);
  const perX = size(inputShape);
  const perY = size(staticShape(yShape.slice(1), 'the loss target'));
  const classes = criterion.targetKind === 'class' ? (out.shape[1] as number) : 0;
  const allBuffers = model.namedBuffers();
  return {
    size: P,
    async run(weights, xs, ys, batch) {
      if (weights.length !== P) throw new NnUserError(NnErrorCode.STATE_MISMATCH, `weights have ${weights.length} values; the model has ${P} parameters`);
      checkBatch('x', xs, batch, perX);
      checkBatch('y', ys, batch, perY);
      if (classes) checkLabels(ys, classes);
      const feeds: Record<string, ort.Tensor> = {
        x: tensor(xs, [batch, ...inputShape]),
        y: tensor(ys, [batch, ...(yShape.slice(1) as number[])]),
      };
      let off = 0;
      for (const [n, p] of params) {
        feeds[n] = tensor(weights.subarray(off, off + p.size), p.shape);
        off += p.size;
      }
      for (const [n, b] of allBuffers) feeds[n] = tensor(b.data, b.shape);
      const r = await compiled.run(feeds);
      for (const [b] of buffers) b.data = r[`${bufferNames.get(b)}:new`].data as Float32Array;
      return { loss: (r.loss.data as Float32Array)[0], grad: r.grad.data as Float32Array };
    },
    dispose: () => compiled.dispose(),
  };
}

/** Compiles an optimizer's update for one slice of `length` elements of the flat parameter vector. */
export async function compileSliceUpdate(optimMethod: OptimMethod, length: number, opts: CompileOptions = {}): Promise<SliceUpdate> {
  if (!(Number.isInteger(length) && length > 0)) throw new NnUserError(NnErrorCode.BAD_BATCH, `slice length must be a positive integer, got ${length}`);
  const { Graph } = await import('../ops/ir.ts');
  const g = new Graph();
  const w = g.input('w', 'float32', [length]);
  const gr = g.input('g', 'float32', [length]);
  const up = buildUpdate(g, optimMethod, ['w'], [w], [gr], [[length]]);
  const compiled = await loadModel(
    emitModel(g, {
      outputs: [
        { name: 'w:new', tensor: up.newW[0] },
        { name: 'step:new', tensor: up.step },
        ...optimMethod.slotNames.map((s, j) => ({ name: `w.${s}:new`, tensor: up.newSlots[0][j] })),
      ],
      graphName: 'slice_update',
    }),
    opts,
  );
  let slots: Float32Array[] = optimMethod.slotNames.map(() => new Float32Array(length));
  let stepCount: Float32Array = new Float32Array(1);
  return {
    length,
    async run(weights, grad, lr) {
      if (weights.length !== length || grad.length !== length) {
        throw new NnUserError(NnErrorCode.BAD_BATCH, `slice update of length ${length} given weights ${weights.length} and grad ${grad.length}`);
      }
      const feeds: Record<string, ort.Tensor> = { w: tensor(weights, [length]), g: tensor(grad, [length]), lr: tensor(Float32Array.of(lr), []), step: tensor(stepCount, []) };
      optimMethod.slotNames.forEach((s, j) => (feeds[`w.${s}`] = tensor(slots[j], [length])));
      const r = await compiled.run(feeds);
      slots = optimMethod.slotNames.map(s => r[`w.${s}:new`].data as Float32Array);
      stepCount = r['step:new'].data as Float32Array;
      return r['w:new'].data as Float32Array;
    },
    getOptimState: () => [...slots.map(s => s.slice()), stepCount.slice()],
    setOptimState(s) {
      if (s.length !== slots.length + 1 || s.slice(0, -1).some(a => a.length !== length)) {
        throw new NnUserError(NnErrorCode.STATE_MISMATCH, `slice optimizer state needs ${slots.length} arrays of ${length} values and the step counter`);
      }
      slots = s.slice(0, -1).map(a => Float32Array.from(a));
      stepCount = Float32Array.from(s[s.length - 1]);
    },
    dispose: () => compiled.dispose(),
  };
}

/** The model's parameters as one flat vector in namedParameters() order (a copy). */
export function getModelWeights(model: Module): Float32Array {
  const params = model.parameters();
  const out = new Float32Array(params.reduce((a, p) => a + p.size, 0));
  let off = 0;
  for (const p of params) {
    out.set(p.data, off);
    off += p.size;
  }
  return out;
}

/** Sets the model's parameters from a flat vector in namedParameters() order (copied). */
export function setModelWeights(model: Module, w: Float32Array): void {
  const params = model.parameters();
  const total = params.reduce((a, p) => a + p.size, 0);
  if (w.length !== total) throw new NnUserError(NnErrorCode.STATE_MISMATCH, `weight vector has ${w.length} values; the model has ${total} parameters`);
  let off = 0;
  for (const p of params) {
    p.data = w.slice(off, off + p.size);
    off += p.size;
  }
}
