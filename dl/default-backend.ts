/** The default compute backend: dl/compile.ts (the step compiled to one ONNX graph, run by onnxruntime-node). */
import { compilePredictor, compileTrainStep, getModelWeights, setModelWeights } from './compile.ts';
import { exportOnnx } from './onnx-export.ts';
import { Module, Sequential, resolveInputShape } from './nn/module.ts';
import { Conv2d } from './nn/conv.ts';
import { Loss as NnLoss } from './nn/loss.ts';
import { OptimMethod } from './optim/optim-method.ts';
import { DlUserError } from './errors.ts';
import type { DlBackend } from './backend.ts';

/** The model, checked at run time too (JavaScript callers have no type checker). */
function module(m: Module): Module {
  if (!(m instanceof Module)) throw new DlUserError('DL_BAD_ARGUMENT', `model must be an nn.Module (e.g. new nn.Sequential(...)), got ${m === null ? 'null' : typeof m}`);
  return m;
}

/** dl/compile.ts as a DlBackend over nn modules, nn losses and optim methods; checks them at run time as well. */
export const compiledBackend: DlBackend<Module, NnLoss, OptimMethod> = {
  async compileTrainStep(model, criterion, optimMethod, opts) {
    if (!(criterion instanceof NnLoss)) throw new DlUserError('DL_BAD_ARGUMENT', 'criterion must be an nn loss (e.g. new nn.CrossEntropyLoss())');
    if (!(optimMethod instanceof OptimMethod)) throw new DlUserError('DL_BAD_ARGUMENT', 'optimMethod must be an optim method (e.g. new optim.SGD({ lr: 0.05, momentum: 0.9 }))');
    return compileTrainStep(module(model), criterion, optimMethod, opts);
  },
  compilePredictor: (model, opts) => compilePredictor(module(model), opts),
  exportOnnx: (model) => exportOnnx(module(model)),
  setModelWeights: (model, w) => setModelWeights(module(model), w),
  getModelWeights: (model) => getModelWeights(module(model)),
  baseLearningRate: (optimMethod) => optimMethod.lr,
  ensureInputShape(model, featureLength) {
    const m = module(model);
    let shape: number[] | undefined;
    try {
      shape = resolveInputShape(m);
    } catch {
      shape = impliedConvShape(m, featureLength);
      if (shape === undefined) {
        throw new DlUserError('DL_BAD_ARGUMENT',
          `the model's input shape is unknown and cannot be inferred from samples of ${featureLength} features; set model.inputShape (one sample, without the batch dim), e.g. [1, 28, 28]`);
      }
      m.inputShape = shape;
    }
    const size = shape.reduce((a, b) => a * b, 1);
    if (size !== featureLength) {
      throw new DlUserError('DL_BAD_SAMPLE',
        `samples have ${featureLength} features but the model takes inputs of shape [${shape.join(', ')}] (${size} values); reshape the data or fix model.inputShape`);
    }
  },
  getModelBuffers: (model) => module(model).namedBuffers().map(([, b]) => b.data.slice()),
  setModelBuffers: (model, bufs) => {
    const named = module(model).namedBuffers();
    if (bufs.length !== named.length) throw new DlUserError('DL_BAD_CHECKPOINT', `checkpoint holds ${bufs.length} buffers; the model has ${named.length}`);
    named.forEach(([name, b], i) => {
      if (bufs[i].length !== b.data.length) throw new DlUserError('DL_BAD_CHECKPOINT', `checkpoint buffer ${name} has ${bufs[i].length} values; the model's has ${b.data.length}`);
      b.data = bufs[i].slice();
    });
  },
};

/** A Sequential starting with Conv2d(c, ...) on samples of c * s * s features takes [c, s, s] (square images). */
function impliedConvShape(m: Module, featureLength: number): number[] | undefined {
  const first = m instanceof Sequential ? m.layers[0]?.[1] : undefined;
  if (!(first instanceof Conv2d)) return undefined;
  const c = first.inChannels;
  const side = Math.round(Math.sqrt(featureLength / c));
  return c * side * side === featureLength ? [c, side, side] : undefined;
}

/** The backend the Optimizer uses when none is given. */
export async function defaultBackend(): Promise<DlBackend> {
  return compiledBackend;
}
