/** Constant: a tensor baked into the graph (emitted as an initializer); it has no inputs, so no gradient. */
import { registerOp } from '../registry.ts';
import type { DType } from '../ir.ts';
import { OpsInternalError, OpsErrorCode } from '../errors.ts';

registerOp({
  name: 'Constant',
  shape: (_inputs, attrs) => [{ dtype: attrs.dtype as DType, shape: [...(attrs.shape as number[])] }],
  lower: () => {
    throw new OpsInternalError(OpsErrorCode.INTERNAL, 'Constant nodes are emitted as initializers, never lowered');
  },
  grad: 'nondifferentiable',
});
