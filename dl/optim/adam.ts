/** Adam (L2 weight decay in the gradient) and AdamW (decoupled weight decay), with PyTorch's bias-corrected update. */
import * as F from '../../ops/api.ts';
import type { Tensor } from '../../ops/ir.ts';
import { OptimMethod, checkRange, type UpdateContext } from './optim-method.ts';

export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
}

export class Adam extends OptimMethod {
  readonly betas: [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  readonly slotNames = ['exp_avg', 'exp_avg_sq'];
  protected readonly decoupled: boolean = false;

  constructor(opts: AdamOptions = {}) {
    super(opts.lr ?? 1e-3);
    const [b1, b2] = opts.betas ?? [0.9, 0.999];
    this.betas = [checkRange(new.target.name, 'beta1', b1, 0, 1), checkRange(new.target.name, 'beta2', b2, 0, 1)];
    this.eps = checkRange(new.target.name, 'eps', opts.eps ?? 1e-8, 0, Infinity);
    this.weightDecay = checkRange(new.target.name, 'weightDecay', opts.weightDecay ?? this.defaultWeightDecay(), 0, Infinity);
  }

  protected defaultWeightDecay(): number {
    return 0;
  }

  update(w: Tensor, g: Tensor, [m, v]: Tensor[], c: UpdateContext): { w: Tensor; slots: Tensor[] } {
    const [b1, b2] = this.betas;
    if (this.weightDecay) {
      if (this.decoupled) w = F.mul(w, F.sub(1, F.mul(c.lr, this.weightDecay)));
      else g = F.add(g, F.mul(w, this.weightDecay));
    }
    const m2 = F.add(F.mul(m, b1), F.mul(g, 1 - b1));
    const v2 = F.add(F.mul(v, b2), F.mul(F.mul(g, g), 1 - b2));
    const bc1 = F.sub(1, F.pow(b1, c.step));
    const bc2 = F.sub(1, F.pow(b2, c.step));
    const denom = F.add(F.div(F.sqrt(v2), F.sqrt(bc2)), this.eps);
    const stepSize = F.div(c.lr, bc1);
    return { w: F.sub(w, F.mul(F.div(m2, denom), stepSize)), slots: [m2, v2] };
  }
}

/** Adam with decoupled weight decay (default 0.01, as PyTorch). */
export class AdamW extends Adam {
  protected override readonly decoupled: boolean = true;
  protected override defaultWeightDecay(): number {
    return 0.01;
  }
}
