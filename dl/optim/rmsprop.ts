/** RMSprop with smoothing constant alpha, optional momentum, centered variant and L2 weight decay, as PyTorch. */
import * as F from '../../ops/api.ts';
import type { Tensor } from '../../ops/ir.ts';
import { OptimMethod, checkRange, type UpdateContext } from './optim-method.ts';

export interface RMSpropOptions {
  lr?: number;
  alpha?: number;
  eps?: number;
  weightDecay?: number;
  momentum?: number;
  centered?: boolean;
}

export class RMSprop extends OptimMethod {
  readonly alpha: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly momentum: number;
  readonly centered: boolean;
  readonly slotNames: string[];

  constructor(opts: RMSpropOptions = {}) {
    super(opts.lr ?? 1e-2);
    this.alpha = checkRange('RMSprop', 'alpha', opts.alpha ?? 0.99, 0, 1);
    this.eps = checkRange('RMSprop', 'eps', opts.eps ?? 1e-8, 0, Infinity);
    this.weightDecay = checkRange('RMSprop', 'weightDecay', opts.weightDecay ?? 0, 0, Infinity);
    this.momentum = checkRange('RMSprop', 'momentum', opts.momentum ?? 0, 0, 1);
    this.centered = opts.centered ?? false;
    this.slotNames = ['square_avg', ...(this.momentum > 0 ? ['momentum_buffer'] : []), ...(this.centered ? ['grad_avg'] : [])];
  }

  update(w: Tensor, g: Tensor, slots: Tensor[], c: UpdateContext): { w: Tensor; slots: Tensor[] } {
    if (this.weightDecay) g = F.add(g, F.mul(w, this.weightDecay));
    const a = this.alpha;
    const sq = F.add(F.mul(slots[0], a), F.mul(F.mul(g, g), 1 - a));
    const out: Tensor[] = [sq];
    let gAvg: Tensor | null = null;
    if (this.centered) {
      gAvg = F.add(F.mul(slots[slots.length - 1], a), F.mul(g, 1 - a));
    }
    const avg = gAvg ? F.add(F.sqrt(F.sub(sq, F.mul(gAvg, gAvg))), this.eps) : F.add(F.sqrt(sq), this.eps);
    let newW: Tensor;
    if (this.momentum > 0) {
      const buf = F.add(F.mul(slots[1], this.momentum), F.div(g, avg));
      out.push(buf);
      newW = F.sub(w, F.mul(buf, c.lr));
    } else {
      newW = F.sub(w, F.mul(F.div(g, avg), c.lr));
    }
    if (gAvg) out.push(gAvg);
    return { w: newW, slots: out };
  }
}
