/** MaxPool: 2-D max pooling (floor mode) with a hidden int64 indices output; the gradient scatter-adds g at those indices. */
import { registerOp } from '../registry.ts';
import { outSize, spatial } from './conv-common.ts';
import * as F from '../api.ts';

interface PoolAttrs { kernel: number[]; strides: number[]; pads: number[]; dilations: number[] }

registerOp({
  name: 'MaxPool',
  shape: ([x], attrs) => {
    const a = attrs as unknown as PoolAttrs;
    const [h, w] = spatial('MaxPool', x);
    const oh = outSize('MaxPool', h, a.kernel[0], a.strides[0], a.dilations[0], a.pads[0], a.pads[2]);
    const ow = outSize('MaxPool', w, a.kernel[1], a.strides[1], a.dilations[1], a.pads[1], a.pads[3]);
    const shape = [x.shape[0], x.shape[1], oh, ow];
    return [{ dtype: x.dtype, shape }, { dtype: 'int64', shape }];
  },
  lower: (n, ins, outs, L) => {
    const a = n.attrs as unknown as PoolAttrs;
    L.emit('MaxPool', ins, outs, {
      kernel_shape: { ints: a.kernel },
      strides: { ints: a.strides },
      pads: { ints: a.pads },
      dilations: { ints: a.dilations },
    });
  },
  grad: (n, [g]) => {
    if (!g) return [null];
    const x = n.inputs[0];
    const a = n.attrs as unknown as PoolAttrs;
    const disjoint = [0, 1].every(i => a.strides[i] >= (a.kernel[i] - 1) * a.dilations[i] + 1);
    if (disjoint) {
      // Windows do not overlap, so each input gets at most one value: MaxUnpool is a plain placement (faster than scatter-add).
      return [x.graph.apply('MaxUnpool', [g, n.outputs[1], x], { kernel: a.kernel, strides: a.strides, pads: a.pads })[0]];
    }
    // ONNX MaxPool indices address the whole flattened N*C*H*W input.
    const flat = F.reshape(x, [-1]);
    const scattered = F.scatterElementsAdd(F.zerosLike(flat), F.reshape(n.outputs[1], [-1]), F.reshape(g, [-1]), 0);
    return [x.graph.apply('ReshapeAs', [scattered, x])[0]];
  },
});
