/** ConvTranspose: the adjoint of Conv with the same weight, producing a given spatial size; gradients are a Conv (input) and the conv weight gradient. */
import { registerOp } from '../registry.ts';
import { shapeError } from '../errors.ts';
import { spatial, convWeightGrad, type ConvAttrs } from './conv-common.ts';
import * as F from '../api.ts';

registerOp({
  name: 'ConvTranspose',
  shape: ([g, w], attrs) => {
    spatial('ConvTranspose', g);
    const a = attrs as unknown as ConvAttrs & { outputSize: number[] };
    if (w.rank !== 4 || g.shape[1] !== w.shape[0]) throw shapeError('ConvTranspose', `weight ${w} does not fit input ${g}`);
    return [{ dtype: g.dtype, shape: [g.shape[0], (w.shape[1] as number) * a.group, ...a.outputSize] }];
  },
  lower: (n, ins, outs, L) => {
    const a = n.attrs as unknown as ConvAttrs & { outputSize: number[] };
    const [g, w] = n.inputs;
    const [kh, kw] = (w.shape as number[]).slice(2);
    const full = (i: number, k: number) =>
      a.strides[i] * ((g.shape[2 + i] as number) - 1) + (k - 1) * a.dilations[i] + 1 - a.pads[i] - a.pads[i + 2];
    const outPad = [a.outputSize[0] - full(0, kh), a.outputSize[1] - full(1, kw)];
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
