/** The executor BlockManager: byte budget, LRU eviction, spilling evicted blocks to disk, shared blocks. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlockManager } from '../../../engine/storage/BlockManager.ts';
import { StorageLevel } from '../../../engine/storage/StorageLevel.ts';

const dir = mkdtempSync(join(tmpdir(), 'flint-bm-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('memory stays within the budget by evicting least recently used blocks', () => {
  const bm = new BlockManager('e1', join(dir, 'e1'), 1000);
  assert.ok(bm.put('a', [1], StorageLevel.MEMORY_ONLY, 400));
  assert.ok(bm.put('b', [2], StorageLevel.MEMORY_ONLY, 400));
  assert.deepEqual(bm.get('a'), [1]);
  assert.ok(bm.put('c', [3], StorageLevel.MEMORY_ONLY, 400));
  assert.ok(bm.memoryUsedBytes <= 1000);
  assert.equal(bm.has('b'), false, 'b was least recently used');
  assert.deepEqual(bm.get('a'), [1]);
  assert.deepEqual(bm.get('c'), [3]);
  const updates = bm.takeUpdates();
  assert.ok(updates.some((u) => u.blockId === 'b' && !u.inMemory && !u.onDisk), 'the eviction is reported');
});

test('MEMORY_AND_DISK blocks evicted from memory go to disk and read back', () => {
  const bm = new BlockManager('e2', join(dir, 'e2'), 1000);
  bm.put('x', ['x-values'], StorageLevel.MEMORY_AND_DISK, 600);
  bm.put('y', ['y-values'], StorageLevel.MEMORY_AND_DISK, 600);
  assert.deepEqual(bm.get('x'), ['x-values'], 'read back from disk');
  assert.deepEqual(bm.get('y'), ['y-values']);
  assert.ok(bm.put('big', ['big'], StorageLevel.MEMORY_AND_DISK, 5000), 'too big for memory: straight to disk');
  assert.deepEqual(bm.get('big'), ['big']);
  assert.equal(bm.put('big2', ['big2'], StorageLevel.MEMORY_ONLY, 5000), false, 'MEMORY_ONLY too big is not stored');
  assert.ok(bm.put('d', ['d'], StorageLevel.DISK_ONLY));
  assert.deepEqual(bm.get('d'), ['d']);
  assert.equal(bm.memoryUsedBytes <= 1000, true);
});

test('removeRdd drops every block of an RDD', () => {
  const a = new BlockManager('a', join(dir, 'a'), 10000);
  a.put('rdd_7_0', [1], StorageLevel.MEMORY_ONLY);
  a.put('rdd_7_1', [2], StorageLevel.DISK_ONLY);
  a.put('rdd_8_0', [3], StorageLevel.MEMORY_ONLY);
  assert.equal(a.removeRdd(7), 2);
  assert.deepEqual(a.blockIds(), ['rdd_8_0']);
});

