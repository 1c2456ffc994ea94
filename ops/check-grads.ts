/** checkGrads: verifies an IR function's autodiff gradients against central finite differences, running the graphs in float64 on onnxruntime. */
import { Graph, type Tensor } from './ir.ts';
import * as F from './api.ts';
import { gradients } from './autodiff.ts';
import { emitModel } from './onnx/emit.ts';
import { loadModel, ort } from './runtime.ts';
import { OpsUserError, OpsErrorCode } from './errors.ts';

/** One input of the checked function. Float inputs are differentiated unless `constant`; int64 inputs never are. */
export interface GradCheckInput {
  shape: number[];
  /** Values (default: seeded uniform in [-1, 1)). */
  data?: ArrayLike<number>;
  dtype?: 'float64' | 'int64';
  /** Feed it but do not check its gradient (targets, masks). */
  constant?: boolean;
}

export interface GradCheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-6). */
  atol?: number;
  /** Relative tolerance (default 1e-4). */
  rtol?: number;
  /** Seed of the default input values and the output projection. */
  seed?: number;
}

export interface GradCheckResult {
  /** Number of gradient entries compared. */
  checked: number;
  maxAbsError: number;
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/**
 * Builds `f` over float64 inputs, takes the gradient of Σ f(x)·R (R a fixed random projection of
 * the output, so the whole Jacobian is exercised) and compares every gradient entry with a central
 * difference (f(x+ε) - f(x-ε)) / 2ε computed by the same onnxruntime session. Throws, naming the
 * input, the element and both values, when |analytic - numeric| > atol + rtol·|numeric|.
 */
export async function checkGrads(
  f: (...xs: Tensor[]) => Tensor,
  inputs: GradCheckInput[],
  opts: GradCheckOptions = {},
): Promise<GradCheckResult> {
  const eps = opts.eps ?? 1e-6, atol = opts.atol ?? 1e-6, rtol = opts.rtol ?? 1e-4;
  const rand = rng(opts.seed ?? 42);
  const g = new Graph();
  const xs = inputs.map((inp, i) => g.input(`x${i}`, inp.dtype ?? 'float64', inp.shape));
  const out = f(...xs);
  if (out.dtype !== 'float64') throw new OpsUserError(OpsErrorCode.BAD_ARGUMENT, `checkGrads: f must return a float64 tensor, got ${out}`);
  const outSize = out.shape.reduce<number>((a, d) => a * (d as number), 1);
  const proj = g.constant(Float64Array.from({ length: outSize }, () => rand() * 2 - 1), 'float64', out.shape as number[]);
  const loss = F.sumAll(F.mul(out, proj));
  const diffIdx = inputs.map((inp, i) => i).filter(i => (inputs[i].dtype ?? 'float64') === 'float64' && !inputs[i].constant);
  const grads = gradients(loss, diffIdx.map(i => xs[i]));
  const fwd = await loadModel(emitModel(g, { outputs: [{ name: 'loss', tensor: loss }] }));
  const bwd = await loadModel(emitModel(g, { outputs: [{ name: 'loss', tensor: loss }, ...grads.map((t, k) => ({ name: `g${k}`, tensor: t }))] }));
  try {
    const values = inputs.map(inp => {
      const n = inp.shape.reduce((a, b) => a * b, 1);
      if (inp.data && inp.data.length !== n) throw new OpsUserError(OpsErrorCode.BAD_ARGUMENT, `checkGrads: input data has ${inp.data.length} values for shape [${inp.shape}]`);
      if ((inp.dtype ?? 'float64') === 'int64') return BigInt64Array.from(Array.from(inp.data ?? new Array(n).fill(0), v => BigInt(v)));
      return inp.data ? Float64Array.from(inp.data) : Float64Array.from({ length: n }, () => rand() * 2 - 1);
    });
    const feeds = () => {
      const r: Record<string, ort.Tensor> = {};
      values.forEach((v, i) => (r[`x${i}`] = new ort.Tensor(v instanceof BigInt64Array ? 'int64' : 'float64', v, inputs[i].shape)));
      return r;
    };
    const analytic = await bwd.run(feeds());
    let checked = 0, maxAbsError = 0;
    for (let k = 0; k < diffIdx.length; k++) {
      const i = diffIdx[k];
      const v = values[i] as Float64Array;
      const ga = analytic[`g${k}`].data as Float64Array;
      for (let j = 0; j < v.length; j++) {
        const orig = v[j];
        v[j] = orig + eps;
        const fp = ((await fwd.run(feeds())).loss.data as Float64Array)[0];
        v[j] = orig - eps;
        const fm = ((await fwd.run(feeds())).loss.data as Float64Array)[0];
        v[j] = orig;
        const numeric = (fp - fm) / (2 * eps);
        const err = Math.abs(ga[j] - numeric);
        maxAbsError = Math.max(maxAbsError, err);
        checked++;
        if (!(err <= atol + rtol * Math.abs(numeric))) {
          throw new OpsUserError(
            OpsErrorCode.BAD_ARGUMENT,
            `checkGrads: gradient of input ${i} at element ${j} is ${ga[j]} by autodiff but ${numeric} by finite differences (|diff| ${err.toExponential(2)} > atol ${atol} + rtol ${rtol})`,
          );
        }
      }
    }
    return { checked, maxAbsError };
  } finally {
    await fwd.dispose();
    await bwd.dispose();
  }
}
