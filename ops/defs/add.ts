/** Add: elementwise sum with broadcasting; gradient passes through, summed over broadcast axes. */
import { registerOp } from '../registry.ts';
import { binaryShape, unbroadcast } from './common.ts';

registerOp({
  name: 'Add',
  shape: binaryShape('Add'),
  lower: (_n, ins, outs, L) => L.emit('Add', ins, outs),
  grad: (node, [g]) => {
    const [a, b] = node.inputs;
    return g ? [unbroadcast(g, a.shape), unbroadcast(g, b.shape)] : [null, null];
  },
});
