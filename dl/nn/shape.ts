/** Shape layers: nn.Flatten (dims from startDim on into one) and nn.Reshape (per-sample shape, batch kept). */
import * as F from '../../ops/api.ts';
import type { Tensor } from '../../ops/ir.ts';
import { Module, type BuildContext } from './module.ts';
import { nnArg } from './errors.ts';

export class Flatten extends Module {
  constructor(readonly startDim = 1) {
    super();
  }
  forward(x: Tensor, _ctx: BuildContext): Tensor {
    if (this.startDim === 1 || x.rank <= 2) return F.flatten(x, this.startDim);
    return F.reshape(x, [...x.shape.slice(0, this.startDim).map(() => 0), -1]);
  }
}

/** Reshapes each sample to `shape` (may hold one -1); the batch dim is kept. */
export class Reshape extends Module {
  constructor(readonly shape: number[]) {
    super();
    if (shape.filter(d => d === -1).length > 1 || shape.some(d => d === 0 || d < -1)) {
      throw nnArg(`Reshape([${shape}]): dims must be positive with at most one -1`);
    }
  }
  forward(x: Tensor, _ctx: BuildContext): Tensor {
    return F.reshape(x, [0, ...this.shape]);
  }
}
