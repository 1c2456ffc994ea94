/** AveragePool: 2-D average pooling counting padding (PyTorch's default); gradient is a depthwise ConvTranspose with a constant 1/(kh·kw) kernel. */
import { registerOp } from '../registry.ts';
import { shapeError } from '../errors.ts';
import { outSize, spatial, lowerConvIm2col } from './conv-common.ts';
import * as F from '../api.ts';

interface PoolAttrs { kernel: number[]; strides: number[]; pads: number[] }

registerOp({
  name: 'AveragePool',
  shape: ([x], attrs) => {
    const a = attrs as unknown as PoolAttrs;
    const [h, w] = spatial('AveragePool', x);
    const oh = outSize('AveragePool', h, a.kernel[0], a.strides[0], 1, a.pads[0], a.pads[2]);
    const ow = outSize('AveragePool', w, a.kernel[1], a.strides[1], 1, a.pads[1], a.pads[3]);
    return [{ dtype: x.dtype, shape: [x.shape[0], x.shape[1], oh, ow] }];
  },
  lower: (n, ins, outs, L) => {
    const a = n.attrs as unknown as PoolAttrs;
    const [x, y] = [n.inputs[0], n.outputs[0]];
    if (x.dtype === 'float64') {
      // No double AveragePool kernel in onnxruntime: a depthwise convolution with a constant 1/(kh·kw) kernel.
      const c = x.shape[1] as number;
      const [kh, kw] = a.kernel;
      const k = L.tmp();
      L.emit('Expand', [L.scalar(1 / (kh * kw), 'float64'), L.int64s([c, 1, kh, kw])], [k]);
      lowerConvIm2col(L, ins[0], k, null, outs[0], {
        kernel: [kh, kw], strides: a.strides, dilations: [1, 1], pads: a.pads, group: c,
        outChannels: c, outSize: [y.shape[2] as number, y.shape[3] as number],
      });
      return;
    }
    L.emit('AveragePool', ins, outs, {
      kernel_shape: { ints: a.kernel },
      strides: { ints: a.strides },
      pads: { ints: a.pads },
      count_include_pad: { i: 1 },
    });
  },
  grad: (n, [g]) => {
    if (!g) return [null];
    const x = n.inputs[0];
    const a = n.attrs as unknown as PoolAttrs;
    const c = x.shape[1];
    if (typeof c !== 'number') throw shapeError('AveragePool', `gradient needs a static channel count, got ${x}`);
    const [kh, kw] = a.kernel;
    const k = x.graph.constant(new Array(c * kh * kw).fill(1 / (kh * kw)), x.dtype, [c, 1, kh, kw]);
    return [F.convTranspose2d(g, k, spatial('AveragePool', x), { strides: a.strides, pads: a.pads, group: c })];
  },
});
