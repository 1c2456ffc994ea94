/** Normalisation layers: BatchNorm1d/BatchNorm2d (batch statistics and running-average update in training, running statistics in eval) and LayerNorm. */
import * as F from '../../ops/api.ts';
import type { Shape, Tensor } from '../../ops/ir.ts';
import { Module, Parameter, Buffer, type BuildContext } from './module.ts';
import { nnArg } from './errors.ts';

abstract class BatchNormBase extends Module {
  readonly weight: Parameter | null;
  readonly bias: Parameter | null;
  readonly runningMean: Buffer;
  readonly runningVar: Buffer;

  constructor(
    readonly numFeatures: number,
    readonly eps = 1e-5,
    readonly momentum = 0.1,
    affine = true,
  ) {
    super();
    if (!(numFeatures > 0)) throw nnArg(`BatchNorm(${numFeatures}): numFeatures must be positive`);
    this.weight = affine ? this.registerParameter('weight', new Parameter([numFeatures], new Float32Array(numFeatures).fill(1))) : null;
    this.bias = affine ? this.registerParameter('bias', new Parameter([numFeatures], new Float32Array(numFeatures))) : null;
    this.runningMean = this.registerBuffer('running_mean', new Buffer([numFeatures], new Float32Array(numFeatures)));
    this.runningVar = this.registerBuffer('running_var', new Buffer([numFeatures], new Float32Array(numFeatures).fill(1)));
  }

  protected abstract expectedRank(rank: number): boolean;
  /** The input layout named in shape errors. */
  protected abstract readonly layout: string;

  checkInput(shape: Shape): string | null {
    return !this.expectedRank(shape.length) || shape[1] !== this.numFeatures
      ? `${this.constructor.name} expects ${this.layout} with C = ${this.numFeatures}`
      : null;
  }

  forward(x: Tensor, ctx: BuildContext): Tensor {
    const c = this.numFeatures;
    const bshape = [1, c, ...x.shape.slice(2).map(() => 1)];
    const axes = x.shape.map((_, i) => i).filter(i => i !== 1);
    const asBroadcast = (t: Tensor) => F.reshape(t, bshape);
    let centered: Tensor, variance: Tensor;
    if (ctx.training && this.training) {
      const mean = F.reduceMean(x, axes, true);
      centered = F.sub(x, mean);
      variance = F.reduceMean(F.mul(centered, centered), axes, true);
      // Running statistics use the unbiased variance, as PyTorch does; n is resolved at run time.
      const n = F.div(F.sizeOf(x, x.dtype), c);
      const unbiased = F.mul(variance, F.div(n, F.sub(n, 1)));
      const m = this.momentum;
      const upd = (buf: Buffer, batch: Tensor) =>
        ctx.updateBuffer(buf, F.add(F.mul(ctx.buffer(buf), 1 - m), F.mul(F.stopGradient(F.reshape(batch, [c])), m)));
      upd(this.runningMean, mean);
      upd(this.runningVar, unbiased);
    } else {
      centered = F.sub(x, asBroadcast(ctx.buffer(this.runningMean)));
      variance = asBroadcast(ctx.buffer(this.runningVar));
    }
    let y = F.div(centered, F.sqrt(F.add(variance, this.eps)));
    if (this.weight) y = F.mul(y, asBroadcast(ctx.param(this.weight)));
    if (this.bias) y = F.add(y, asBroadcast(ctx.param(this.bias)));
    return y;
  }
}

/** Batch normalisation over [N, C] or [N, C, L] input. */
export class BatchNorm1d extends BatchNormBase {
  protected readonly layout = '[N, C] or [N, C, L]';
  protected expectedRank(rank: number): boolean {
    return rank === 2 || rank === 3;
  }
}

/** Batch normalisation over [N, C, H, W] input. */
export class BatchNorm2d extends BatchNormBase {
  protected readonly layout = '[N, C, H, W]';
  protected expectedRank(rank: number): boolean {
    return rank === 4;
  }
}

/** Layer normalisation over the trailing `normalizedShape` dims with elementwise affine parameters. */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly weight: Parameter | null;
  readonly bias: Parameter | null;

  constructor(normalizedShape: number | number[], readonly eps = 1e-5, elementwiseAffine = true) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
    const n = this.normalizedShape.reduce((a, b) => a * b, 1);
    this.weight = elementwiseAffine ? this.registerParameter('weight', new Parameter(this.normalizedShape, new Float32Array(n).fill(1))) : null;
    this.bias = elementwiseAffine ? this.registerParameter('bias', new Parameter(this.normalizedShape, new Float32Array(n))) : null;
  }

  checkInput(shape: Shape): string | null {
    const tail = shape.slice(shape.length - this.normalizedShape.length);
    return tail.length !== this.normalizedShape.length || tail.some((d, i) => d !== this.normalizedShape[i])
      ? `LayerNorm expects trailing dims [${this.normalizedShape}]`
      : null;
  }

  forward(x: Tensor, ctx: BuildContext): Tensor {
    const k = this.normalizedShape.length;
    const axes = Array.from({ length: k }, (_, i) => x.rank - k + i);
    const mean = F.reduceMean(x, axes, true);
    const d = F.sub(x, mean);
    const variance = F.reduceMean(F.mul(d, d), axes, true);
    let y = F.div(d, F.sqrt(F.add(variance, this.eps)));
    if (this.weight) y = F.mul(y, ctx.param(this.weight));
    if (this.bias) y = F.add(y, ctx.param(this.bias));
    return y;
  }
}
