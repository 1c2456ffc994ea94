/** The 'mnist' source format: plans record-range splits over an idx images/labels pair and reads one split as Samples on an executor. */
import type { InputSplit } from '../../engine/sources.ts';
import { MnistError } from './errors.ts';
import { resolveMnistFiles, idxCount, type MnistSplit } from './files.ts';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, readIdxImages, readIdxLabels } from './idx.ts';

/** A Sample as dl/ defines it; the connector builds plain objects of this shape. */
export interface MnistSample {
  features: Float32Array;
  label: number;
}

/** One split: records [start, end) of an images/labels pair. */
export interface MnistInputSplit extends InputSplit {
  images: string;
  labels: string;
  start: number;
  end: number;
}

/** Options of the 'mnist' format: `split` picks train or test files in a directory (default 'train'). */
export interface MnistSourceOptions {
  split?: MnistSplit;
}

/** Plans `minPartitions` (at least one) contiguous record ranges; checks both headers on the driver. */
export async function planSplits(path: string | string[], minPartitions: number, options: Record<string, unknown>): Promise<MnistInputSplit[]> {
  const files = resolveMnistFiles(path, (options.split as MnistSplit | undefined) ?? 'train');
  const n = await idxCount(files.images, IDX_IMAGES_MAGIC);
  const nl = await idxCount(files.labels, IDX_LABELS_MAGIC);
  if (n !== nl) {
    throw new MnistError('MNIST_COUNT_MISMATCH',
      `${files.images} holds ${n} images but ${files.labels} holds ${nl} labels; pair each images file with its own labels file`);
  }
  const parts = Math.max(1, Math.min(Math.floor(minPartitions) || 1, Math.max(n, 1)));
  const splits: MnistInputSplit[] = [];
  for (let i = 0; i < parts; i++) {
    splits.push({ index: i, images: files.images, labels: files.labels, start: Math.floor((i * n) / parts), end: Math.floor(((i + 1) * n) / parts) });
  }
  return splits;
}

/** Yields the split's records as Samples with features scaled to [0, 1]. */
export function* readSplit(split: InputSplit): Iterator<MnistSample> {
  const s = split as MnistInputSplit;
  const img = readIdxImages(s.images);
  const lab = readIdxLabels(s.labels);
  if (img.dims[0] !== lab.dims[0]) {
    throw new MnistError('MNIST_COUNT_MISMATCH', `${s.images} holds ${img.dims[0]} images but ${s.labels} holds ${lab.dims[0]} labels`);
  }
  const size = img.dims[1] * img.dims[2];
  for (let r = s.start; r < s.end; r++) {
    const features = new Float32Array(size);
    const off = r * size;
    for (let j = 0; j < size; j++) features[j] = img.data[off + j] / 255;
    yield { features, label: lab.data[r] };
  }
}
