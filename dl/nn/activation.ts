/** Parameter-free activation layers: ReLU, LeakyReLU, Tanh, Sigmoid, GELU, Softmax, LogSoftmax, Identity. */
import * as F from '../../ops/api.ts';
import type { Tensor } from '../../ops/ir.ts';
import { Module, type BuildContext } from './module.ts';
import { nnArg } from './errors.ts';

export class ReLU extends Module {
  forward(x: Tensor, _ctx: BuildContext): Tensor {
    return F.relu(x);
  }
}
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }
  forward(x: Tensor, _ctx: BuildContext): Tensor {
    return F.leakyRelu(x, this.negativeSlope);
  }
}
export class Tanh extends Module {
  forward(x: Tensor, _ctx: BuildContext): Tensor {
    return F.tanh(x);
  }
}
export class Sigmoid extends Module {
  forward(x: Tensor, _ctx: BuildContext): Tensor {
    return F.sigmoid(x);
  }
}
/** GELU: the exact erf form (PyTorch's default) or, with approximate 'tanh', 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))). */
export class GELU extends Module {
  constructor(readonly approximate: 'none' | 'tanh' = 'none') {
    super();
    if (approximate !== 'none' && approximate !== 'tanh') throw nnArg(`GELU: approximate must be 'none' or 'tanh', got '${approximate}'`);
  }
  forward(x: Tensor, _ctx: BuildContext): Tensor {
    if (this.approximate === 'none') return F.gelu(x);
    const inner = F.mul(F.add(x, F.mul(F.mul(F.mul(x, x), x), 0.044715)), Math.sqrt(2 / Math.PI));
    return F.mul(F.mul(x, 0.5), F.add(F.tanh(inner), 1));
  }
}
export class Softmax extends Module {
  constructor(readonly dim = -1) {
    super();
  }
  forward(x: Tensor, _ctx: BuildContext): Tensor {
    return F.softmax(x, this.dim);
  }
}
export class LogSoftmax extends Module {
  constructor(readonly dim = -1) {
    super();
  }
  forward(x: Tensor, _ctx: BuildContext): Tensor {
    return F.logSoftmax(x, this.dim);
  }
}
export class Identity extends Module {
  forward(x: Tensor, _ctx: BuildContext): Tensor {
    return x;
  }
}
