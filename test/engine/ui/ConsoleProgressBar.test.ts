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
