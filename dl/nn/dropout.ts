/**
 * nn.Dropout: zeroes elements with probability p and rescales by 1/(1-p) in training mode; identity
 * in eval mode. Masks come from a counter-based generator keyed by the step (see DropoutMask), so
 * training with dropout is reproducible and resumes exactly from a checkpoint.
 */
import * as F from '../../ops/api.ts';
import type { Tensor } from '../../ops/ir.ts';
import { Module, type BuildContext } from './module.ts';
import { nnArg } from './errors.ts';

export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (!(p >= 0 && p < 1)) throw nnArg(`Dropout(p=${p}): p must be in [0, 1)`);
  }
  forward(x: Tensor, ctx: BuildContext): Tensor {
    if (!(ctx.training && this.training) || this.p === 0) return x;
    return F.dropoutCounter(x, this.p, ctx.randomCounter(), ctx.nextSeed());
  }
}
