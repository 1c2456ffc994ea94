/** Tests of the executor runtime: what a failed task releases. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FlintContext } from '../../../engine/index.ts';
import '../../../connectors/text/index.ts';

test('a task whose action function throws closes the file its text source was reading', { skip: !fs.existsSync('/proc/self/fd') }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-executor-test-'));
  const file = path.join(dir, 'lines.txt');
  fs.writeFileSync(file, Array.from({ length: 50_000 }, (_, i) => `line ${i}`).join('\n'));
  const ctx = await FlintContext.create({ master: 'local[1]', conf: { 'flint.ui.showProgress': false } });
  const openOnFile = () => fs.readdirSync('/proc/self/fd').filter((fd) => {
    try { return fs.readlinkSync(`/proc/self/fd/${fd}`) === file; } catch { return false; }
  }).length;
  try {
    await assert.rejects(ctx.textFile(file, 1).foreach((line) => { if (line === 'line 10') throw new Error('bad line'); }), /bad line/);
    assert.equal(openOnFile(), 0, 'the source file is closed when the task fails, without waiting for garbage collection');
  } finally {
    await ctx.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
