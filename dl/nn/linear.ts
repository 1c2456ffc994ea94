/** nn.Linear: y = x·Wᵀ + b over the last dim, W [out, in] initialised as PyTorch does. */
import * as F from '../../ops/api.ts';
import type { Shape, Tensor } from '../../ops/ir.ts';
import { Module, Parameter, type BuildContext } from './module.ts';
import { kaimingUniformDefault } from './init.ts';
import { nnArg } from './errors.ts';

export class Linear extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    bias = true,
  ) {
    super();
    if (!(inFeatures > 0 && outFeatures > 0)) throw nnArg(`Linear(${inFeatures}, ${outFeatures}): feature counts must be positive`);
    this.weight = this.registerParameter('weight', new Parameter([outFeatures, inFeatures], kaimingUniformDefault(outFeatures * inFeatures, inFeatures)));
    this.bias = bias ? this.registerParameter('bias', new Parameter([outFeatures], kaimingUniformDefault(outFeatures, inFeatures))) : null;
  }

  checkInput(shape: Shape): string | null {
    const last = shape[shape.length - 1];
    return shape.length < 2 || last !== this.inFeatures ? `Linear expects [*, ${this.inFeatures}]` : null;
  }

  forward(x: Tensor, ctx: BuildContext): Tensor {
    const w = ctx.param(this.weight);
    const b = this.bias ? ctx.param(this.bias) : null;
    if (x.rank === 2) return F.gemm(x, w, b, { transB: true });
    const y = F.matmul(x, F.transpose(w, [1, 0]));
    return b ? F.add(y, b) : y;
  }
}
