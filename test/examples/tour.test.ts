/** The README tour (examples/tour.ts) runs as a user would run it and prints what the README shows. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

test('the tour example counts words, aggregates a CSV and reports bad input clearly', () => {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'examples/tour.ts'], { encoding: 'utf8', timeout: 120_000 });
  assert.match(out, /\[ 'the', 3 \]/);
  assert.match(out, /\|\s+eu\|\s+17\.5\|\s+8\.75\|\s+2\|/);
  assert.match(out, /\|\s+us\|\s+NULL\|\s+us,zz\|/);
  assert.match(out, /FAILFAST: csv: malformed record at .*bad\.csv:3: "us,zz"/);
  assert.match(out, /closure check: map function \(at examples\/tour\.ts:\d+\) uses 'k'/);
});
