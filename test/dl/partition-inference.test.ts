/** The map-stage inference function builds one predictor per executor and model, and batches a partition's records. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluatePartition, predictPartition, type ObjectCacheLike } from '../../dl/partition-inference.ts';

const dir = fileURLToPath(new URL('../fixtures/torch/', import.meta.url));
const ref = JSON.parse(readFileSync(join(dir, 'small-cnn.json'), 'utf8')) as { input: number[]; output: number[] };
const onnx = readFileSync(join(dir, 'small-cnn.onnx'));
const rows = Array.from({ length: 7 }, (_, i) => Float32Array.from(ref.input.slice(i * 64, (i + 1) * 64)));

class Cache implements ObjectCacheLike {
  created = 0;
  readonly m = new Map<string, Promise<unknown>>();
  disposers: (() => unknown)[] = [];
  getOrCreate<T>(key: string, create: () => T | Promise<T>, dispose?: (v: T) => unknown): Promise<T> {
    if (!this.m.has(key)) {
      this.created++;
      const p = Promise.resolve().then(create);
      this.m.set(key, p);
      this.disposers.push(async () => dispose?.(await p));
    }
    return this.m.get(key) as Promise<T>;
  }
}

test('partitions share one cached predictor and yield outputs in record order', async () => {
  const cache = new Cache();
  const tc = { objectCache: cache, executor: { coresPerTask: 1 } };
  const spec = { key: 'm1', mode: 'predict' as const, batchSize: 3 };
  const outs: Float32Array[] = [];
  for await (const o of predictPartition(rows.slice(0, 4), tc, spec, onnx)) outs.push(o as Float32Array);
  for await (const o of predictPartition(rows.slice(4).map((f) => ({ features: f, label: 0 })), tc, spec, { value: onnx })) outs.push(o as Float32Array);
  assert.equal(cache.created, 1);
  assert.equal(outs.length, 7);
  for (let i = 0; i < 7; i++) for (let j = 0; j < 5; j++) assert.ok(Math.abs(outs[i][j] - ref.output[i * 5 + j]) < 1e-5);
  const classes: number[] = [];
  for await (const c of predictPartition(rows, tc, { ...spec, mode: 'class' }, onnx)) classes.push(c as number);
  assert.deepEqual(classes, rows.map((_, i) => {
    const r = ref.output.slice(i * 5, i * 5 + 5);
    return r.indexOf(Math.max(...r));
  }));
  for (const d of cache.disposers) await d();
});

test('a record without features fails naming its index in the partition', async () => {
  const tc = { objectCache: new Cache() };
  const it = predictPartition([rows[0], { label: 1 }], tc, { key: 'm2', mode: 'predict', batchSize: 4 }, onnx);
  await assert.rejects((async () => { for await (const _ of it) { /* drain */ } })(), /record 1 of the partition is object/);
});

test('evaluation fails naming the record whose label does not match the first record\'s', async () => {
  const tc = { objectCache: new Cache() };
  const spec = { key: 'm3', mode: 'predict' as const, batchSize: 4 };
  const drain = (records: unknown[]) => (async () => {
    for await (const _ of evaluatePartition(records, tc, spec, onnx, [{ name: 'MAE' }])) { /* drain */ }
  })();
  // a number label after Float32Array labels of five values would fill one slot of five
  await assert.rejects(drain([{ features: rows[0], label: new Float32Array(5) }, { features: rows[1], label: 2 }]), /record 1 of the partition has label number/);
  await assert.rejects(drain([{ features: rows[0] }]), /record 0 of the partition has label undefined/);
});
