/** Tests of TaskContext: completion listeners. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TaskContext, type ExecutorEnv } from '../../../engine/executor/TaskContext.ts';

function newContext(): TaskContext {
  return new TaskContext(0, 0, 0, 0, 0, { executorId: 'e0' } as ExecutorEnv);
}

test('complete runs every completion listener when an earlier one throws, then throws the first error', async () => {
  const tc = newContext();
  const ran: string[] = [];
  tc.addCompletionListener(() => { ran.push('a'); throw new Error('first listener failed'); });
  tc.addCompletionListener(async () => { ran.push('b'); throw new Error('second listener failed'); });
  tc.addCompletionListener(() => { ran.push('c'); });
  await assert.rejects(tc.complete(), /first listener failed/);
  assert.deepEqual(ran, ['a', 'b', 'c']);
});

test('complete runs each listener once', async () => {
  const tc = newContext();
  let calls = 0;
  tc.addCompletionListener(() => { calls++; });
  await tc.complete();
  await tc.complete();
  assert.equal(calls, 1);
});
