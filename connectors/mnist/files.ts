/** Finds the images/labels idx files of an MNIST-style directory and reads idx headers cheaply (for split planning). */
import { createReadStream, openSync, readSync, closeSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { MnistError } from './errors.ts';
import { exists } from './idx.ts';

/** Which half of a dataset: 'train' (train-*) or 'test' (t10k-*). */
export type MnistSplit = 'train' | 'test';

/** The images and labels files of one dataset half. */
export interface MnistFiles {
  images: string;
  labels: string;
}

const prefixes: Record<MnistSplit, string[]> = { train: ['train'], test: ['t10k', 'test'] };

/**
 * Resolves where images and labels live. `location` is a directory holding the standard names
 * (`train-images-idx3-ubyte[.gz]`, `t10k-labels-idx1-ubyte[.gz]`, or the `.idx3-ubyte` spelling), an
 * images file (its labels file is found by name), or an explicit `[images, labels]` pair.
 */
export function resolveMnistFiles(location: string | string[], split: MnistSplit = 'train'): MnistFiles {
  if (split !== 'train' && split !== 'test') {
    throw new MnistError('MNIST_BAD_ARGUMENT', `split must be 'train' or 'test', got '${String(split)}'`);
  }
  if (Array.isArray(location)) {
    if (location.length !== 2) {
      throw new MnistError('MNIST_BAD_ARGUMENT', `give a directory, an images file, or [imagesPath, labelsPath]; got ${location.length} paths`);
    }
    return { images: location[0], labels: location[1] };
  }
  if (!exists(location)) throw new MnistError('MNIST_NOT_FOUND', `MNIST location ${location} does not exist`);
  if (statSync(location).isDirectory()) {
    const names = readdirSync(location);
    const find = (kind: 'images-idx3' | 'labels-idx1'): string => {
      for (const p of prefixes[split]) {
        for (const sep of ['-', '.']) {
          const base = `${p}-${kind.replace('-', sep)}-ubyte`;
          for (const name of [base, `${base}.gz`]) if (names.includes(name)) return join(location, name);
        }
      }
      throw new MnistError('MNIST_NOT_FOUND',
        `${location} has no ${split} ${kind.split('-')[0]} file (looked for ${prefixes[split][0]}-${kind}-ubyte[.gz]); it holds: ${names.slice(0, 10).join(', ') || 'nothing'}`);
    };
    return { images: find('images-idx3'), labels: find('labels-idx1') };
  }
  const labels = location.replace('images-idx3', 'labels-idx1').replace('images.idx3', 'labels.idx1');
  if (labels === location || !exists(labels)) {
    throw new MnistError('MNIST_NOT_FOUND', `cannot find the labels file for ${location} (expected ${labels}); pass [imagesPath, labelsPath]`);
  }
  return { images: location, labels };
}

/** Reads the first `n` bytes of a file, gunzipping on the fly when it is gzip. */
export async function readHead(path: string, n: number): Promise<Uint8Array> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new MnistError('MNIST_NOT_FOUND', `cannot read idx file ${path}: ${(e as Error).message}`, { cause: e });
  }
  const first = Buffer.alloc(2);
  const got = readSync(fd, first, 0, 2, 0);
  if (!(got === 2 && first[0] === 0x1f && first[1] === 0x8b)) {
    const buf = Buffer.alloc(n);
    const len = readSync(fd, buf, 0, n, 0);
    closeSync(fd);
    return buf.subarray(0, len);
  }
  closeSync(fd);
  const chunks: Buffer[] = [];
  let total = 0;
  const stream = createReadStream(path).pipe(createGunzip());
  try {
    for await (const c of stream) {
      chunks.push(c as Buffer);
      total += (c as Buffer).length;
      if (total >= n) break;
    }
  } catch (e) {
    throw new MnistError('MNIST_TRUNCATED', `${path}: gzip data is corrupt (${(e as Error).message})`, { cause: e });
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, n);
}

/** The record count in an idx file's header, read without decoding the data. */
export async function idxCount(path: string, expectMagic: number): Promise<number> {
  const head = await readHead(path, 8);
  if (head.length < 8) throw new MnistError('MNIST_TRUNCATED', `${path}: file has ${head.length} bytes, too short for an idx header`);
  const view = new DataView(head.buffer, head.byteOffset, 8);
  const magic = view.getUint32(0, false);
  if (magic !== expectMagic) {
    throw new MnistError('MNIST_BAD_MAGIC', `${path}: magic number ${magic} is not ${expectMagic === 0x803 ? 'an idx3 images file (2051)' : 'an idx1 labels file (2049)'}`);
  }
  return view.getUint32(4, false);
}
