/** Seeded weight initialisation matching PyTorch's defaults (Kaiming-uniform for Linear/Conv, normal for Embedding). */

/** xoshiro128** generator behind `manualSeed`; deterministic across platforms. */
class InitRng {
  private s = new Uint32Array(4);
  constructor(seed: number) {
    this.seed(seed);
  }
  seed(seed: number): void {
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }
  /** Uniform in [0, 1). */
  next(): number {
    const s = this.s;
    const r = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return r / 4294967296;
  }
}
const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;

const rng = new InitRng(0);

/** Seeds the generator every layer constructor draws its initial weights from (as torch.manual_seed). */
export function manualSeed(seed: number): void {
  rng.seed(seed);
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
