/** nn.LSTM, unrolled over a static sequence length (gates i, f, g, o and parameter names as PyTorch), and nn.Select to pick one time step. */
import * as F from '../../ops/api.ts';
import type { Shape, Tensor } from '../../ops/ir.ts';
import { Module, Parameter, type BuildContext } from './module.ts';
import { uniform } from './init.ts';
import { nnArg } from './errors.ts';

export interface LSTMOptions {
  numLayers?: number;
  bias?: boolean;
  /** Input is [N, T, inputSize] when true (the default here, since Flint batches are batch-first); [T, N, inputSize] otherwise. */
  batchFirst?: boolean;
}

/**
 * A multi-layer LSTM returning the top layer's hidden state at every step ([N, T, hiddenSize],
 * or [T, N, hiddenSize] when not batch-first). Initial states are zero. Parameters per layer k:
 * weight_ih_lk [4H, in], weight_hh_lk [4H, H], bias_ih_lk, bias_hh_lk [4H], initialised U(±1/√H).
 */
export class LSTM extends Module {
  readonly numLayers: number;
  readonly batchFirst: boolean;
  private readonly layerParams: { wih: Parameter; whh: Parameter; bih: Parameter | null; bhh: Parameter | null }[] = [];

  constructor(
    readonly inputSize: number,
    readonly hiddenSize: number,
    opts: LSTMOptions = {},
  ) {
    super();
    this.numLayers = opts.numLayers ?? 1;
    this.batchFirst = opts.batchFirst ?? true;
    if (!(inputSize > 0 && hiddenSize > 0 && this.numLayers >= 1)) throw nnArg(`LSTM(${inputSize}, ${hiddenSize}): sizes and numLayers must be positive`);
    const h = hiddenSize, k = 1 / Math.sqrt(h);
    for (let l = 0; l < this.numLayers; l++) {
      const inp = l === 0 ? inputSize : h;
      const wih = this.registerParameter(`weight_ih_l${l}`, new Parameter([4 * h, inp], uniform(4 * h * inp, k)));
      const whh = this.registerParameter(`weight_hh_l${l}`, new Parameter([4 * h, h], uniform(4 * h * h, k)));
      const bih = opts.bias === false ? null : this.registerParameter(`bias_ih_l${l}`, new Parameter([4 * h], uniform(4 * h, k)));
      const bhh = opts.bias === false ? null : this.registerParameter(`bias_hh_l${l}`, new Parameter([4 * h], uniform(4 * h, k)));
      this.layerParams.push({ wih, whh, bih, bhh });
    }
  }

  checkInput(shape: Shape): string | null {
    const t = this.batchFirst ? shape[1] : shape[0];
    return shape.length !== 3 || shape[2] !== this.inputSize || typeof t !== 'number'
      ? `LSTM expects ${this.batchFirst ? '[N, T, ' : '[T, N, '}${this.inputSize}] with a static sequence length T`
      : null;
  }

  forward(x: Tensor, ctx: BuildContext): Tensor {
    let seq = this.batchFirst ? x : F.transpose(x, [1, 0, 2]);
    const steps = seq.shape[1] as number;
    const h = this.hiddenSize;
    for (const p of this.layerParams) {
      // Input projections of all steps in one MatMul: [N, T, in] x [in, 4H].
      let xp = F.matmul(seq, F.transpose(ctx.param(p.wih), [1, 0]));
      // both biases are summed first ([4H]) so the [N, T, 4H] projection takes one broadcast add
      if (p.bih && p.bhh) xp = F.add(xp, F.add(ctx.param(p.bih), ctx.param(p.bhh)));
      const whh = ctx.param(p.whh);
      let hPrev: Tensor | null = null, cPrev: Tensor | null = null;
      const outs: Tensor[] = [];
      for (let t = 0; t < steps; t++) {
        let gates = F.squeeze(F.slice(xp, [t], [t + 1], [1]), [1]);
        if (hPrev) gates = F.add(gates, F.gemm(hPrev, whh, null, { transB: true }));
        const gate = (k: number) => F.slice(gates, [k * h], [(k + 1) * h], [1]);
        const i = F.sigmoid(gate(0)), f = F.sigmoid(gate(1)), g = F.tanh(gate(2)), o = F.sigmoid(gate(3));
        const c: Tensor = cPrev ? F.add(F.mul(f, cPrev), F.mul(i, g)) : F.mul(i, g);
        const hNew = F.mul(o, F.tanh(c));
        outs.push(F.unsqueeze(hNew, [1]));
        hPrev = hNew;
        cPrev = c;
      }
      seq = outs.length === 1 ? outs[0] : F.concat(outs, 1);
    }
    return this.batchFirst ? seq : F.transpose(seq, [1, 0, 2]);
  }
}

/** Selects index `index` along dim `dim` (batch is dim 0) and drops that dim, as BigDL's Select; negative indices count from the end. */
export class Select extends Module {
  constructor(
    readonly dim: number,
    readonly index: number,
  ) {
    super();
    if (dim === 0) throw nnArg('Select: dim 0 is the batch dimension');
  }
  forward(x: Tensor, _ctx: BuildContext): Tensor {
    const d = this.dim < 0 ? this.dim + x.rank : this.dim;
    const size = x.shape[d];
    if (typeof size !== 'number') throw nnArg(`Select: dim ${this.dim} of ${x} is not static`);
    const i = this.index < 0 ? this.index + size : this.index;
    if (i < 0 || i >= size) throw nnArg(`Select: index ${this.index} is out of range for dim ${this.dim} of size ${size}`);
    return F.squeeze(F.slice(x, [i], [i + 1], [d]), [d]);
  }
}
