/** The idx reader decodes raw and gzip MNIST files and rejects bad ones with errors naming the file. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { loadMnist, mnistSamples, readMnistPair, resolveMnistFiles, FASHION_MNIST_DIR } from '../../../connectors/mnist/index.ts';
import { fixtureLabel, fixturePixel, idxImages, idxLabels } from '../../fixtures/make-mnist-idx.ts';
import { existsSync } from 'node:fs';

const fixtures = fileURLToPath(new URL('../../fixtures/mnist/', import.meta.url));

test('reads raw idx images and labels, scaling pixels to [0, 1]', () => {
  const a = loadMnist(fixtures, 'train');
  assert.equal(a.count, 12);
  assert.equal(a.rows, 28);
  assert.equal(a.cols, 28);
  assert.equal(a.images.length, 12 * 784);
  assert.equal(a.images[5 * 784 + 3 * 28 + 4], Math.fround(fixturePixel(5, 3, 4) / 255));
  assert.deepEqual([...a.labels], Array.from({ length: 12 }, (_, r) => fixtureLabel(r)));
});

test('reads gzip idx files of the test half', () => {
  const a = loadMnist(fixtures, 'test');
  assert.equal(a.count, 6);
  assert.equal(a.images[2 * 784 + 27 * 28 + 27], Math.fround(fixturePixel(2, 27, 27) / 255));
  assert.equal(a.labels[4], fixtureLabel(4));
});

test('mnistSamples yields one Sample per record with its own features', () => {
  const s = mnistSamples(loadMnist(fixtures, 'train'), { start: 2, end: 5 });
  assert.equal(s.length, 3);
  assert.equal(s[0].label, fixtureLabel(2));
  assert.equal(s[0].features.length, 784);
  assert.equal(s[1].features[0], Math.fround(fixturePixel(3, 0, 0) / 255));
  assert.notEqual(s[0].features.buffer, s[1].features.buffer);
});

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'flint-idx-'));
}

test('a wrong magic number fails naming the file, and swapped files are called out', () => {
  const d = tmp();
  try {
    const bad = join(d, 'bad-images-idx3-ubyte');
    writeFileSync(bad, Buffer.from([0, 0, 9, 9, 0, 0, 0, 0]));
    const lab = join(d, 'bad-labels-idx1-ubyte');
    writeFileSync(lab, idxLabels([1]));
    assert.throws(() => readMnistPair(bad, lab), (e: Error & { code?: string }) =>
      e.code === 'MNIST_BAD_MAGIC' && e.message.includes(bad) && /is not images/.test(e.message));
    assert.throws(() => readMnistPair(lab, lab), /are images and labels swapped\?/);
  } finally {
    rmSync(d, { recursive: true });
  }
});

test('a truncated file fails naming the file and how many records it holds', () => {
  const d = tmp();
  try {
    const img = join(d, 'x-images-idx3-ubyte.gz');
    const full = idxImages(4, 28, 28, fixturePixel);
    writeFileSync(img, gzipSync(full.subarray(0, 16 + 784 * 2 + 100)));
    const lab = join(d, 'x-labels-idx1-ubyte');
    writeFileSync(lab, idxLabels([0, 1, 2, 3]));
    assert.throws(() => readMnistPair(img, lab), (e: Error & { code?: string }) =>
      e.code === 'MNIST_TRUNCATED' && e.message.includes(img) && /promises 4 records/.test(e.message) && /2 whole records/.test(e.message));
    const cut = join(d, 'cut-images-idx3-ubyte.gz');
    writeFileSync(cut, gzipSync(full).subarray(0, 200));
    assert.throws(() => readMnistPair(cut, lab), (e: Error & { code?: string }) => e.code === 'MNIST_TRUNCATED' && e.message.includes(cut));
  } finally {
    rmSync(d, { recursive: true });
  }
});

test('images and labels with different counts fail naming both files', () => {
  const d = tmp();
  try {
    const img = join(d, 'a-images-idx3-ubyte');
    writeFileSync(img, idxImages(3, 2, 2, () => 1));
    const lab = join(d, 'a-labels-idx1-ubyte');
    writeFileSync(lab, idxLabels([0, 1]));
    assert.throws(() => readMnistPair(img, lab), (e: Error & { code?: string }) =>
      e.code === 'MNIST_COUNT_MISMATCH' && e.message.includes(img) && e.message.includes(lab));
  } finally {
    rmSync(d, { recursive: true });
  }
});

test('file resolution finds labels next to an images file and reports missing files', () => {
  const f = resolveMnistFiles(join(fixtures, 'train-images-idx3-ubyte'));
  assert.equal(f.labels, join(fixtures, 'train-labels-idx1-ubyte'));
  assert.throws(() => resolveMnistFiles('/nonexistent/mnist'), /does not exist/);
  assert.throws(() => resolveMnistFiles(fixtures, 'valid' as 'train'), /split must be 'train' or 'test'/);
});

test('Fashion-MNIST from the Debian package resolves to its gzip files', { skip: !existsSync(FASHION_MNIST_DIR) && 'dataset-fashion-mnist not installed' }, () => {
  const f = resolveMnistFiles(FASHION_MNIST_DIR, 'test');
  assert.match(f.images, /t10k-images-idx3-ubyte\.gz$/);
  assert.match(f.labels, /t10k-labels-idx1-ubyte\.gz$/);
});
