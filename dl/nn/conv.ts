/** nn.Conv2d: 2-D convolution over NCHW input with stride, padding, dilation and groups, initialised as PyTorch does. */
import * as F from '../../ops/api.ts';
import type { Shape, Tensor } from '../../ops/ir.ts';
import { Module, Parameter, type BuildContext } from './module.ts';
import { kaimingUniformDefault } from './init.ts';
import { nnArg } from './errors.ts';

export interface Conv2dOptions {
  stride?: number | [number, number];
  padding?: number | [number, number];
  dilation?: number | [number, number];
  groups?: number;
  bias?: boolean;
}

export const pair = (v: number | [number, number] | undefined, d: number): [number, number] =>
  v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : v;

/** What Conv2d and ConvTranspose2d share: kernel geometry, the groups check and the [N, C, H, W] input check. */
abstract class Conv2dBase extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: number | [number, number],
    opts: Conv2dOptions,
  ) {
    super();
    this.kernelSize = pair(kernelSize, 1);
    this.stride = pair(opts.stride, 1);
    this.padding = pair(opts.padding, 0);
    this.dilation = pair(opts.dilation, 1);
    this.groups = opts.groups ?? 1;
    if (inChannels % this.groups || outChannels % this.groups) {
      throw nnArg(`${new.target.name}(${inChannels}, ${outChannels}): channels must be divisible by groups=${this.groups}`);
    }
  }

  checkInput(shape: Shape): string | null {
    return shape.length !== 4 || shape[1] !== this.inChannels ? `${this.constructor.name} expects [N, ${this.inChannels}, H, W]` : null;
  }

  /** ONNX pads (begin and end of H and W) of the symmetric padding. */
  protected get pads(): [number, number, number, number] {
    const [ph, pw] = this.padding;
    return [ph, pw, ph, pw];
  }
}

export class Conv2d extends Conv2dBase {
  readonly weight: Parameter;
  readonly bias: Parameter | null;

  constructor(inChannels: number, outChannels: number, kernelSize: number | [number, number], opts: Conv2dOptions = {}) {
    super(inChannels, outChannels, kernelSize, opts);
    const [kh, kw] = this.kernelSize;
    const fanIn = (inChannels / this.groups) * kh * kw;
    this.weight = this.registerParameter('weight', new Parameter([outChannels, inChannels / this.groups, kh, kw], kaimingUniformDefault(outChannels * fanIn, fanIn)));
    this.bias = opts.bias === false ? null : this.registerParameter('bias', new Parameter([outChannels], kaimingUniformDefault(outChannels, fanIn)));
  }

  forward(x: Tensor, ctx: BuildContext): Tensor {
    return F.conv2d(x, ctx.param(this.weight), this.bias ? ctx.param(this.bias) : null, {
      strides: this.stride,
      pads: this.pads,
      dilations: this.dilation,
      group: this.groups,
    });
  }
}

export interface ConvTranspose2dOptions extends Conv2dOptions {
  outputPadding?: number | [number, number];
}

/** nn.ConvTranspose2d: the transposed convolution (weight [in, out/groups, kh, kw] as PyTorch), output (H-1)·s - 2p + d·(k-1) + outputPadding + 1. */
export class ConvTranspose2d extends Conv2dBase {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly outputPadding: [number, number];

  constructor(inChannels: number, outChannels: number, kernelSize: number | [number, number], opts: ConvTranspose2dOptions = {}) {
    super(inChannels, outChannels, kernelSize, opts);
    this.outputPadding = pair(opts.outputPadding, 0);
    if ([0, 1].some(i => this.outputPadding[i] >= Math.max(this.stride[i], this.dilation[i]))) {
      throw nnArg(`ConvTranspose2d: outputPadding [${this.outputPadding}] must be smaller than stride or dilation`);
    }
    const [kh, kw] = this.kernelSize;
    // PyTorch computes fan-in from weight dim 1: out/groups · kh · kw.
    const fanIn = (outChannels / this.groups) * kh * kw;
    this.weight = this.registerParameter('weight', new Parameter([inChannels, outChannels / this.groups, kh, kw], kaimingUniformDefault(inChannels * fanIn, fanIn)));
    this.bias = opts.bias === false ? null : this.registerParameter('bias', new Parameter([outChannels], kaimingUniformDefault(outChannels, fanIn)));
  }

  forward(x: Tensor, ctx: BuildContext): Tensor {
    const out = [0, 1].map(i => ((x.shape[2 + i] as number) - 1) * this.stride[i] - 2 * this.padding[i] + this.dilation[i] * (this.kernelSize[i] - 1) + this.outputPadding[i] + 1);
    const y = F.convTranspose2d(x, ctx.param(this.weight), out, { strides: this.stride, pads: this.pads, dilations: this.dilation, group: this.groups });
    return this.bias ? F.add(y, F.reshape(ctx.param(this.bias), [1, this.outChannels, 1, 1])) : y;
  }
}
