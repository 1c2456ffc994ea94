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

export class Conv2d extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: number | [number, number],
    opts: Conv2dOptions = {},
  ) {
    super();
    this.kernelSize = pair(kernelSize, 1);
    this.stride = pair(opts.stride, 1);
    this.padding = pair(opts.padding, 0);
    this.dilation = pair(opts.dilation, 1);
    this.groups = opts.groups ?? 1;
    if (inChannels % this.groups || outChannels % this.groups) {
      throw nnArg(`Conv2d(${inChannels}, ${outChannels}): channels must be divisible by groups=${this.groups}`);
    }
    const [kh, kw] = this.kernelSize;
    const fanIn = (inChannels / this.groups) * kh * kw;
    this.weight = this.registerParameter('weight', new Parameter([outChannels, inChannels / this.groups, kh, kw], kaimingUniformDefault(outChannels * fanIn, fanIn)));
    this.bias = opts.bias === false ? null : this.registerParameter('bias', new Parameter([outChannels], kaimingUniformDefault(outChannels, fanIn)));
  }

  checkInput(shape: Shape): string | null {
    return shape.length !== 4 || shape[1] !== this.inChannels ? `Conv2d expects [N, ${this.inChannels}, H, W]` : null;
  }

  forward(x: Tensor, ctx: BuildContext): Tensor {
    const [ph, pw] = this.padding;
    return F.conv2d(x, ctx.param(this.weight), this.bias ? ctx.param(this.bias) : null, {
      strides: this.stride,
      pads: [ph, pw, ph, pw],
      dilations: this.dilation,
      group: this.groups,
    });
  }
}
