/** ConvTranspose: the adjoint of Conv with the same weight, producing a given spatial size; gradients are a Conv (input) and the conv weight gradient. */
import { registerOp } from '../registry.ts';
import { shapeError } from '../errors.ts';
import { spatial, convWeightGrad, lowerConvIm2col, type ConvAttrs } from './conv-common.ts';
import type { Lowering } from '../registry.ts';
import * as F from '../api.ts';

registerOp({
  name: 'ConvTranspose',
  shape: ([g, w], attrs) => {
    spatial('ConvTranspose', g);
    const a = attrs as unknown as ConvAttrs & { outputSize: number[] };
    if (w.rank !== 4 || g.shape[1] !== w.shape[0]) throw shapeError('ConvTranspose', `weight ${w} does not fit input ${g}`);
    for (let i = 0; i < 2; i++) {
      const k = w.shape[2 + i] as number;
      const full = a.strides[i] * ((g.shape[2 + i] as number) - 1) + (k - 1) * a.dilations[i] + 1 - a.pads[i] - a.pads[i + 2];
      const extra = a.outputSize[i] - full;
      if (extra < 0 || extra >= Math.max(a.strides[i], a.dilations[i])) {
        throw shapeError('ConvTranspose', `output size ${a.outputSize[i]} on axis ${i + 2} is unreachable from ${g} (possible: ${full}..${full + Math.max(a.strides[i], a.dilations[i]) - 1})`);
      }
    }
    return [{ dtype: g.dtype, shape: [g.shape[0], (w.shape[1] as number) * a.group, ...a.outputSize] }];
  },
  lower: (n, ins, outs, L) => {
    const a = n.attrs as unknown as ConvAttrs & { outputSize: number[] };
    const [g, w] = n.inputs;
    const [kh, kw] = (w.shape as number[]).slice(2);
    const full = (i: number, k: number) =>
      a.strides[i] * ((g.shape[2 + i] as number) - 1) + (k - 1) * a.dilations[i] + 1 - a.pads[i] - a.pads[i + 2];
    const outPad = [a.outputSize[0] - full(0, kh), a.outputSize[1] - full(1, kw)];
    if (g.dtype === 'float64') {
      lowerConvTransposeIm2col(L, ins, outs[0], a, [kh, kw, n.inputs[1].shape[1] as number], [g.shape[1] as number, g.shape[2] as number, g.shape[3] as number], outPad);
      return;
    }
    L.emit('ConvTranspose', ins, outs, {
      strides: { ints: a.strides },
      pads: { ints: a.pads },
      dilations: { ints: a.dilations },
      group: { i: a.group },
      kernel_shape: { ints: [kh, kw] },
      output_padding: { ints: outPad },
    });
  },
  grad: (n, [dy]) => {
    if (!dy) return [null, null];
    const [g, w] = n.inputs;
    const a = n.attrs as unknown as ConvAttrs;
    const [kh, kw] = (w.shape as number[]).slice(2);
    const conv = { strides: a.strides, pads: a.pads, dilations: a.dilations, group: a.group };
    return [F.conv2d(dy, w, null, conv), convWeightGrad(dy, g, conv, [kh, kw])];
  },
});

/**
 * float64 ConvTranspose (onnxruntime has no double kernel): insert stride-1 zeros between input
 * pixels, pad by d·(k-1) minus the forward padding, and convolve with the flipped, channel-swapped
 * kernel (im2col).
 */
function lowerConvTransposeIm2col(
  L: Lowering, [g, w]: string[], y: string, a: ConvAttrs & { outputSize: number[] }, [kh, kw, cg]: number[], [cin, oh, ow]: number[], outPad: number[],
): void {
  const [s0, s1] = a.strides;
  let z = g;
  if (s0 > 1 || s1 > 1) {
    const u = L.tmp(), p = L.tmp(), r = L.tmp();
    z = L.tmp();
    L.emit('Unsqueeze', [g, L.int64s([3, 5])], [u]);
    L.emit('Pad', [u, L.int64s([0, 0, 0, 0, 0, 0, 0, 0, 0, s0 - 1, 0, s1 - 1])], [p], { mode: { s: 'constant' } });
    L.emit('Reshape', [p, L.int64s([0, cin, oh * s0, ow * s1])], [r]);
    L.emit('Slice', [r, L.int64s([0, 0]), L.int64s([(oh - 1) * s0 + 1, (ow - 1) * s1 + 1]), L.int64s([2, 3])], [z]);
  }
  const G = a.group, og = cin / G;
  const w5 = L.tmp(), wt = L.tmp(), w4 = L.tmp(), wf = L.tmp();
  L.emit('Reshape', [w, L.int64s([G, og, -1, kh, kw])], [w5]);
  L.emit('Transpose', [w5], [wt], { perm: { ints: [0, 2, 1, 3, 4] } });
  L.emit('Reshape', [wt, L.int64s([-1, og, kh, kw])], [w4]);
  L.emit('Slice', [w4, L.int64s([-1, -1]), L.int64s([-(kh + 1), -(kw + 1)]), L.int64s([2, 3]), L.int64s([-1, -1])], [wf]);
  const [d0, d1] = a.dilations;
  const pads = [d0 * (kh - 1) - a.pads[0], d1 * (kw - 1) - a.pads[1], d0 * (kh - 1) - a.pads[2] + outPad[0], d1 * (kw - 1) - a.pads[3] + outPad[1]];
  lowerConvIm2col(L, z, wf, null, y, {
    kernel: [kh, kw], strides: [1, 1], dilations: a.dilations, pads, group: G,
    outChannels: cg * G, outSize: a.outputSize as [number, number],
  });
}
