/** Shared pieces of the convolution and pooling operators: attribute checks, output sizes, and the weight-gradient construction. */
import { shapeError } from '../errors.ts';
import type { Tensor } from '../ir.ts';
import type { Lowering } from '../registry.ts';
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

export interface Im2colGeometry {
  kernel: [number, number];
  strides: number[];
  dilations: number[];
  /** [top, left, bottom, right]; may be negative (crops). */
  pads: number[];
  group: number;
  outChannels: number;
  outSize: [number, number];
}

/**
 * Lowers a convolution to Pad, strided Slices, Concat and one batched MatMul (im2col). Used for
 * float64 graphs, for which onnxruntime's CPU provider has no Conv/ConvTranspose/AveragePool kernel.
 */
export function lowerConvIm2col(L: Lowering, x: string, w: string, b: string | null, y: string, g: Im2colGeometry): void {
  const [kh, kw] = g.kernel;
  const [oh, ow] = g.outSize;
  let xp = x;
  if (g.pads.some(p => p !== 0)) {
    xp = L.tmp();
    const [t, l, bo, r] = g.pads;
    L.emit('Pad', [x, L.int64s([0, 0, t, l, 0, 0, bo, r])], [xp], { mode: { s: 'constant' } });
  }
  const cols: string[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const s0 = i * g.dilations[0], s1 = j * g.dilations[1];
      const sl = L.tmp(), un = L.tmp();
      L.emit('Slice', [xp, L.int64s([s0, s1]), L.int64s([s0 + g.strides[0] * (oh - 1) + 1, s1 + g.strides[1] * (ow - 1) + 1]), L.int64s([2, 3]), L.int64s(g.strides)], [sl]);
      L.emit('Unsqueeze', [sl, L.int64s([2])], [un]);
      cols.push(un);
    }
  }
  const cat = L.tmp(), colm = L.tmp(), wr = L.tmp(), mm = L.tmp();
  L.emit('Concat', cols, [cat], { axis: { i: 2 } });
  L.emit('Reshape', [cat, L.int64s([0, g.group, -1, oh * ow])], [colm]);
  L.emit('Reshape', [w, L.int64s([g.group, g.outChannels / g.group, -1])], [wr]);
  L.emit('MatMul', [wr, colm], [mm]);
  if (!b) {
    L.emit('Reshape', [mm, L.int64s([0, g.outChannels, oh, ow])], [y]);
    return;
  }
  const r = L.tmp(), br = L.tmp();
  L.emit('Reshape', [mm, L.int64s([0, g.outChannels, oh, ow])], [r]);
  L.emit('Reshape', [b, L.int64s([1, g.outChannels, 1, 1])], [br]);
  L.emit('Add', [r, br], [y]);
}
