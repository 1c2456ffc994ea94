/** nn.OnnxModule: an ONNX model made elsewhere (e.g. exported by PyTorch) imported as a trainable module — initializers become parameters, nodes become IR. */
import * as F from '../../ops/api.ts';
import type { Tensor } from '../../ops/ir.ts';
import { decodeModel, type OnnxModel, type OnnxNode, type OnnxTensor } from '../../ops/onnx/decode.ts';
import { Module, Parameter, Buffer, type BuildContext } from './module.ts';
import { NnUserError, NnNotImplementedError, NnErrorCode } from './errors.ts';

const FLOAT = 1, INT64 = 7;

/**
 * Imports an ONNX graph with one float input and one output. Float initializers are parameters
 * (state-dict keys = initializer names), except BatchNormalization's mean and variance, which are
 * buffers; integer initializers (shapes, axes) are constants. Supported operators: Conv, Gemm,
 * MatMul, Add, Sub, Mul, Div, Relu, LeakyRelu, Tanh, Sigmoid, Softmax, LogSoftmax, MaxPool,
 * AveragePool, GlobalAveragePool, Flatten, Reshape, Transpose, Concat, Squeeze, Unsqueeze,
 * BatchNormalization, Dropout, Identity, Constant. Anything else fails at construction, naming it.
 */
export class OnnxModule extends Module {
  private readonly model: OnnxModel;
  private readonly tensors = new Map<string, Parameter>();
  private readonly ints = new Map<string, number[]>();

  constructor(bytes: Uint8Array) {
    super();
    this.model = decodeModel(bytes);
    const m = this.model;
    if (m.inputs.length !== 1 || m.outputs.length !== 1) {
      throw new NnNotImplementedError(NnErrorCode.NOT_IMPLEMENTED, `OnnxModule imports graphs with one input and one output; this one has ${m.inputs.length} and ${m.outputs.length}`);
    }
    for (const n of m.nodes) {
      if (n.domain !== '' && n.domain !== 'ai.onnx') {
        throw new NnNotImplementedError(NnErrorCode.NOT_IMPLEMENTED, `ONNX node '${n.name}' uses domain '${n.domain}'; only the standard domain is imported`);
      }
      if (!(n.opType in LOWER)) {
        throw new NnNotImplementedError(NnErrorCode.NOT_IMPLEMENTED, `ONNX operator '${n.opType}' (node '${n.name}') is not supported by OnnxModule`);
      }
    }
    const statistics = new Set(m.nodes.filter(n => n.opType === 'BatchNormalization').flatMap(n => n.inputs.slice(3, 5)));
    for (const t of m.initializers) {
      if (t.dataType === FLOAT) {
        const p = statistics.has(t.name) ? new Buffer(t.dims, Float32Array.from(t.values)) : new Parameter(t.dims, Float32Array.from(t.values));
        this.tensors.set(t.name, p);
        if (p instanceof Buffer) this.registerBuffer(t.name, p);
        else this.registerParameter(t.name, p);
      } else if (t.dataType === INT64 || t.dataType === 6) {
        this.ints.set(t.name, t.values);
      } else {
        throw new NnNotImplementedError(NnErrorCode.NOT_IMPLEMENTED, `initializer '${t.name}' has ONNX data type ${t.dataType}; OnnxModule imports float and integer initializers`);
      }
    }
    const shape = m.inputs[0].shape;
    if (shape.slice(1).some(d => typeof d !== 'number')) {
      throw new NnUserError(NnErrorCode.NO_INPUT_SHAPE, `ONNX input '${m.inputs[0].name}' has symbolic dims besides the batch: [${shape}]`);
    }
    this.inputShape = shape.slice(1) as number[];
  }

  forward(x: Tensor, ctx: BuildContext): Tensor {
    const values = new Map<string, Tensor>([[this.model.inputs[0].name, x]]);
    for (const [name, p] of this.tensors) values.set(name, p instanceof Buffer ? ctx.buffer(p) : ctx.param(p));
    const env: Env = {
      get: name => {
        const v = values.get(name);
        if (!v) throw new NnUserError(NnErrorCode.BAD_ARGUMENT, `ONNX value '${name}' is used before it is computed`);
        return v;
      },
      ints: name => {
        const v = this.ints.get(name);
        if (!v) throw new NnNotImplementedError(NnErrorCode.NOT_IMPLEMENTED, `ONNX value '${name}' must be a constant integer initializer here`);
        return v;
      },
      graph: ctx,
    };
    for (const n of this.model.nodes) {
      if (n.opType === 'Constant') {
        const t = n.attrs.value as OnnxTensor;
        if (t.dataType === INT64 || t.dataType === 6) this.ints.set(n.outputs[0], t.values);
        else values.set(n.outputs[0], ctx.graph.constant(t.values, ctx.dtype, t.dims));
        continue;
      }
      values.set(n.outputs[0], LOWER[n.opType](n, env));
    }
    return env.get(this.model.outputs[0].name);
  }
}

interface Env {
  get(name: string): Tensor;
  ints(name: string): number[];
  graph: BuildContext;
}

const attr = <T>(n: OnnxNode, name: string, dflt: T): T => (n.attrs[name] as T | undefined) ?? dflt;
const unsupported = (n: OnnxNode, what: string): never => {
  throw new NnNotImplementedError(NnErrorCode.NOT_IMPLEMENTED, `ONNX ${n.opType} node '${n.name}': ${what} is not supported`);
};

const LOWER: Record<string, (n: OnnxNode, e: Env) => Tensor> = {
  Conv: (n, e) => {
    if (attr<string>(n, 'auto_pad', 'NOTSET') !== 'NOTSET') unsupported(n, 'auto_pad');
    return F.conv2d(e.get(n.inputs[0]), e.get(n.inputs[1]), n.inputs[2] ? e.get(n.inputs[2]) : null, {
      strides: attr(n, 'strides', [1, 1]),
      pads: attr(n, 'pads', [0, 0, 0, 0]),
      dilations: attr(n, 'dilations', [1, 1]),
      group: attr(n, 'group', 1),
    });
  },
  Gemm: (n, e) => {
    if (attr<number>(n, 'alpha', 1) !== 1 || attr<number>(n, 'beta', 1) !== 1) unsupported(n, 'alpha or beta other than 1');
    return F.gemm(e.get(n.inputs[0]), e.get(n.inputs[1]), n.inputs[2] ? e.get(n.inputs[2]) : null, {
      transA: attr<number>(n, 'transA', 0) === 1,
      transB: attr<number>(n, 'transB', 0) === 1,
    });
  },
  MatMul: (n, e) => F.matmul(e.get(n.inputs[0]), e.get(n.inputs[1])),
  Add: (n, e) => F.add(e.get(n.inputs[0]), e.get(n.inputs[1])),
  Sub: (n, e) => F.sub(e.get(n.inputs[0]), e.get(n.inputs[1])),
  Mul: (n, e) => F.mul(e.get(n.inputs[0]), e.get(n.inputs[1])),
  Div: (n, e) => F.div(e.get(n.inputs[0]), e.get(n.inputs[1])),
  Relu: (n, e) => F.relu(e.get(n.inputs[0])),
  LeakyRelu: (n, e) => F.leakyRelu(e.get(n.inputs[0]), attr(n, 'alpha', 0.01)),
  Tanh: (n, e) => F.tanh(e.get(n.inputs[0])),
  Sigmoid: (n, e) => F.sigmoid(e.get(n.inputs[0])),
  Softmax: (n, e) => F.softmax(e.get(n.inputs[0]), attr(n, 'axis', -1)),
  LogSoftmax: (n, e) => F.logSoftmax(e.get(n.inputs[0]), attr(n, 'axis', -1)),
  MaxPool: (n, e) => {
    if (attr<number>(n, 'ceil_mode', 0) !== 0) unsupported(n, 'ceil_mode');
    const kernel = attr<number[]>(n, 'kernel_shape', []);
    return F.maxPool2d(e.get(n.inputs[0]), { kernel, strides: attr(n, 'strides', [1, 1]), pads: attr(n, 'pads', [0, 0, 0, 0]), dilations: attr(n, 'dilations', [1, 1]) });
  },
  AveragePool: (n, e) => {
    const pads = attr(n, 'pads', [0, 0, 0, 0]);
    if (attr<number>(n, 'ceil_mode', 0) !== 0) unsupported(n, 'ceil_mode');
    if (attr<number>(n, 'count_include_pad', 0) !== 1 && pads.some(p => p !== 0)) unsupported(n, 'padding without count_include_pad');
    return F.avgPool2d(e.get(n.inputs[0]), { kernel: attr<number[]>(n, 'kernel_shape', []), strides: attr(n, 'strides', [1, 1]), pads });
  },
  GlobalAveragePool: (n, e) => F.reduceMean(e.get(n.inputs[0]), [2, 3], true),
  Flatten: (n, e) => F.flatten(e.get(n.inputs[0]), attr(n, 'axis', 1)),
  Reshape: (n, e) => F.reshape(e.get(n.inputs[0]), e.ints(n.inputs[1])),
  Transpose: (n, e) => F.transpose(e.get(n.inputs[0]), attr<number[]>(n, 'perm', [])),
  Concat: (n, e) => F.concat(n.inputs.map(i => e.get(i)), attr(n, 'axis', 0)),
  Squeeze: (n, e) => F.squeeze(e.get(n.inputs[0]), n.inputs[1] ? e.ints(n.inputs[1]) : attr<number[]>(n, 'axes', [])),
  Unsqueeze: (n, e) => F.unsqueeze(e.get(n.inputs[0]), n.inputs[1] ? e.ints(n.inputs[1]) : attr<number[]>(n, 'axes', [])),
  BatchNormalization: (n, e) => {
    const [x, scale, bias, mean, variance] = n.inputs.map(i => e.get(i));
    const shape = [1, -1, ...x.shape.slice(2).map(() => 1)];
    const b = (t: Tensor) => F.reshape(t, shape);
    const y = F.div(F.sub(x, b(mean)), F.sqrt(F.add(b(variance), attr(n, 'epsilon', 1e-5))));
    return F.add(F.mul(y, b(scale)), b(bias));
  },
  Dropout: (n, e) => e.get(n.inputs[0]),
  Identity: (n, e) => e.get(n.inputs[0]),
  Constant: () => {
    throw new Error('Constant nodes are handled before lowering');
  },
};
