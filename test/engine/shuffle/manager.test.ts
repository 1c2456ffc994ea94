/** The pluggable shuffle and broadcast: implementations chosen by flint.shuffle.manager / flint.broadcast.factory, validated like other conf keys, and used by the executor. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serialize } from 'node:v8';
import { FlintContext, FlintError } from '../../../engine/index.ts';
import { FlintConf } from '../../../engine/conf.ts';
import { SHUFFLE_MANAGERS, shuffleManager, sortShuffleManager, type ShuffleManager } from '../../../engine/shuffle/index.ts';
import { BROADCAST_FACTORIES, FileBroadcastFactory, type BroadcastFactory } from '../../../engine/broadcast/Broadcast.ts';
import { ExecutorRuntime } from '../../../engine/executor/Executor.ts';

const badConf = (key: string, ...patterns: RegExp[]) => (e: unknown) =>
  e instanceof FlintError && e.code === 'BAD_CONF' && e.message.includes(key) && patterns.every((p) => p.test(e.message));

test("the defaults are the 'sort' shuffle and the 'file' broadcast, and a job runs with them named explicitly", async () => {
  assert.equal(new FlintConf().get('flint.shuffle.manager'), 'sort');
  assert.equal(new FlintConf().get('flint.broadcast.factory'), 'file');
  assert.equal(shuffleManager('sort'), sortShuffleManager);
  const ctx = await FlintContext.create({
    master: 'local[2]', conf: { 'flint.ui.showProgress': false, 'flint.shuffle.manager': 'sort', 'flint.broadcast.factory': 'file' },
  });
  try {
    const b = ctx.broadcast({ k: 10 });
    const out = await ctx.parallelize([1, 2, 3, 4, 5, 6], 3).map((x) => [x % 2, x * b.value.k] as [number, number], { b })
      .reduceByKey((x, y) => x + y).collect();
    assert.deepEqual(out.sort(), [[0, 120], [1, 90]]);
  } finally {
    await ctx.stop();
  }
});

test('an unknown shuffle manager or broadcast factory fails at create with BAD_CONF naming the key and the known names', async () => {
  await assert.rejects(FlintContext.create({ master: 'local[1]', conf: { 'flint.shuffle.manager': 'tungsten' } }),
    badConf('flint.shuffle.manager', /'tungsten'/, /sort/));
  await assert.rejects(FlintContext.create({ master: 'local[1]', conf: { 'flint.broadcast.factory': 'torrent' } }),
    badConf('flint.broadcast.factory', /'torrent'/, /file/));
  assert.throws(() => new FlintConf({ 'flint.shuffle.manager': 3 }).validate(), badConf('flint.shuffle.manager', /must be a string/));
});

test('the executor writes and reads shuffles and fetches broadcasts through the implementations its config names', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-pluggable-'));
  const calls: string[] = [];
  const counting: ShuffleManager = { ...sortShuffleManager, name: 'test-counting', remove: (id, d) => { calls.push(`remove ${id}`); return sortShuffleManager.remove(id, d); } };
  const fetched: number[] = [];
  SHUFFLE_MANAGERS.set(counting.name, counting);
  BROADCAST_FACTORIES.set('test-memory', (localDir) => {
    const files = new FileBroadcastFactory(path.join(localDir, 'broadcast'));
    const f: BroadcastFactory = { name: 'test-memory', publish: files.publish.bind(files), remove: files.remove.bind(files), fetch: (id) => { fetched.push(id); return serialize(`value ${id}`); } };
    return f;
  });
  try {
    const rt = new ExecutorRuntime({ executorId: 't0', localDir: dir, shuffleMemoryBytes: 1 << 20, storageMemoryBytes: 1 << 20, coresPerTask: 1, shuffleManager: 'test-counting', broadcastFactory: 'test-memory' });
    assert.equal(rt.shuffleManager, counting);
    assert.equal(rt.broadcastValue(7, 'nowhere'), 'value 7');
    assert.equal(rt.broadcastValue(7, 'nowhere'), 'value 7');
    assert.deepEqual(fetched, [7], 'fetched once, then kept');
    const plain = new ExecutorRuntime({ executorId: 't1', localDir: dir, shuffleMemoryBytes: 1 << 20, storageMemoryBytes: 1 << 20, coresPerTask: 1 });
    assert.equal(plain.shuffleManager, sortShuffleManager);
    assert.throws(() => plain.broadcastValue(8, path.join(dir, 'broadcast', 'gone.bin')), (e: unknown) => e instanceof FlintError && e.code === 'BROADCAST_DESTROYED');
    assert.throws(() => new ExecutorRuntime({ executorId: 't2', localDir: dir, shuffleMemoryBytes: 1, storageMemoryBytes: 1, coresPerTask: 1, shuffleManager: 'nope' }),
      badConf('flint.shuffle.manager'));
  } finally {
    SHUFFLE_MANAGERS.delete(counting.name);
    BROADCAST_FACTORIES.delete('test-memory');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
