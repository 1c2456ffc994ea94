/** Parameter-free activation layers: ReLU, LeakyReLU, Tanh, Sigmoid, GELU, Softmax, LogSoftmax, Identity. */
import * as F from '../../ops/api.ts';
import type { Tensor } from '../../ops/ir.ts';
import { Module, type BuildContext } from './module.ts';

export class ReLU extends Module {
  readonly monotonicElementwise = true;
  forward(x: Tensor, _ctx: BuildContext): Tensor {
    return F.relu(x);
  }
}
export class LeakyReLU extends Module {
  readonly monotonicElementwise: boolean;
  constructor(readonly negativeSlope = 0.01) {
    super();
    this.monotonicElementwise = negativeSlope >= 0;
  }
  forward(x: Tensor, _ctx: BuildContext): Tensor {
    return F.leakyRelu(x, this.negativeSlope);
  }
}
export class Tanh extends Module {
  readonly monotonicElementwise = true;
  forward(x: Tensor, _ctx: BuildContext): Tensor {
    return F.tanh(x);
  }
}
export class Sigmoid extends Module {
  readonly monotonicElementwise = true;
  forward(x: Tensor, _ctx: BuildContext): Tensor {
    return F.sigmoid(x);
  }
}
/** GELU, exact (erf) form as PyTorch's default. */
export class GELU extends Module {
  forward(x: Tensor, _ctx: BuildContext): Tensor {
    return F.gelu(x);
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
