/** Shape and dtype helpers of the graph IR (pure functions), shared by the IR and the operator definitions. */
import { OpsUserError, OpsErrorCode } from './errors.ts';
import type { DType, Shape } from './ir.ts';

/** True for float32/float64. */
export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

/** Product of static dims, or null when any dim is symbolic. */
export function staticSize(shape: Shape): number | null {
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number') return null;
    n *= d;
  }
  return n;
}

/** Normalises a possibly negative axis against a rank. */
export function normAxis(axis: number, rank: number, op: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new OpsUserError(OpsErrorCode.BAD_ARGUMENT, `${op}: axis ${axis} is out of range for rank ${rank}`);
  }
  return a;
}

/** NumPy-style broadcast of two shapes; symbolic dims broadcast only with 1 or themselves. */
export function broadcastShapes(a: Shape, b: Shape, op: string): Shape {
  const n = Math.max(a.length, b.length);
  const out: Shape = [];
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da === db) out.push(da);
    else if (da === 1) out.push(db);
    else if (db === 1) out.push(da);
    else {
      throw new OpsUserError(
        OpsErrorCode.SHAPE_MISMATCH,
        `${op}: shapes [${a.join(',')}] and [${b.join(',')}] do not broadcast (dim ${i}: ${da} vs ${db})`,
      );
    }
  }
  return out;
}

/** A shape for error messages: `[N,1,28,28]`. */
export function shapeStr(s: Shape): string {
  return `[${s.join(',')}]`;
}
