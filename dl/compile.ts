/**
 * Compiles models into onnxruntime sessions: the training step (forward, loss, backward and
 * optimizer update as ONE graph run per minibatch), the gradient step and slice update used by
 * distributed training, and the eval-mode predictor.
 *
 * Compilation has two halves. A plan (`planTrainStep`, `planGradStep`, `planPredictor`,
 * `planSliceUpdate`) is plain data — the ONNX bytes plus the names and shapes of the feeds — so it
 * can be structured-cloned to executors, which `load*` it without the model's classes. The
 * `compile*` functions plan and load in one go, bound to a module.
 *
 * Weights of a `compile*`d step live in the module: every run reads each Parameter's current
 * `data` as a feed (no copy), and a training step replaces `data` with the array onnxruntime wrote
 * the updated values into, so edits between steps (loadStateDict, setWeights) are always seen by
 * the next step. A `load*`ed step keeps its own arrays (setWeights/getWeights). To keep parameters
 * out of per-step allocation, a train step ping-pongs between two buffers per parameter and per
 * optimizer slot (onnxruntime writes into preallocated outputs): an array a step replaced is reused
 * two steps later, so keep copies (stateDict(), getWeights()), not references to `Parameter.data`.
 * Optimizer state (slots and the step counter) lives in the TrainStep / SliceUpdate.
 */
import * as F from '../ops/api.ts';
import { BATCH, Graph, type Shape, type Tensor } from '../ops/index.ts';
import { gradients } from '../ops/autodiff.ts';
import { emitModel } from '../ops/onnx/emit.ts';
import { loadModel, ort } from '../ops/runtime.ts';
import { BuildContext, buildModel, resolveInputShape, type Module } from './nn/module.ts';
import type { Loss } from './nn/loss.ts';
import type { OptimMethod } from './optim/optim-method.ts';
import { NnUserError, NnErrorCode } from './nn/errors.ts';
import { labelOutOfRange } from './errors.ts';
import type { Predictor, TrainStep as BackendTrainStep } from './backend.ts';

/**
 * The training loop's TrainStep (dl/backend.ts: step, weights, optimizer state with the step counter
 * last, dispose) plus the model's non-trainable buffers.
 */
export interface TrainStep extends BackendTrainStep {
  /** Buffers (BatchNorm running statistics) in namedBuffers() order (copies). */
  getBuffers(): Float32Array[];
  setBuffers(b: Float32Array[]): void;
}

export type { Predictor };

/** A forward-backward job's compiled function: the mean loss and the flat gradient at the given flat weights. */
export interface GradStep {
  /** Number of parameters P (length of weights and grad). */
  readonly size: number;
  /**
   * `rng` is the counter random ops (Dropout) draw from: give each (iteration, partition) its own
   * value for reproducible, distinct masks; by default a counter of this GradStep's runs.
   */
  run(weights: Float32Array, x: Float32Array, y: Float32Array, batch: number, rng?: number): Promise<{ loss: number; grad: Float32Array }>;
  /** Buffers (BatchNorm running statistics, updated by each run) in namedBuffers() order (copies). */
  getBuffers(): Float32Array[];
  setBuffers(b: Float32Array[]): void;
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
  /** Whether idle onnxruntime threads spin (default true; turn off when cores are oversubscribed). */
  spinning?: boolean;
}

/** A named feed of the compiled graph. */
export interface TensorSpec {
  name: string;
  shape: number[];
}

/**
 * Everything needed to run a compiled step without the model's classes: structured-clonable.
 * Feeds are 'x' [batch, ...inputShape], 'y' [batch, ...targetShape], 'lr' and 'step' scalars, one
 * per parameter and buffer (by state-dict name) and `${param}.${slot}` per optimizer slot;
 * outputs are 'loss', 'grad', 'y' (predictor), and `${name}:new` for updated state.
 */
export interface StepPlan {
  kind: 'train' | 'grad' | 'predict' | 'slice';
  onnx: Uint8Array;
  inputShape: number[];
  targetShape: number[];
  /** Number of classes for class-index targets (labels are range-checked), else 0. */
  classes: number;
  params: TensorSpec[];
  buffers: TensorSpec[];
  /** Buffers the graph updates (outputs `${name}:new`). */
  updatedBuffers: string[];
  slotNames: string[];
  outputShape: number[];
  /** Whether the graph has random ops (Dropout) and so the scalar feed 'rng' (the step counter). */
  random: boolean;
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

interface Forward {
  random: boolean;
  ctx: BuildContext;
  out: Tensor;
  inputShape: number[];
  params: TensorSpec[];
  buffers: TensorSpec[];
  paramTensors: Tensor[];
}

function buildForward(model: Module, training: boolean): Forward {
  const inputShape = resolveInputShape(model);
  const ctx = new BuildContext(model, { training });
  const x = ctx.graph.input('x', 'float32', [BATCH, ...inputShape]);
  const out = buildModel(model, x, ctx);
  const np = model.namedParameters();
  return {
    random: ctx.graph.inputs.some(t => t.node.attrs.name === 'rng'),
    ctx,
    out,
    inputShape,
    params: np.map(([name, p]) => ({ name, shape: p.shape })),
    buffers: model.namedBuffers().map(([name, b]) => ({ name, shape: b.shape })),
    paramTensors: np.map(([, p]) => ctx.param(p)),
  };
}

function staticShape(s: Shape, what: string): number[] {
  return s.map(d => {
    if (typeof d !== 'number') throw new NnUserError(NnErrorCode.SHAPE_MISMATCH, `${what} has a symbolic dim ${d} besides the batch`);
    return d;
  });
}

/** Forward, loss and gradients of every parameter. */
function buildLoss(model: Module, criterion: Loss) {
  const fw = buildForward(model, true);
  const yShape = criterion.targetShape(fw.out.shape);
  const y = fw.ctx.graph.input('y', 'float32', yShape);
  const loss = criterion.forward(fw.out, y);
  const grads = gradients(loss, fw.paramTensors, { names: fw.params.map(p => p.name) });
  const names = new Map(model.namedBuffers().map(([n, b]) => [b, n]));
  const updated = [...fw.ctx.bufferUpdates].map(([b, t]) => ({ name: names.get(b)!, tensor: t }));
  return {
    fw,
    loss,
    grads,
    bufferOutputs: updated.map(u => ({ name: `${u.name}:new`, tensor: u.tensor })),
    updatedBuffers: updated.map(u => u.name),
    targetShape: staticShape(yShape.slice(1), 'the loss target'),
    classes: criterion.targetKind === 'class' ? (fw.out.shape[1] as number) : 0,
  };
}

/** The optimizer update of every parameter as graph nodes; returns new weights, new slots and the new step counter. */
function buildUpdate(g: Graph, optim: OptimMethod, names: string[], ws: Tensor[], gs: Tensor[], shapes: number[][]) {
  const lr = g.input('lr', 'float32', []);
  const step = F.add(g.input('step', 'float32', []), 1);
  const newW: Tensor[] = [];
  const newSlots: Tensor[][] = [];
  names.forEach((name, i) => {
    const slots = optim.slotNames.map(s => g.input(`${name}.${s}`, 'float32', shapes[i]));
    const r = optim.update(ws[i], gs[i], slots, { lr, step });
    newW.push(r.w);
    newSlots.push(r.slots);
  });
  return { step, newW, newSlots };
}

/** Plans forward, loss, backward and the optimizer update as one graph. */
export function planTrainStep(model: Module, criterion: Loss, optimMethod: OptimMethod): StepPlan {
  const { fw, loss, grads, bufferOutputs, updatedBuffers, targetShape, classes } = buildLoss(model, criterion);
  const names = fw.params.map(p => p.name);
  const up = buildUpdate(fw.ctx.graph, optimMethod, names, fw.paramTensors, grads, fw.params.map(p => p.shape));
  const outputs = [
    { name: 'loss', tensor: loss },
    { name: 'step:new', tensor: up.step },
    ...names.map((n, i) => ({ name: `${n}:new`, tensor: up.newW[i] })),
    ...names.flatMap((n, i) => optimMethod.slotNames.map((s, j) => ({ name: `${n}.${s}:new`, tensor: up.newSlots[i][j] }))),
    ...bufferOutputs,
  ];
  return modelPlan(fw, {
    kind: 'train',
    onnx: emitModel(fw.ctx.graph, { outputs, graphName: 'train_step' }),
    targetShape,
    classes,
    updatedBuffers,
    slotNames: [...optimMethod.slotNames],
  });
}

/** Plans forward, loss and backward with the flat gradient concatenated in the graph (output 'grad'). */
export function planGradStep(model: Module, criterion: Loss): StepPlan {
  const { fw, loss, grads, bufferOutputs, updatedBuffers, targetShape, classes } = buildLoss(model, criterion);
  const g = fw.ctx.graph;
  const flat = grads.length ? F.concat(grads.map(t => F.reshape(t, [-1])), 0) : g.constant([], 'float32', [0]);
  return modelPlan(fw, {
    kind: 'grad',
    onnx: emitModel(g, { outputs: [{ name: 'loss', tensor: loss }, { name: 'grad', tensor: flat }, ...bufferOutputs], graphName: 'grad_step' }),
    targetShape,
    classes,
    updatedBuffers,
    slotNames: [],
  });
}

/** Plans the eval-mode forward pass (output 'y'), weights fed as inputs. */
export function planPredictor(model: Module): StepPlan {
  const fw = buildForward(model, false);
  return modelPlan(fw, {
    kind: 'predict',
    onnx: emitModel(fw.ctx.graph, { outputs: [{ name: 'y', tensor: fw.out }], graphName: 'predict' }),
    targetShape: [],
    classes: 0,
    updatedBuffers: [],
    slotNames: [],
  });
}

/** A plan of a step built on a model's forward pass: the feeds and shapes that pass fixes, plus the step's own fields. */
function modelPlan(fw: Forward, step: Pick<StepPlan, 'kind' | 'onnx' | 'targetShape' | 'classes' | 'updatedBuffers' | 'slotNames'>): StepPlan {
  return {
    ...step,
    inputShape: fw.inputShape,
    params: fw.params,
    buffers: fw.buffers,
    outputShape: staticShape(fw.out.shape.slice(1), 'the model output'),
    random: fw.random,
  };
}

/** Plans an optimizer's update of one slice of `length` elements of the flat parameter vector (feeds 'w', 'g', 'lr', 'step', 'w.<slot>'). */
export function planSliceUpdate(optimMethod: OptimMethod, length: number): StepPlan {
  if (!(Number.isInteger(length) && length > 0)) throw new NnUserError(NnErrorCode.BAD_BATCH, `slice length must be a positive integer, got ${length}`);
  const g = new Graph();
  const w = g.input('w', 'float32', [length]);
  const gr = g.input('g', 'float32', [length]);
  const up = buildUpdate(g, optimMethod, ['w'], [w], [gr], [[length]]);
  const outputs = [
    { name: 'w:new', tensor: up.newW[0] },
    { name: 'step:new', tensor: up.step },
    ...optimMethod.slotNames.map((s, j) => ({ name: `w.${s}:new`, tensor: up.newSlots[0][j] })),
  ];
  return {
    kind: 'slice',
    onnx: emitModel(g, { outputs, graphName: 'slice_update' }),
    inputShape: [],
    targetShape: [],
    classes: 0,
    params: [{ name: 'w', shape: [length] }],
    buffers: [],
    updatedBuffers: [],
    slotNames: [...optimMethod.slotNames],
    outputShape: [],
    random: false,
  };
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
      throw labelOutOfRange(`sample ${i} of the minibatch`, v, classes);
    }
  }
}

const tensor = (data: Float32Array, dims: readonly number[]) => new ort.Tensor('float32', data, dims);

/** Where a step reads and writes its weights and buffers: a module's Parameters, or holders of its own. */
interface Holder {
  data: Float32Array;
}
interface Store {
  params: Holder[];
  buffers: Holder[];
}

function ownStore(plan: StepPlan): Store {
  return {
    params: plan.params.map(p => ({ data: new Float32Array(size(p.shape)) })),
    buffers: plan.buffers.map(b => ({ data: new Float32Array(size(b.shape)) })),
  };
}
function moduleStore(model: Module): Store {
  return { params: model.parameters(), buffers: model.namedBuffers().map(([, b]) => b) };
}

function flatten(holders: Holder[]): Float32Array {
  const out = new Float32Array(holders.reduce((a, h) => a + h.data.length, 0));
  let off = 0;
  for (const h of holders) {
    out.set(h.data, off);
    off += h.data.length;
  }
  return out;
}
function unflatten(holders: Holder[], specs: TensorSpec[], w: Float32Array): void {
  const total = specs.reduce((a, s) => a + size(s.shape), 0);
  if (w.length !== total) throw new NnUserError(NnErrorCode.STATE_MISMATCH, `weight vector has ${w.length} values; the model has ${total} parameters`);
  let off = 0;
  holders.forEach((h, i) => {
    const n = size(specs[i].shape);
    h.data = w.slice(off, off + n);
    off += n;
  });
}
function setArrays(holders: Holder[], specs: TensorSpec[], arrays: Float32Array[], what: string): void {
  if (arrays.length !== holders.length) throw new NnUserError(NnErrorCode.STATE_MISMATCH, `${what}: got ${arrays.length} arrays, the model has ${holders.length}`);
  holders.forEach((h, i) => {
    if (arrays[i].length !== size(specs[i].shape)) {
      throw new NnUserError(NnErrorCode.STATE_MISMATCH, `${what}: '${specs[i].name}' needs ${size(specs[i].shape)} values, got ${arrays[i].length}`);
    }
    h.data = Float32Array.from(arrays[i]);
  });
}

function expectKind(plan: StepPlan, kind: StepPlan['kind']): void {
  if (plan.kind !== kind) throw new NnUserError(NnErrorCode.BAD_ARGUMENT, `expected a '${kind}' plan, got a '${plan.kind}' plan`);
}

async function trainStepOn(plan: StepPlan, store: Store, opts: CompileOptions): Promise<TrainStep> {
  expectKind(plan, 'train');
  const compiled = await loadModel(plan.onnx, opts);
  const { params, slotNames, inputShape, targetShape, classes } = plan;
  const perX = size(inputShape), perY = size(targetShape);
  const updated = plan.updatedBuffers.map(n => plan.buffers.findIndex(b => b.name === n));
  const zeros = () => params.map(p => slotNames.map(() => new Float32Array(size(p.shape))));
  let slots = zeros(), spareSlots = zeros();
  // Arrays this step allocated: only these are recycled, never an array the caller put into the store.
  const owned = new WeakSet<Float32Array>();
  const spareW: (Float32Array | null)[] = params.map(() => null);
  let stepCount: Float32Array = new Float32Array(1);

  return {
    async step(xs, ys, batch, lr) {
      checkBatch('x', xs, batch, perX);
      checkBatch('y', ys, batch, perY);
      if (classes) checkLabels(ys, classes);
      const feeds: Record<string, ort.Tensor> = {
        x: tensor(xs, [batch, ...inputShape]),
        y: tensor(ys, [batch, ...targetShape]),
        lr: tensor(Float32Array.of(lr), []),
        step: tensor(stepCount, []),
      };
      // Random ops draw from the step counter, which the optimizer state carries: resumes are exact.
      if (plan.random) feeds.rng = tensor(stepCount, []);
      const fetches: Record<string, ort.Tensor | null> = { loss: null, 'step:new': null };
      const outW = params.map((p, i) => {
        const cur = store.params[i].data;
        feeds[p.name] = tensor(cur, p.shape);
        const out = spareW[i] && spareW[i] !== cur ? spareW[i]! : new Float32Array(cur.length);
        fetches[`${p.name}:new`] = tensor(out, p.shape);
        slotNames.forEach((s, j) => {
          feeds[`${p.name}.${s}`] = tensor(slots[i][j], p.shape);
          fetches[`${p.name}.${s}:new`] = tensor(spareSlots[i][j], p.shape);
        });
        return out;
      });
      plan.buffers.forEach((b, i) => (feeds[b.name] = tensor(store.buffers[i].data, b.shape)));
      for (const n of plan.updatedBuffers) fetches[`${n}:new`] = null;
      const r = await compiled.run(feeds, fetches);
      outW.forEach((out, i) => {
        const prev = store.params[i].data;
        store.params[i].data = out;
        owned.add(out);
        spareW[i] = owned.has(prev) ? prev : null;
      });
      [slots, spareSlots] = [spareSlots, slots];
      updated.forEach((bi, k) => (store.buffers[bi].data = r[`${plan.updatedBuffers[k]}:new`].data as Float32Array));
      stepCount = r['step:new'].data as Float32Array;
      return (r.loss.data as Float32Array)[0];
    },
    getWeights: () => flatten(store.params),
    setWeights: w => unflatten(store.params, params, w),
    getOptimState: () => [...slots.flat().map(s => s.slice()), stepCount.slice()],
    setOptimState(s) {
      const n = slots.flat().length;
      if (s.length !== n + 1) throw new NnUserError(NnErrorCode.STATE_MISMATCH, `optimizer state has ${s.length} arrays; this step needs ${n + 1}`);
      let k = 0;
      slots = params.map(p =>
        slotNames.map(sn => {
          const a = s[k++];
          if (a.length !== size(p.shape)) throw new NnUserError(NnErrorCode.STATE_MISMATCH, `optimizer slot ${p.name}.${sn} has ${a.length} values, needs ${size(p.shape)}`);
          return Float32Array.from(a);
        }),
      );
      spareSlots = zeros();
      stepCount = Float32Array.from(s[n]);
    },
    getBuffers: () => store.buffers.map(b => b.data.slice()),
    setBuffers: b => setArrays(store.buffers, plan.buffers, b, 'setBuffers'),
    dispose: () => compiled.dispose(),
  };
}

async function predictorOn(plan: StepPlan, store: Store, opts: CompileOptions): Promise<Predictor> {
  expectKind(plan, 'predict');
  const compiled = await loadModel(plan.onnx, opts);
  const perX = size(plan.inputShape);
  return {
    outputShape: plan.outputShape,
    inputLength: perX,
    async run(xs, batch) {
      checkBatch('x', xs, batch, perX);
      const feeds: Record<string, ort.Tensor> = { x: tensor(xs, [batch, ...plan.inputShape]) };
      plan.params.forEach((p, i) => (feeds[p.name] = tensor(store.params[i].data, p.shape)));
      plan.buffers.forEach((b, i) => (feeds[b.name] = tensor(store.buffers[i].data, b.shape)));
      const r = await compiled.run(feeds);
      return r.y.data as Float32Array;
    },
    dispose: () => compiled.dispose(),
  };
}

async function gradStepOn(plan: StepPlan, store: Store, opts: CompileOptions): Promise<GradStep> {
  expectKind(plan, 'grad');
  const compiled = await loadModel(plan.onnx, opts);
  const P = plan.params.reduce((a, p) => a + size(p.shape), 0);
  const perX = size(plan.inputShape), perY = size(plan.targetShape);
  const updated = plan.updatedBuffers.map(n => plan.buffers.findIndex(b => b.name === n));
  let runs = 0;
  return {
    size: P,
    async run(weights, xs, ys, batch, rng) {
      if (weights.length !== P) throw new NnUserError(NnErrorCode.STATE_MISMATCH, `weights have ${weights.length} values; the model has ${P} parameters`);
      checkBatch('x', xs, batch, perX);
      checkBatch('y', ys, batch, perY);
      if (plan.classes) checkLabels(ys, plan.classes);
      const feeds: Record<string, ort.Tensor> = {
        x: tensor(xs, [batch, ...plan.inputShape]),
        y: tensor(ys, [batch, ...plan.targetShape]),
      };
      if (plan.random) feeds.rng = tensor(Float32Array.of(rng ?? runs), []);
      runs++;
      let off = 0;
      for (const p of plan.params) {
        const n = size(p.shape);
        feeds[p.name] = tensor(weights.subarray(off, off + n), p.shape);
        off += n;
      }
      plan.buffers.forEach((b, i) => (feeds[b.name] = tensor(store.buffers[i].data, b.shape)));
      const r = await compiled.run(feeds);
      updated.forEach((bi, k) => (store.buffers[bi].data = r[`${plan.updatedBuffers[k]}:new`].data as Float32Array));
      return { loss: (r.loss.data as Float32Array)[0], grad: r.grad.data as Float32Array };
    },
    getBuffers: () => store.buffers.map(b => b.data.slice()),
    setBuffers: b => setArrays(store.buffers, plan.buffers, b, 'setBuffers'),
    dispose: () => compiled.dispose(),
  };
}

/** Loads a slice-update plan; the slice's optimizer state starts at zero. */
export async function loadSliceUpdate(plan: StepPlan, opts: CompileOptions = {}): Promise<SliceUpdate> {
  expectKind(plan, 'slice');
  const compiled = await loadModel(plan.onnx, opts);
  const length = plan.params[0].shape[0];
  let slots: Float32Array[] = plan.slotNames.map(() => new Float32Array(length));
  let stepCount: Float32Array = new Float32Array(1);
  return {
    length,
    async run(weights, grad, lr) {
      if (weights.length !== length || grad.length !== length) {
        throw new NnUserError(NnErrorCode.BAD_BATCH, `slice update of length ${length} given weights ${weights.length} and grad ${grad.length}`);
      }
      const feeds: Record<string, ort.Tensor> = { w: tensor(weights, [length]), g: tensor(grad, [length]), lr: tensor(Float32Array.of(lr), []), step: tensor(stepCount, []) };
      plan.slotNames.forEach((s, j) => (feeds[`w.${s}`] = tensor(slots[j], [length])));
      const r = await compiled.run(feeds);
      slots = plan.slotNames.map(s => r[`w.${s}:new`].data as Float32Array);
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

/** Loads a train-step plan with its own weight and buffer arrays (zeros until setWeights/setBuffers). */
export function loadTrainStep(plan: StepPlan, opts: CompileOptions = {}): Promise<TrainStep> {
  return trainStepOn(plan, ownStore(plan), opts);
}
/** Loads a gradient-step plan with its own buffer arrays (BatchNorm statistics start at zero; use setBuffers). */
export function loadGradStep(plan: StepPlan, opts: CompileOptions = {}): Promise<GradStep> {
  return gradStepOn(plan, ownStore(plan), opts);
}
/** Loads a predictor plan with the given flat weights (namedParameters order) and buffers (namedBuffers order), both copied. */
export async function loadPredictor(plan: StepPlan, weights: Float32Array, buffers: Float32Array[] = [], opts: CompileOptions = {}): Promise<Predictor> {
  const store = ownStore(plan);
  unflatten(store.params, plan.params, weights);
  if (plan.buffers.length) setArrays(store.buffers, plan.buffers, buffers, 'buffers');
  return predictorOn(plan, store, opts);
}

/** Compiles forward, loss, backward and the optimizer update into one onnxruntime session, bound to the module's weights. */
export function compileTrainStep(model: Module, criterion: Loss, optimMethod: OptimMethod, opts: CompileOptions = {}): Promise<TrainStep> {
  return trainStepOn(planTrainStep(model, criterion, optimMethod), moduleStore(model), opts);
}
/** Compiles the eval-mode forward pass; `run` feeds the module's current weights. */
export function compilePredictor(model: Module, opts: CompileOptions = {}): Promise<Predictor> {
  return predictorOn(planPredictor(model), moduleStore(model), opts);
}
/**
 * Compiles forward, loss and backward (no update) for distributed training: `run` takes the flat
 * weights (views into it are fed, no copy) and returns the loss and the flat gradient (concatenated
 * inside the graph). Training-mode buffers (BatchNorm running statistics) are updated in the module.
 */
export function compileGradStep(model: Module, criterion: Loss, opts: CompileOptions = {}): Promise<GradStep> {
  return gradStepOn(planGradStep(model, criterion), moduleStore(model), opts);
}
/** Compiles an optimizer's update for one slice of `length` elements of the flat parameter vector. */
export function compileSliceUpdate(optimMethod: OptimMethod, length: number, opts: CompileOptions = {}): Promise<SliceUpdate> {
  return loadSliceUpdate(planSliceUpdate(optimMethod, length), opts);
}

/** The model's parameters as one flat vector in namedParameters() order (a copy). */
export function getModelWeights(model: Module): Float32Array {
  return flatten(model.parameters());
}

/** Sets the model's parameters from a flat vector in namedParameters() order (copied). */
export function setModelWeights(model: Module, w: Float32Array): void {
  const params = model.namedParameters();
  unflatten(params.map(([, p]) => p), params.map(([name, p]) => ({ name, shape: p.shape })), w);
}
