/** Seeded weight initialisation matching PyTorch's defaults (Kaiming-uniform for Linear/Conv, normal for Embedding). */
import { Rng } from '../rng.ts';

/** The generator behind `manualSeed` (xoshiro128**, deterministic across platforms). */
let rng = new Rng(0);

/** Seeds the generator every layer constructor draws its initial weights from (as torch.manual_seed). */
export function manualSeed(seed: number): void {
  rng = new Rng(seed);
}

/** Fills `n` values uniformly from [-bound, bound). */
export function uniform(n: number, bound: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (rng.next() * 2 - 1) * bound;
  return a;
}

/** Fills `n` values from N(mean, std²) (Box-Muller). */
export function normal(n: number, std = 1, mean = 0): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = 1 - rng.next(), v = rng.next();
    const r = Math.sqrt(-2 * Math.log(u));
    a[i] = mean + std * r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) a[i + 1] = mean + std * r * Math.sin(2 * Math.PI * v);
  }
  return a;
}

/** PyTorch's default for Linear/Conv weights: kaiming_uniform(a=√5), i.e. U(±1/√fanIn). */
export function kaimingUniformDefault(n: number, fanIn: number): Float32Array {
  return uniform(n, fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0);
}

/** Kaiming (He) uniform for a ReLU gain: U(±√(6/fanIn)). */
export function kaimingUniform(n: number, fanIn: number): Float32Array {
  return uniform(n, Math.sqrt(6 / fanIn));
}

/** Xavier (Glorot) uniform: U(±√(6/(fanIn+fanOut))). */
export function xavierUniform(n: number, fanIn: number, fanOut: number): Float32Array {
  return uniform(n, Math.sqrt(6 / (fanIn + fanOut)));
}
