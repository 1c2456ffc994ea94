/** Distributed training on the engine: equal to local training, resumable, fault tolerant, and model averaging checked against synchronous SGD. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { withUnwritable } from '../fixtures/unwritable.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlintContext, nn, optim, Optimizer, Trigger, Top1Accuracy, Loss, Model, type Sample } from '../../index.ts';

const conf = { 'flint.ui.showProgress': false };

/** n samples of 6 features and 3 classes from a fixed LCG. */
function dataset(n: number, seed = 1): Sample[] {
  let s = seed;
  const r = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
  return Array.from({ length: n }, () => {
    const f = Float32Array.from({ length: 6 }, r);
    return { features: f, label: (f[0] + f[1] > 0 ? 1 : 0) + (f[2] > 0 ? 1 : 0) };
  });
}

function mlp(): nn.Sequential {
  return new nn.Sequential(new nn.Linear(6, 16), new nn.Tanh(), new nn.Linear(16, 3));
}

function weights(m: nn.Module): Float32Array {
  return Float32Array.from(m.parameters().flatMap((p) => [...p.data]));
}

/** Largest |a - b| / (|a| + |b| + 1e-3) * 2: 0 for equal vectors. */
function maxRelDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, (2 * Math.abs(a[i] - b[i])) / (Math.abs(a[i]) + Math.abs(b[i]) + 1e-3));
  return d;
}

const samples = dataset(203);
const base = mlp();

function train(data: Sample[] | ReturnType<FlintContext['parallelize']>, extra: Record<string, unknown> = {}): Promise<{ model: nn.Sequential; opt: Optimizer }> {
  const model = mlp();
  model.loadStateDict(base.stateDict());
  const opt = new Optimizer({
    model, data: data as Sample[], criterion: new nn.CrossEntropyLoss(), batchSize: 20,
    optimMethod: new optim.SGD({ lr: 0.1, momentum: 0.9 }), endWhen: Trigger.maxIteration(25), shuffle: false, ...extra,
  });
  return opt.optimize().then(() => ({ model, opt }));
}

let local: Float32Array;

describe('distributed training on local[2]', () => {
  let ctx: FlintContext;
  before(async () => {
    ctx = await FlintContext.create({ master: 'local[2]', conf });
    local = weights((await train(samples, { mode: 'local' })).model);
  });
  after(async () => { await ctx.stop(); });

  test('synchronous training on 2 slots equals local training with the same global batch (25 momentum steps, uneven last batch)', async () => {
    const { model, opt } = await train(ctx.parallelize(samples, 3));
    assert.equal(opt.summary!.mode, 'distributed');
    assert.equal(opt.summary!.iteration, 25);
    assert.ok(maxRelDiff(weights(model), local) < 1e-5, `distributed weights differ from local by ${maxRelDiff(weights(model), local)}`);
    ctx.dagScheduler.assertDataStructuresEmpty();
  });

  test('the equality check fails when workers read weights one iteration stale (the check can fail)', async () => {
    const { model } = await train(ctx.parallelize(samples, 2), { staleWeights: 1 });
    assert.ok(maxRelDiff(weights(model), local) > 1e-3, 'stale weights must change the result');
  });

  test('every group size gives the same weights; groups are submitted together and queue ahead on their slots', async () => {
    for (const groupSize of [1, 7, 'auto'] as const) {
      const { model, opt } = await train(ctx.parallelize(samples, 2), { groupSize });
      assert.ok(maxRelDiff(weights(model), local) < 1e-5, `groupSize ${groupSize}`);
      assert.ok(opt.summary!.timing!.iterations >= 1);
    }
  });

  test('model averaging with tau = 1 equals synchronous SGD without momentum', async () => {
    const sgd = { optimMethod: new optim.SGD({ lr: 0.2 }) };
    const sync = weights((await train(ctx.parallelize(samples, 2), sgd)).model);
    const avg = await train(ctx.parallelize(samples, 2), { ...sgd, optimMethod: new optim.SGD({ lr: 0.2 }), mode: 'average', tau: 1 });
    assert.equal(avg.opt.summary!.mode, 'average');
    assert.ok(maxRelDiff(weights(avg.model), sync) < 1e-5, `averaging differs from sync SGD by ${maxRelDiff(weights(avg.model), sync)}`);
  });

  test('model averaging with tau = 4 trains (loss falls) and differs from synchronous SGD', async () => {
    const avg = await train(ctx.parallelize(samples, 2), { optimMethod: new optim.SGD({ lr: 0.2 }), mode: 'average', tau: 4, endWhen: Trigger.maxEpoch(3) });
    const m = Model.fromModule(avg.model);
    const [acc] = await m.evaluate(samples, [new Top1Accuracy()]);
    assert.ok(acc.value > 0.6, `accuracy ${acc.value}`);
  });

  test('fp16 compression of slices trains to nearly the float32 weights', async () => {
    const { model } = await train(ctx.parallelize(samples, 2), { compress: 'fp16' });
    const d = maxRelDiff(weights(model), local);
    assert.ok(d > 0 && d < 0.05, `fp16 weights differ by ${d}`);
  });

  test('a distributed run resumed from its checkpoint ends bit-identical to the uninterrupted run (shuffled epochs)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flint-dist-ckpt-'));
    try {
      const shuffled = { shuffle: true, seed: 7, endWhen: Trigger.maxIteration(30) };
      const full = await train(ctx.parallelize(samples, 2), { ...shuffled, checkpoint: { path: dir, trigger: Trigger.severalIteration(15) } });
      const files = readdirSync(dir).sort();
      assert.deepEqual(files, ['checkpoint-00000015.flint', 'checkpoint-00000030.flint']);
      const resumed = await train(ctx.parallelize(samples, 2), { ...shuffled, resumeFrom: join(dir, files[0]) });
      assert.deepEqual(weights(resumed.model), weights(full.model));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a training set larger than the executors\' memory trains from disk with the same batches (shuffled windows, several epochs)', async () => {
    const small = await FlintContext.create({ master: 'local[2]', conf: { ...conf, 'flint.storage.memoryBytes': 256 } });
    try {
      const opts = { shuffle: true, seed: 3, endWhen: Trigger.maxEpoch(3), shuffleWindowBytes: 3 * 10 * 6 * 4 };
      const lines: string[] = [];
      const onDisk = await train(small.parallelize(samples, 2), { ...opts, log: (l: string) => lines.push(l) });
      assert.match(lines.join('\n'), /cached on slots local-0, local-1 \(0 of 2 in memory, the rest on disk\)/);
      const inMemory = await train(ctx.parallelize(samples, 2), opts);
      assert.equal(onDisk.opt.summary!.epoch, 3);
      assert.deepEqual(weights(onDisk.model), weights(inMemory.model));
    } finally {
      await small.stop();
    }
  });

  test('a model-averaging run with momentum resumed from its checkpoint ends bit-identical to the uninterrupted run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flint-avg-ckpt-'));
    try {
      const avg = { mode: 'average', tau: 3, shuffle: true, seed: 5, endWhen: Trigger.maxIteration(12) };
      const full = await train(ctx.parallelize(samples, 2), { ...avg, checkpoint: { path: dir, trigger: Trigger.severalIteration(6) } });
      const resumed = await train(ctx.parallelize(samples, 2), { ...avg, resumeFrom: join(dir, 'checkpoint-00000006.flint') });
      assert.deepEqual(weights(resumed.model), weights(full.model));
      await assert.rejects(async () => train(ctx.parallelize(samples, 2), { resumeFrom: join(dir, 'checkpoint-00000006.flint') }), /written by model averaging/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('validation over an RDD runs on the executors and matches evaluating the trained model', async () => {
    const val = ctx.parallelize(dataset(97, 5), 2);
    const { model, opt } = await train(ctx.parallelize(samples, 2), { endWhen: Trigger.maxEpoch(2), validation: { trigger: Trigger.everyEpoch(), data: val, metrics: [new Top1Accuracy(), new Loss()] } });
    const v = opt.summary!.validations;
    assert.equal(v.length, 2);
    const direct = await Model.fromModule(model).evaluate(dataset(97, 5), [new Top1Accuracy(), new Loss()]);
    assert.ok(Math.abs(v[1].results[0].value - direct[0].value) < 1e-6);
    assert.ok(Math.abs(v[1].results[1].value - direct[1].value) < 1e-4);
  });

  test('bad distributed options fail naming the option', async () => {
    await assert.rejects(async () => train(ctx.parallelize(samples, 2), { groupSize: 0 }), /groupSize must be a positive integer or 'auto', got 0/);
    await assert.rejects(async () => train(ctx.parallelize(samples, 2), { compress: 'int8' }), /compress must be 'none' or 'fp16'/);
    await assert.rejects(async () => train(ctx.parallelize(samples, 2), { mode: 'average', tau: 1.5 }), /tau must be a positive integer/);
    await assert.rejects(async () => train(samples, { mode: 'distributed' }), /mode 'distributed' trains on the executors and needs data as an RDD<Sample>/);
  });

  test('bad samples fail naming the global sample index, before any iteration', async () => {
    const bad = [...samples.slice(0, 50), { features: new Float32Array(6), label: 9 }, ...samples.slice(50)];
    await assert.rejects(train(ctx.parallelize(bad, 2)), /sample 50 has label 9, outside the class range \[0, 3\)/);
    const short = [...samples.slice(0, 10), { features: new Float32Array(5), label: 0 }];
    await assert.rejects(train(ctx.parallelize(short, 2)), /sample 10 has 5 features/);
  });
});

/** PIDs of this process's child processes (the executor processes of local-cluster), from /proc. */
function childPids(): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid) out.push(Number(d));
    } catch { /* gone */ }
  }
  return out;
}

describe('distributed training on local-cluster[2,1,512]', () => {
  let ctx: FlintContext;
  before(async () => {
    ctx = await FlintContext.create({ master: 'local-cluster[2,1,512]', conf });
    local ??= weights((await train(samples, { mode: 'local' })).model);
  });
  after(async () => { await ctx.stop(); });

  test('slices move between executor processes, never through files: equal to local training with the local directory and block stores unwritable', async () => {
    // prepared (cached) first, so that training proper can create no file but the segment's broadcast
    const data = ctx.parallelize(samples, 2);
    const blockDirs = readdirSync(join(ctx.localDir, 'blocks')).map((d) => join(ctx.localDir, 'blocks', d));
    const { model } = await withUnwritable([ctx.localDir, join(ctx.localDir, 'blocks'), ...blockDirs], () => train(data));
    assert.ok(maxRelDiff(weights(model), local) < 1e-5);
  });

  test('killing an executor process mid-training re-runs at most one group and ends with the uninterrupted weights', { timeout: 120_000 }, async () => {
    const lines: string[] = [];
    const long = { endWhen: Trigger.maxIteration(300), groupSize: 10, logEvery: 10, log: (l: string) => lines.push(l) };
    const reference = weights((await train(samples, { mode: 'local', endWhen: Trigger.maxIteration(300) })).model);
    const pids = childPids();
    assert.ok(pids.length >= 2, `expected executor processes, found ${pids.length}`);
    let killed = false;
    const timer = setInterval(() => {
      // kill once training has finished two groups (the per-iteration lines come at group ends)
      if (!killed && lines.filter((l) => l.startsWith('[Epoch')).length >= 2) {
        killed = true;
        process.kill(pids[1], 'SIGKILL');
      }
    }, 2);
    try {
      const { model, opt } = await train(ctx.parallelize(samples, 2), long);
      assert.equal(opt.summary!.iteration, 300);
      const failed = lines.filter((l) => /group of \d+ iterations from iteration \d+ failed/.test(l));
      assert.equal(failed.length, 1, lines.join('\n'));
      const [, size, from] = /group of (\d+) iterations from iteration (\d+) failed/.exec(failed[0])!;
      assert.ok(Number(size) <= 10 && Number(from) > 1, failed[0]);
      assert.ok(maxRelDiff(weights(model), reference) < 1e-4, `weights after recovery differ by ${maxRelDiff(weights(model), reference)}`);
    } finally {
      clearInterval(timer);
    }
  });
});
