/** Generates a Zipf-distributed English-like text for the word-count benchmark: fixed seed, size in MB as the argument. */
import fs from 'node:fs';
import path from 'node:path';

// Usage: node --import tsx bench/gen-zipf.ts [sizeMB=200] [out=bench/data/zipf-<size>mb.txt]
// The same size always gives the same bytes: words come from a seeded generator, ranks from a
// Zipf(s = 1.1) law over a vocabulary of 500,000 words, 4..20 words per line.

const VOCABULARY = 500_000;
const EXPONENT = 1.1;
const SEED = 0x5eed2024;

/** mulberry32: a small, fast, seeded PRNG. */
function rng(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeVocabulary(random: () => number): string[] {
  const letters = 'etaoinshrdlcumwfgypbvkjxqz';
  const seen = new Set<string>();
  const words: string[] = [];
  while (words.length < VOCABULARY) {
    // Frequent ranks get short words, as in natural text.
    const len = 1 + Math.min(14, Math.floor(-Math.log(1 - random()) * (2 + 4 * (words.length / VOCABULARY)) + 1));
    let w = '';
    for (let i = 0; i < len; i++) w += letters[Math.floor(letters.length * random() ** 1.6)];
    if (seen.has(w)) continue;
    seen.add(w);
    words.push(w);
  }
  return words;
}

/** Cumulative Zipf probabilities over ranks 1..n. */
function zipfCdf(n: number, s: number): Float64Array {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 1; k <= n; k++) {
    sum += 1 / k ** s;
    cdf[k - 1] = sum;
  }
  for (let k = 0; k < n; k++) cdf[k] /= sum;
  return cdf;
}

function sample(cdf: Float64Array, u: number): number {
  let lo = 0, hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid] < u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function main(): void {
  const sizeMb = Number(process.argv[2] ?? 200);
  if (!(sizeMb > 0)) throw new Error(`size must be a positive number of MB, got ${process.argv[2]}`);
  const out = process.argv[3] ?? path.join(import.meta.dirname, 'data', `zipf-${sizeMb}mb.txt`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const target = Math.floor(sizeMb * 1024 * 1024);
  const random = rng(SEED);
  const words = makeVocabulary(random);
  const cdf = zipfCdf(words.length, EXPONENT);
  const fd = fs.openSync(`${out}.tmp`, 'w');
  const buf = Buffer.allocUnsafe(4 << 20);
  let used = 0, written = 0;
  const t0 = Date.now();
  while (written + used < target) {
    const n = 4 + Math.floor(random() * 17);
    let line = '';
    for (let i = 0; i < n; i++) line += (i === 0 ? '' : ' ') + words[sample(cdf, random())];
    line += '\n';
    if (used + line.length * 3 > buf.length) {
      fs.writeSync(fd, buf, 0, used);
      written += used;
      used = 0;
    }
    used += buf.write(line, used, 'utf8');
  }
  fs.writeSync(fd, buf, 0, used);
  written += used;
  fs.closeSync(fd);
  fs.renameSync(`${out}.tmp`, out);
  console.log(`wrote ${out}: ${(written / 1048576).toFixed(1)} MB in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

main();
