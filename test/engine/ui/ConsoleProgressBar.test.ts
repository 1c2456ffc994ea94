/** The console progress line's format. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderProgress } from '../../../engine/ui/ConsoleProgressBar.ts';

test('renders [Stage id:====>   (done + running) / total] within the width', () => {
  const line = renderProgress([{ stageId: 3, name: 'x', numTasks: 40, completed: 12, running: 2 }], 60);
  assert.match(line, /^\[Stage 3:=+> +\(12 \+ 2\) \/ 40\]$/);
  assert.equal(line.length, 60);
  assert.equal(renderProgress([]), '');
  const two = renderProgress([{ stageId: 1, name: 'a', numTasks: 4, completed: 4, running: 0 }, { stageId: 2, name: 'b', numTasks: 4, completed: 0, running: 4 }], 80);
  assert.match(two, /^\[Stage 1:=+ *\(4 \+ 0\) \/ 4\]\[Stage 2:> *\(0 \+ 4\) \/ 4\]$/);
});

test('the bar redraws one line for stages running past the delay, and clears it on stop', async () => {
  const { ConsoleProgressBar } = await import('../../../engine/ui/ConsoleProgressBar.ts');
  const written: string[] = [];
  const out = { columns: 50, write: (s: string) => { written.push(s); return true; } } as unknown as NodeJS.WriteStream;
  let completed = 0;
  const bar = new ConsoleProgressBar(() => [{ stageId: 7, name: 'x', numTasks: 10, completed: completed++, running: 1 }], out);
  bar.start();
  await new Promise((r) => setTimeout(r, 1500));
  bar.stop();
  assert.ok(written.length >= 2, `redrawn: ${JSON.stringify(written)}`);
  assert.ok(written.every((w) => w.startsWith('\r')), 'always rewrites the same line');
  assert.ok(written.some((w) => /\[Stage 7:=*>? *\(\d+ \+ 1\) \/ 10\]/.test(w)));
  assert.match(written[written.length - 1], /^\r +\r$/, 'stop clears the line');
});

test('a context shows no bar when stderr is not a TTY or when flint.ui.showProgress is false', async () => {
  const { FlintContext } = await import('../../../engine/index.ts');
  const ctx = await FlintContext.create({ master: 'local', conf: { 'flint.ui.showProgress': false } });
  try {
    assert.equal((ctx as unknown as { progressBar: unknown }).progressBar, undefined);
  } finally {
    await ctx.stop();
  }
});
