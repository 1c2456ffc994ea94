/** The flagship example (what `npm start` runs) trains LeNet-5 on the npm digits, infers as a map stage and saves ONNX. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test('the flagship example trains to a useful accuracy and writes a loadable ONNX file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-example-'));
  try {
    const onnx = join(dir, 'lenet.onnx');
    const out = execFileSync(process.execPath,
      ['--import', 'tsx', 'examples/lenet-mnist.ts', '--digits', '--epochs', '2', '--out', onnx],
      { encoding: 'utf8', timeout: 180_000 });
    const m = /test accuracy: ([\d.]+)% of (\d+)/.exec(out);
    assert.ok(m, `no accuracy line in:\n${out}`);
    assert.equal(Number(m[2]), 2000);
    assert.ok(Number(m[1]) > 85, `accuracy ${m[1]}% after 2 epochs on 8,000 digits`);
    assert.ok(existsSync(onnx));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
