/** The OptimMethod contract: an optimizer describes its per-parameter update as IR, so the update compiles into the step graph. */
import type { Tensor } from '../../ops/ir.ts';
import { nnArg } from '../nn/errors.ts';

/** Run-time scalars every update sees. */
export interface UpdateContext {
  /** The learning rate, a run-time input of the compiled step (schedules change it without recompiling). */
  lr: Tensor;
  /** The 1-based number of this update (the step counter after incrementing), as a scalar. */
  step: Tensor;
}

/**
 * An optimizer. `slotNames` lists its per-parameter state tensors (each the parameter's size,
 * zero at start); `update` builds new weights and slots from the weights, the gradient, the old
 * slots and the run-time context. The compiled step carries a step counter in its state too.
 */
export abstract class OptimMethod {
  /** The configured (base) learning rate; a schedule scales it per step. */
  lr: number;
  abstract readonly slotNames: string[];

  constructor(lr: number) {
    if (!(lr >= 0)) throw nnArg(`${new.target.name}: lr must be a non-negative number, got ${lr}`);
    this.lr = lr;
  }

  abstract update(w: Tensor, g: Tensor, slots: Tensor[], c: UpdateContext): { w: Tensor; slots: Tensor[] };
}

export function checkRange(opt: string, name: string, v: number, lo: number, hi: number): number {
  if (!(v >= lo && v <= hi)) throw nnArg(`${opt}: ${name} must be in [${lo}, ${hi}], got ${v}`);
  return v;
}
