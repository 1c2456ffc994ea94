/** Adagrad with learning-rate decay, initial accumulator and L2 weight decay, as PyTorch. */
import * as F from '../../ops/api.ts';
import type { Tensor } from '../../ops/ir.ts';
import { OptimMethod, checkRange, type UpdateContext } from './optim-method.ts';

export interface AdagradOptions {
  lr?: number;
  lrDecay?: number;
  weightDecay?: number;
  initialAccumulatorValue?: number;
  eps?: number;
}

export class Adagrad extends OptimMethod {
  readonly lrDecay: number;
  readonly weightDecay: number;
  readonly initialAccumulatorValue: number;
  readonly eps: number;
  readonly slotNames = ['sum'];

  constructor(opts: AdagradOptions = {}) {
    super(opts.lr ?? 1e-2);
    this.lrDecay = checkRange('Adagrad', 'lrDecay', opts.lrDecay ?? 0, 0, Infinity);
    this.weightDecay = checkRange('Adagrad', 'weightDecay', opts.weightDecay ?? 0, 0, Infinity);
    this.initialAccumulatorValue = checkRange('Adagrad', 'initialAccumulatorValue', opts.initialAccumulatorValue ?? 0, 0, Infinity);
    this.eps = checkRange('Adagrad', 'eps', opts.eps ?? 1e-10, 0, Infinity);
  }

  update(w: Tensor, g: Tensor, [sum]: Tensor[], c: UpdateContext): { w: Tensor; slots: Tensor[] } {
    if (this.weightDecay) g = F.add(g, F.mul(w, this.weightDecay));
    // The accumulator slot starts at zero; the initial value is added here so state stays zero-initialised.
    const s2 = F.add(sum, F.mul(g, g));
    const acc = this.initialAccumulatorValue ? F.add(s2, this.initialAccumulatorValue) : s2;
    const clr = F.div(c.lr, F.add(F.mul(F.sub(c.step, 1), this.lrDecay), 1));
    return { w: F.sub(w, F.mul(F.div(g, F.add(F.sqrt(acc), this.eps)), clr)), slots: [s2] };
  }
}
