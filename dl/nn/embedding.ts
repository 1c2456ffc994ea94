/** nn.Embedding: a lookup table [numEmbeddings, embeddingDim]; indices arrive as floats and are cast to int64; gradient by scatter-add. */
import * as F from '../../ops/api.ts';
import type { Tensor } from '../../ops/ir.ts';
import { Module, Parameter, type BuildContext } from './module.ts';
import { normal } from './init.ts';

export class Embedding extends Module {
  readonly weight: Parameter;
  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
  ) {
    super();
    this.weight = this.registerParameter('weight', new Parameter([numEmbeddings, embeddingDim], normal(numEmbeddings * embeddingDim)));
  }
  forward(x: Tensor, ctx: BuildContext): Tensor {
    const idx = x.dtype === 'int64' ? x : F.cast(x, 'int64');
    return F.gather(ctx.param(this.weight), idx, 0);
  }
}
