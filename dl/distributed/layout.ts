/**
 * The shapes of distributed training, as plain functions both sides compute alike: how the flat
 * parameter vector is cut into slices, which exchange block holds what, and where each sample goes.
 *
 * Data placement (BigDL's cached, repartitioned training set, made deterministic): sample j of the
 * training RDD (its index in RDD order) gets position q = perm(j) (a seeded bijection of [0, n) when
 * shuffling, else j). Iteration k of every epoch trains on positions [kB, kB + B) (the last one
 * shorter), exactly as local training's minibatch k; position q in minibatch k goes to partition p, the
 * p-th of N near-equal contiguous parts of that minibatch. So the union of the partitions' k-th
 * minibatches is local training's k-th minibatch, and per-partition gradients weighted by their counts
 * average to the local gradient.
 */

/** Where training data and parameters are cut. */
export interface DistShape {
  /** Samples. */
  n: number;
  /** Partitions = task slots. */
  N: number;
  /** Global batch size. */
  B: number;
  /** Iterations per epoch: ceil(n / B). */
  K: number;
  /** Parameters. */
  P: number;
}

/** Start and end of slice j of a length-P vector cut into N slices. */
export function sliceBounds(P: number, N: number, j: number): [number, number] {
  return [Math.floor((j * P) / N), Math.floor(((j + 1) * P) / N)];
}

/** Exchange block of weight slice j, double-buffered by the parity of the version that wrote it. */
export function weightBlock(N: number, j: number, version: number): number {
  return (version % 2) * N + j;
}

/**
 * Exchange block of partition i's contribution to slice j (gradient or local weights, then count and
 * loss sum) at `version`. `copies` buffers rotate by version: 1 suffices when forward-backward reads the
 * latest weights (it can write iteration t + 1 only after every sync of t read iteration t); reading
 * weights s iterations stale needs 1 + s.
 */
export function contribBlock(N: number, i: number, j: number, version: number, copies: number): number {
  return 2 * N + ((version % copies) * N + i) * N + j;
}

/** Samples of minibatch k (of K) in an epoch of n samples with batch B. */
export function batchLength(n: number, B: number, K: number, k: number): number {
  return k < K - 1 ? B : n - (K - 1) * B;
}

/** Which of N near-equal contiguous parts of a minibatch of b samples offset r falls in: part p covers [floor(p b / N), floor((p + 1) b / N)). */
export function partOf(r: number, b: number, N: number): number {
  let p = Math.floor((r * N) / b);
  while (p + 1 < N && Math.floor(((p + 1) * b) / N) <= r) p++;
  while (p > 0 && Math.floor((p * b) / N) > r) p--;
  return p;
}

/** How many samples partition p trains on in minibatch k. */
export function partCount(s: DistShape, p: number, k: number): number {
  const b = batchLength(s.n, s.B, s.K, k);
  return Math.floor(((p + 1) * b) / s.N) - Math.floor((p * b) / s.N);
}

function mix(x: number, key: number): number {
  let h = Math.imul(x ^ key, 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca77);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae3d);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A seeded bijection of [0, n): a 4-round Feistel network over the smallest even-width power of two
 * covering n, cycle-walking values >= n back into range. O(1) memory, so 10^9 samples need no table.
 */
export function permute(j: number, n: number, seed: number): number {
  if (n <= 1) return j;
  let bits = 2;
  while (2 ** bits < n) bits += 2;
  const half = bits / 2;
  const mask = (1 << half) - 1;
  let x = j;
  do {
    let l = Math.floor(x / 2 ** half) & mask;
    let r = x & mask;
    for (let round = 0; round < 4; round++) {
      const nl = r;
      r = (l ^ mix(r, (seed * 4 + round) | 0)) & mask;
      l = nl;
    }
    x = l * 2 ** half + r;
  } while (x >= n);
  return x;
}

/** The position of sample j: its place in the fixed order minibatches are cut from. */
export function positionOf(j: number, n: number, shuffle: boolean, seed: number): number {
  return shuffle ? permute(j, n, seed) : j;
}

/** Partition of position q. */
export function partitionOfPosition(s: DistShape, q: number): number {
  const k = Math.floor(q / s.B);
  return partOf(q - k * s.B, batchLength(s.n, s.B, s.K, k), s.N);
}
