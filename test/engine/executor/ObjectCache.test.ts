/** The executor object cache: one creation per key, disposal on delete, failed creations leave nothing; and tasks see it across jobs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlintContext, moduleRef } from '../../../engine/index.ts';
import { ObjectCache } from '../../../engine/executor/ObjectCache.ts';

test('getOrCreate creates once per key even when asked concurrently, and delete disposes', async () => {
  const cache = new ObjectCache();
  let created = 0;
  const disposed: string[] = [];
  const make = async () => { created++; await new Promise((r) => setTimeout(r, 5)); return { name: 'session' }; };
  const [a, b] = await Promise.all([cache.getOrCreate('k', make, (v) => { disposed.push(v.name); }), cache.getOrCreate('k', make)]);
  assert.equal(a, b);
  assert.equal(created, 1);
  assert.deepEqual(cache.keys(), ['k']);
  assert.equal(await cache.delete('k'), true);
  assert.deepEqual(disposed, ['session']);
  assert.equal(cache.has('k'), false);
});

test('a failed creation leaves no entry; clear(prefix) disposes matching entries', async () => {
  const cache = new ObjectCache();
  await assert.rejects(cache.getOrCreate('bad', () => { throw new Error('no model'); }), /no model/);
  await new Promise((r) => setImmediate(r));
  assert.equal(cache.has('bad'), false);
  const gone: string[] = [];
  await cache.getOrCreate('ort/a', () => 'a', (v) => { gone.push(v); });
  await cache.getOrCreate('ort/b', () => 'b', (v) => { gone.push(v); });
  await cache.getOrCreate('other', () => 'c', (v) => { gone.push(v); });
  await cache.clear('ort/');
  assert.deepEqual(gone.sort(), ['a', 'b']);
  assert.deepEqual(cache.keys(), ['other']);
});

test('objects cached by tasks outlive the job: a later job on the same executor finds them', async () => {
  const ctx = await FlintContext.create({ master: 'local[1]', conf: { 'flint.ui.showProgress': false } });
  try {
    const builds = ctx.longAccumulator();
    const run = () => ctx.parallelize([1, 2, 3], 3).mapPartitions(async function* (it, tc) {
      const model = await tc.objectCache.getOrCreate('model', () => { builds.add(1); return { scale: 10 }; });
      for (const x of it) yield x * model.scale;
    }, { builds }).collect();
    assert.deepEqual(await run(), [10, 20, 30]);
    assert.deepEqual(await run(), [10, 20, 30]);
    assert.equal(builds.value, 1, 'built once for three tasks and two jobs');
    assert.deepEqual((await ctx.executorStats())[0].objects, ['model']);
    await ctx.clearExecutorObjects();
    assert.deepEqual((await ctx.executorStats())[0].objects, []);
  } finally {
    await ctx.stop();
  }
});

test('stopping the context disposes what tasks cached', async () => {
  const { mkdtempSync, readdirSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const marks = mkdtempSync(join(tmpdir(), 'flint-dispose-'));
  const ctx = await FlintContext.create({ master: 'local[2]', conf: { 'flint.ui.showProgress': false } });
  try {
    await ctx.parallelize([1, 2], 2).foreachPartition(async (it, tc) => {
      await tc.objectCache.getOrCreate('session', () => ({ id: tc.executorId }), (s) => { writeFileSync(join(dir, s.id), 'disposed'); });
    }, { dir: marks, writeFileSync: moduleRef('node:fs', 'writeFileSync'), join: moduleRef('node:path', 'join') });
  } finally {
    await ctx.stop();
  }
  try {
    assert.deepEqual(readdirSync(marks).sort(), ['local-0', 'local-1']);
  } finally {
    rmSync(marks, { recursive: true, force: true });
  }
});

declare const writeFileSync: (file: string, data: string) => void;
declare const join: (...parts: string[]) => string;
declare const dir: string;
