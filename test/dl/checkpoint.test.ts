/** Checkpoint files round-trip every field and reject foreign, truncated or missing files with the file named. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpoint, saveCheckpoint, resolveCheckpoint, type CheckpointState } from '../../dl/checkpoint.ts';

const state = (iteration: number): CheckpointState => ({
  iteration, epoch: 2, position: 40, rngState: [1, 2, 3, 4294967295], loss: 0.25, score: 0.9,
  scheduleState: { t: 3, best: 'Infinity' }, numSamples: 100, featureLength: 4,
  weights: Float32Array.from([1, -2, 3.5]), optimState: [Float32Array.from([0.5, 0.25, 0]), Float32Array.of(7)],
  buffers: [Float32Array.from([9, 8])],
});

test('a checkpoint round-trips weights, optimizer state, buffers and loop state', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-ckpt-'));
  try {
    const path = saveCheckpoint(dir, state(12));
    assert.equal(path, join(dir, 'checkpoint-00000012.flint'));
    saveCheckpoint(dir, state(3));
    assert.equal(resolveCheckpoint(dir), path, 'the directory resolves to the newest checkpoint');
    assert.deepEqual(loadCheckpoint(dir), state(12));
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('a foreign, truncated or missing checkpoint fails naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-ckpt-'));
  try {
    const path = saveCheckpoint(dir, state(1));
    writeFileSync(path, readFileSync(path).subarray(0, readFileSync(path).length - 5));
    assert.throws(() => loadCheckpoint(path), (e: Error & { code?: string }) => e.code === 'DL_BAD_CHECKPOINT' && e.message.includes(path) && /truncated/.test(e.message));
    const foreign = join(dir, 'other.bin');
    writeFileSync(foreign, 'hello world, not a checkpoint');
    assert.throws(() => loadCheckpoint(foreign), /other.bin is not a Flint checkpoint/);
    const empty = mkdtempSync(join(tmpdir(), 'flint-ckpt-'));
    assert.throws(() => loadCheckpoint(empty), /no checkpoint-\*\.flint file in/);
    rmSync(empty, { recursive: true });
  } finally {
    rmSync(dir, { recursive: true });
  }
});
