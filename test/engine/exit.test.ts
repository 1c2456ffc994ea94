/** The application's footprint when the driver ends without ctx.stop(): a finished program exits, exit and signals clean up, a SIGKILLed driver's local dir is swept by the next context. Real driver processes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlintContext, sweepStaleLocalDirs } from '../../engine/index.ts';

const FIXTURE = new URL('../fixtures/engine/driverExit.ts', import.meta.url).pathname;

interface Driver {
  info: Promise<{ localDir: string; pids: number[]; sums: [number, number][] }>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  pid: number;
}

/** Starts the fixture driver; `exited` rejects if it is still running after `ms`. */
function driver(how: 'forget' | 'exit' | 'wait', parent: string, master: string, ms = 30_000): Driver {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, how, parent, master], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const info = new Promise<Driver extends { info: Promise<infer T> } ? T : never>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]));
    });
    child.on('exit', () => reject(new Error(`driver exited before reporting: ${out}`)));
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`driver (${how}, ${master}) still running after ${ms} ms`));
    }, ms);
    child.on('exit', (code, signal) => { clearTimeout(timer); resolve({ code, signal }); });
  });
  info.catch(() => undefined);
  return { info, exited, pid: child.pid! };
}

const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

async function allDead(pids: number[], ms: number): Promise<void> {
  const t0 = Date.now();
  while (pids.some(alive)) {
    if (Date.now() - t0 > ms) assert.fail(`executor processes ${pids.filter(alive).join(', ')} still alive after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a program that ends without ctx.stop() exits by itself, and its local dir and executors are gone', { timeout: 60_000 }, async () => {
  const parent = mkdtempSync(join(tmpdir(), 'flint-exit-test-'));
  try {
    const runs = [driver('forget', parent, 'local-cluster[2,1,256]'), driver('forget', parent, 'local[2]')];
    for (const d of runs) {
      const info = await d.info;
      assert.deepEqual(info.sums.sort(), [[0, 6], [1, 4]]);
      assert.deepEqual(await d.exited, { code: 0, signal: null });
      assert.equal(existsSync(info.localDir), false, `${info.localDir} was removed`);
      await allDead(info.pids, 5000);
    }
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});

test('process.exit() and SIGTERM without ctx.stop() remove the local dir and kill the executors', { timeout: 60_000 }, async () => {
  const parent = mkdtempSync(join(tmpdir(), 'flint-exit-test-'));
  try {
    const byExit = driver('exit', parent, 'local-cluster[1,1,256]');
    const bySignal = driver('wait', parent, 'local-cluster[1,1,256]');
    const a = await byExit.info;
    const b = await bySignal.info;
    process.kill(bySignal.pid, 'SIGTERM');
    assert.deepEqual(await byExit.exited, { code: 0, signal: null });
    assert.deepEqual(await bySignal.exited, { code: null, signal: 'SIGTERM' });
    for (const info of [a, b]) {
      assert.equal(existsSync(info.localDir), false, `${info.localDir} was removed`);
      await allDead(info.pids, 5000);
    }
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});

test('a SIGKILLed driver\'s executors exit, and the next context on the host sweeps its local dir', { timeout: 60_000 }, async () => {
  const parent = mkdtempSync(join(tmpdir(), 'flint-exit-test-'));
  try {
    const d = driver('wait', parent, 'local-cluster[1,1,256]');
    const info = await d.info;
    process.kill(d.pid, 'SIGKILL');
    await d.exited;
    await allDead(info.pids, 5000);
    assert.equal(existsSync(info.localDir), true, 'nothing could clean up after SIGKILL');
    const ctx = await FlintContext.create({ master: 'local[1]', conf: { 'flint.ui.showProgress': false, 'flint.local.dir': parent } });
    try {
      assert.equal(existsSync(info.localDir), false, 'the stale dir of the dead driver was swept');
      assert.equal(existsSync(ctx.localDir), true);
      assert.deepEqual(sweepStaleLocalDirs(parent), [], 'a live context\'s dir is never swept');
    } finally {
      await ctx.stop();
    }
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});
