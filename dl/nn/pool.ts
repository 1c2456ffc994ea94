/** nn.MaxPool2d and nn.AvgPool2d (floor mode; AvgPool counts padding, as PyTorch's default). */
import * as F from '../../ops/api.ts';
import type { Shape, Tensor } from '../../ops/ir.ts';
import { Module, type BuildContext } from './module.ts';
import { pair } from './conv.ts';

export class MaxPool2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  constructor(kernelSize: number | [number, number], stride?: number | [number, number], padding: number | [number, number] = 0, dilation: number | [number, number] = 1) {
    super();
    this.kernelSize = pair(kernelSize, 1);
    this.stride = stride === undefined ? this.kernelSize : pair(stride, 1);
    this.padding = pair(padding, 0);
    this.dilation = pair(dilation, 1);
  }
  checkInput(shape: Shape): string | null {
    return shape.length !== 4 ? 'MaxPool2d expects [N, C, H, W]' : null;
  }
  forward(x: Tensor, _ctx: BuildContext): Tensor {
    const [ph, pw] = this.padding;
    return F.maxPool2d(x, { kernel: this.kernelSize, strides: this.stride, pads: [ph, pw, ph, pw], dilations: this.dilation });
  }
}

export class AvgPool2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  constructor(kernelSize: number | [number, number], stride?: number | [number, number], padding: number | [number, number] = 0) {
    super();
    this.kernelSize = pair(kernelSize, 1);
    this.stride = stride === undefined ? this.kernelSize : pair(stride, 1);
    this.padding = pair(padding, 0);
  }
  checkInput(shape: Shape): string | null {
    return shape.length !== 4 ? 'AvgPool2d expects [N, C, H, W]' : null;
  }
  forward(x: Tensor, _ctx: BuildContext): Tensor {
    const [ph, pw] = this.padding;
    return F.avgPool2d(x, { kernel: this.kernelSize, strides: this.stride, pads: [ph, pw, ph, pw] });
  }
}
