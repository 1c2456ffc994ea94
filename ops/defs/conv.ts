/** Conv: 2-D convolution, NCHW, with stride, padding, dilation and groups; gradients are ConvTranspose (input), a convolution (weight) and a sum (bias). */
import { registerOp } from '../registry.ts';
import { shapeError } from '../errors.ts';
import { outSize, spatial, convWeightGrad, lowerConvIm2col, type ConvAttrs } from './conv-common.ts';
import * as F from '../api.ts';

registerOp({
  name: 'Conv',
  shape: (inputs, attrs) => {
    const [x, w, b] = inputs;
    const a = attrs as unknown as ConvAttrs;
    const [h, wd] = spatial('Conv', x);
    if (w.rank !== 4 || [0, 2, 3].some(i => typeof w.shape[i] !== 'number')) {
      throw shapeError('Conv', `weight must be [O, C/group, kh, kw] with static O, kh, kw, got ${w}`);
    }
    const [o, , kh, kw] = w.shape as number[];
    const cg = w.shape[1];
    // A symbolic C/group occurs in weight gradients, where the batch plays the channel role.
    if (typeof cg === 'number' ? x.shape[1] !== cg * a.group : x.shape[1] !== cg || a.group !== 1) {
      throw shapeError('Conv', `input has ${x.shape[1]} channels but the weight ${w} with group ${a.group} expects ${typeof cg === 'number' ? cg * a.group : cg}`);
    }
    if (o % a.group !== 0) throw shapeError('Conv', `output channels ${o} are not divisible by group ${a.group}`);
    if (b && (b.rank !== 1 || b.shape[0] !== o)) throw shapeError('Conv', `bias must be [${o}], got ${b}`);
    if (x.dtype !== w.dtype) throw shapeError('Conv', `input ${x} and weight ${w} dtypes differ`);
    const oh = outSize('Conv', h, kh, a.strides[0], a.dilations[0], a.pads[0], a.pads[2]);
    const ow = outSize('Conv', wd, kw, a.strides[1], a.dilations[1], a.pads[1], a.pads[3]);
    return [{ dtype: x.dtype, shape: [x.shape[0], o, oh, ow] }];
  },
  lower: (n, ins, outs, L) => {
    const a = n.attrs as unknown as ConvAttrs;
    if (n.inputs[0].dtype === 'float64') {
      const [o, , kh, kw] = n.inputs[1].shape as number[];
      const y = n.outputs[0];
      lowerConvIm2col(L, ins[0], ins[1], ins[2] ?? null, outs[0], {
        kernel: [kh, kw], strides: a.strides, dilations: a.dilations, pads: a.pads, group: a.group,
        outChannels: o, outSize: [y.shape[2] as number, y.shape[3] as number],
      });
      return;
    }
    L.emit('Conv', ins, outs, {
      strides: { ints: a.strides },
      pads: { ints: a.pads },
      dilations: { ints: a.dilations },
      group: { i: a.group },
      kernel_shape: { ints: (n.inputs[1].shape as number[]).slice(2) },
    });
  },
  grad: (n, [g]) => {
    if (!g) return n.inputs.map(() => null);
    const [x, w, b] = n.inputs;
    const a = n.attrs as unknown as ConvAttrs;
    const [kh, kw] = (w.shape as number[]).slice(2);
    const gx = F.convTranspose2d(g, w, spatial('Conv', x), a);
    const gw = convWeightGrad(x, g, a, [kh, kw]);
    return b ? [gx, gw, F.reduceSum(g, [0, 2, 3])] : [gx, gw];
  },
});
