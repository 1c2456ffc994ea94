/** moduleUrl: URLs of Flint's own modules built at run time name the .ts sources when Flint runs from them (test/package.test.ts checks the .js side in dist/). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { moduleUrl } from '../../engine/moduleUrl.ts';

test('moduleUrl resolves a sibling module against the caller and keeps .ts when running from sources', () => {
  const base = new URL('../../engine/rdd/RDD.ts', import.meta.url).href;
  assert.equal(moduleUrl('../serde/keys.ts', base), new URL('../../engine/serde/keys.ts', import.meta.url).href);
  assert.equal(moduleUrl('../executor/bootstrap.mjs', base), new URL('../../engine/executor/bootstrap.mjs', import.meta.url).href, 'other extensions are kept');
});
