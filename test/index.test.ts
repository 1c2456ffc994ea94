/** The public entry point loads and exposes the engine's API. */
import { test } from 'node:test';
import assert from 'node:assert/strict';

test('index.ts loads without error', async () => {
  const flint = await import('../index.ts');
  assert.equal(typeof flint, 'object');
});
