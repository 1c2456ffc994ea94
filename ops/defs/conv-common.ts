/** Shared pieces of the convolution and pooling operators: attribute checks, output sizes, and the weight-gradient construction. */
import { shapeError } from '../errors.ts';
import type { Tensor } from '../ir.ts';
import * as F from '../api.ts';

export interface ConvAttrs {
  strides: number[];
  pads: number[];
  dilations: number[];
  group: number;
}

/** Output spatial size of a convolution/pool window sweep (floor mode). */
export function outSize(op: string, inSize: number, k: number, s: number, d: number, p0: number, p1: number): number {
  const o = Math.floor((inSize + p0 + p1 - d * (k - 1) - 1) / s) + 1;
  if (!(o >= 1)) throw shapeError(op, `input size ${inSize} is too small for kernel ${k} (stride ${s}, dilation ${d}, padding ${p0}+${p1})`);
  return o;
}

export function spatial(op: string, x: Tensor): [number, number] {
  const [h, w] = x.shape.slice(2);
  if (x.rank !== 4 || typeof h !== 'number' || typeof w !== 'number') {
    throw shapeError(op, `expects an NCHW input with static H and W, got ${x}`);
  }
  return [h, w];
}

/**
 * dL/dW of y = conv(x, W): a convolution of the transposed input by the transposed output gradient
 * (batch becomes the channel axis; stride and dilation swap roles), cropped to the kernel size.
 * Groups are handled one group at a time.
 */
export function convWeightGrad(x: Tensor, gy: Tensor, a: ConvAttrs, kernel: [number, number]): Tensor {
  const cIn = x.shape[1] as number, cOut = gy.shape[1] as number;
  if (a.group > 1) {
    const cg = cIn / a.group, og = cOut / a.group;
    const parts: Tensor[] = [];
    for (let g = 0; g < a.group; g++) {
      const xg = F.slice(x, [g * cg], [(g + 1) * cg], [1]);
      const gg = F.slice(gy, [g * og], [(g + 1) * og], [1]);
      parts.push(convWeightGrad(xg, gg, { ...a, group: 1 }, kernel));
    }
    return F.concat(parts, 0);
  }
  const xt = F.transpose(x, [1, 0, 2, 3]);
  const gt = F.transpose(gy, [1, 0, 2, 3]);
  let r = F.conv2d(xt, gt, null, { strides: a.dilations, dilations: a.strides, pads: a.pads, group: 1 });
  const [kh, kw] = kernel;
  if (r.shape[2] !== kh || r.shape[3] !== kw) r = F.slice(r, [0, 0], [kh, kw], [2, 3]);
  return F.transpose(r, [1, 0, 2, 3]);
}
