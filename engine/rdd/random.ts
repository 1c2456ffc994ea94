/** The seeded pseudo-random generator that sampling runs on executors (mulberry32): small, fast, reproducible per seed. */

/** A generator of uniform numbers in [0, 1) from a 32-bit starting state; equal states give equal sequences. */
export function seededRandom(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
