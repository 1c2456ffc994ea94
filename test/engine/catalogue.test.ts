/** The engine's one error catalogue: every code builds an error of its kind's class, the shuffle's factories carry their fields, and no second catalogue exists in engine/. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ENGINE_ERRORS, engineError, ShuffleFetchFailedError, shuffleBadPartition, shuffleBadSpec, shuffleCorrupt,
  shuffleRecordNotData, shuffleRecordNotPair, shuffleUnsortedSegment, type PlainEngineErrorCode,
} from '../../engine/catalogue.ts';
import { FlintError, FlintInternalError, FlintNotImplementedError, FlintUserError } from '../../engine/errors.ts';
import { ShuffleFetchFailedError as Exported } from '../../engine/shuffle/index.ts';

const ENGINE = fileURLToPath(new URL('../../engine/', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('every catalogued code builds an error of the class its kind names', () => {
  const classes = { user: FlintUserError, notImplemented: FlintNotImplementedError, internal: FlintInternalError } as const;
  for (const [code, { kind }] of Object.entries(ENGINE_ERRORS)) {
    if (kind === 'fetchFailed') continue;
    const e = engineError(code as PlainEngineErrorCode, 'm');
    assert.ok(e instanceof classes[kind], `${code} is a ${kind} error`);
    assert.equal(e.code, code);
  }
});

test('the shuffle errors come from the engine catalogue with their codes, classes and fields', () => {
  const fetch = new ShuffleFetchFailedError(3, 1, 2, 'exec-0', 'file gone');
  assert.ok(fetch instanceof FlintError && !(fetch instanceof FlintUserError) && !(fetch instanceof FlintInternalError));
  assert.deepEqual([fetch.code, fetch.shuffleId, fetch.mapId, fetch.reduceId, fetch.executorId], ['SHUFFLE_FETCH_FAILED', 3, 1, 2, 'exec-0']);
  assert.equal(Exported, ShuffleFetchFailedError, 'engine/shuffle re-exports the catalogue class');
  const cases: [FlintError, string, typeof FlintError][] = [
    [shuffleRecordNotPair(1, 0, 'x'), 'SHUFFLE_RECORD_NOT_PAIR', FlintUserError],
    [shuffleRecordNotData(1, 0, 'key', 'a function'), 'SHUFFLE_RECORD_NOT_DATA', FlintUserError],
    [shuffleBadPartition(1, 7, 2, 'k'), 'SHUFFLE_BAD_PARTITION', FlintUserError],
    [shuffleBadSpec('x'), 'SHUFFLE_BAD_SPEC', FlintInternalError],
    [shuffleCorrupt('f', 0, 'x'), 'SHUFFLE_CORRUPT', FlintInternalError],
    [shuffleUnsortedSegment('f'), 'SHUFFLE_UNSORTED_SEGMENT', FlintInternalError],
  ];
  for (const [e, code, cls] of cases) {
    assert.equal(e.code, code);
    assert.ok(e instanceof cls, `${code} is a ${cls.name}`);
    assert.equal(ENGINE_ERRORS[code as keyof typeof ENGINE_ERRORS].kind, cls === FlintUserError ? 'user' : 'internal');
  }
});

test('engine/ outside engine/sql has one catalogue, and every code it raises is in it', () => {
  const known = new Set(Object.keys(ENGINE_ERRORS));
  for (const file of sources(ENGINE)) {
    const rel = relative(ENGINE, file);
    if (rel.startsWith('sql/') || rel === 'catalogue.ts') continue;
    const text = readFileSync(file, 'utf8');
    assert.doesNotMatch(text, /export const [A-Z_]*ERRORS\b/, `${rel} defines a second error catalogue`);
    assert.doesNotMatch(text, /new Flint(User|Internal|NotImplemented)?Error\(/, `${rel} builds an error outside the catalogue`);
    for (const m of text.matchAll(/engineError\('([A-Z_]+)'/g)) assert.ok(known.has(m[1]), `${rel} raises ${m[1]}, which is not catalogued`);
  }
});
