/** A small seeded pseudo-random generator (xoshiro128**) whose whole state fits in a checkpoint. */

/** Deterministic generator: the same seed gives the same sequence on every platform; `state` restores it exactly. */
export class Rng {
  private readonly s = new Uint32Array(4);

  constructor(seed: number) {
    // splitmix32 expands the seed so that nearby seeds give unrelated streams and the state is never all zero.
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n) without modulo bias. */
  nextInt(n: number): number {
    const limit = 4294967296 - (4294967296 % n);
    let r = this.nextUint32();
    while (r >= limit) r = this.nextUint32();
    return r % n;
  }

  /** Fisher-Yates shuffle of `a` in place. */
  shuffle(a: Int32Array | Uint32Array | number[]): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  /** The generator's state (4 uint32), to store in a checkpoint. */
  get state(): number[] {
    return Array.from(this.s);
  }

  set state(v: number[]) {
    if (v.length !== 4) throw new RangeError(`Rng state must have 4 words, got ${v.length}`);
    for (let i = 0; i < 4; i++) this.s[i] = v[i] >>> 0;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
