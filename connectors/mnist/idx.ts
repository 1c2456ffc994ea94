/** Reader for the idx format of MNIST and Fashion-MNIST (raw or gzip): images (idx3, magic 2051) and labels (idx1, magic 2049). */
import { readFileSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { MnistError } from './errors.ts';

/** The decoded contents of one unsigned-byte idx file. `data` holds prod(dims) bytes. */
export interface IdxArray {
  path: string;
  dims: number[];
  data: Uint8Array;
}

/** Magic numbers of the two idx kinds MNIST uses (type 0x08 = unsigned byte). */
export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;

/** Reads a whole file, gunzipping it when it starts with the gzip magic bytes. */
export function readMaybeGzip(path: string): Uint8Array {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (e) {
    throw new MnistError('MNIST_NOT_FOUND', `cannot read idx file ${path}: ${(e as Error).message}`, { cause: e });
  }
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return gunzipSync(raw);
    } catch (e) {
      throw new MnistError('MNIST_TRUNCATED', `${path}: gzip data is corrupt or truncated (${(e as Error).message}); download the file again`, { cause: e });
    }
  }
  return raw;
}

/** Decodes an idx byte buffer whose magic must be `expectMagic`; `path` names the file in errors. */
export function parseIdx(bytes: Uint8Array, path: string, expectMagic: number): IdxArray {
  const kind = expectMagic === IDX_IMAGES_MAGIC ? 'images (idx3-ubyte, magic 2051)' : 'labels (idx1-ubyte, magic 2049)';
  if (bytes.length < 4) {
    throw new MnistError('MNIST_TRUNCATED', `${path}: file has ${bytes.length} bytes, too short for an idx header; expected ${kind}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== expectMagic) {
    const hint = magic === IDX_IMAGES_MAGIC || magic === IDX_LABELS_MAGIC
      ? ` (this is an idx ${magic === IDX_IMAGES_MAGIC ? 'images' : 'labels'} file: are images and labels swapped?)`
      : '';
    throw new MnistError('MNIST_BAD_MAGIC', `${path}: magic number ${magic} (0x${magic.toString(16).padStart(8, '0')}) is not ${kind}${hint}`);
  }
  const ndims = bytes[3];
  const headerLen = 4 + 4 * ndims;
  if (bytes.length < headerLen) {
    throw new MnistError('MNIST_TRUNCATED', `${path}: file ends inside its header (${bytes.length} of ${headerLen} bytes)`);
  }
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const need = dims.reduce((a, b) => a * b, 1);
  const have = bytes.length - headerLen;
  if (have < need) {
    const per = dims.slice(1).reduce((a, b) => a * b, 1);
    throw new MnistError('MNIST_TRUNCATED',
      `${path}: truncated: header promises ${dims[0]} records (${need} bytes of data) but the file holds ${have} bytes (${Math.floor(have / per)} whole records); download the file again`);
  }
  return { path, dims, data: bytes.subarray(headerLen, headerLen + need) };
}

/** Reads an idx images file: [count, rows, cols] bytes. */
export function readIdxImages(path: string): IdxArray {
  const a = parseIdx(readMaybeGzip(path), path, IDX_IMAGES_MAGIC);
  if (a.dims.length !== 3) {
    throw new MnistError('MNIST_BAD_MAGIC', `${path}: images file has ${a.dims.length} dimensions, expected 3 (count, rows, cols)`);
  }
  return a;
}

/** Reads an idx labels file: [count] bytes. */
export function readIdxLabels(path: string): IdxArray {
  const a = parseIdx(readMaybeGzip(path), path, IDX_LABELS_MAGIC);
  if (a.dims.length !== 1) {
    throw new MnistError('MNIST_BAD_MAGIC', `${path}: labels file has ${a.dims.length} dimensions, expected 1 (count)`);
  }
  return a;
}

/** A decoded images + labels pair: `images` is [count, rows * cols] scaled to [0, 1], `labels` the class bytes. */
export interface MnistArrays {
  count: number;
  rows: number;
  cols: number;
  images: Float32Array;
  labels: Uint8Array;
}

/** Reads an images file and its labels file, checking that their counts agree. */
export function readMnistPair(imagesPath: string, labelsPath: string): MnistArrays {
  const img = readIdxImages(imagesPath);
  const lab = readIdxLabels(labelsPath);
  if (img.dims[0] !== lab.dims[0]) {
    throw new MnistError('MNIST_COUNT_MISMATCH',
      `${imagesPath} holds ${img.dims[0]} images but ${labelsPath} holds ${lab.dims[0]} labels; pair each images file with its own labels file`);
  }
  const images = new Float32Array(img.data.length);
  const src = img.data;
  for (let i = 0; i < src.length; i++) images[i] = src[i] / 255;
  return { count: img.dims[0], rows: img.dims[1], cols: img.dims[2], images, labels: lab.data };
}

/** True when `path` exists (file or directory). */
export function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}
