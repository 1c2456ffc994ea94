/** SGD with optional momentum, dampening, Nesterov momentum and L2 weight decay, with PyTorch's update rule. */
import * as F from '../../ops/api.ts';
import type { Tensor } from '../../ops/ir.ts';
import { OptimMethod, checkRange, type UpdateContext } from './optim-method.ts';
import { nnArg } from '../nn/errors.ts';

export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

export class SGD extends OptimMethod {
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  readonly slotNames: string[];

  constructor(opts: SGDOptions) {
    super(opts.lr);
    this.momentum = checkRange('SGD', 'momentum', opts.momentum ?? 0, 0, 1);
    this.dampening = checkRange('SGD', 'dampening', opts.dampening ?? 0, 0, 1);
    this.nesterov = opts.nesterov ?? false;
    this.weightDecay = checkRange('SGD', 'weightDecay', opts.weightDecay ?? 0, 0, Infinity);
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) throw nnArg('SGD: Nesterov momentum needs momentum > 0 and dampening 0');
    this.slotNames = this.momentum > 0 ? ['momentum_buffer'] : [];
  }

  update(w: Tensor, g: Tensor, slots: Tensor[], c: UpdateContext): { w: Tensor; slots: Tensor[] } {
    let d = this.weightDecay ? F.add(g, F.mul(w, this.weightDecay)) : g;
    if (this.momentum === 0) return { w: F.sub(w, F.mul(d, c.lr)), slots: [] };
    // PyTorch starts the buffer at the first gradient, undamped: buf = first ? d : m·buf + (1-damp)·d.
    // With no dampening the zero-initialised slot gives the same first value, so no select is needed.
    const next = F.add(F.mul(slots[0], this.momentum), this.dampening ? F.mul(d, 1 - this.dampening) : d);
    const buf = this.dampening ? F.where(F.equal(c.step, 1), d, next) : next;
    d = this.nesterov ? F.add(d, F.mul(buf, this.momentum)) : buf;
    return { w: F.sub(w, F.mul(d, c.lr)), slots: [buf] };
  }
}
