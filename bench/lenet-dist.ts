/**
 * Distributed training against its baselines, in one run: LeNet-5 on Fashion-MNIST, global batch 128,
 * SGD lr 0.05 momentum 0.9.
 * - samples/s of the training loop: distributed on local[2] (1 onnxruntime thread per slot) with
 *   groupSize auto, 1 and 10; one slot (distributed on local[1], and local training on the driver, 1
 *   thread); PyTorch with 2 threads (bench/lenet_torch.py, Debian's python3-torch);
 * - the time split per iteration (parameter sync, scheduling) and the time to a trained model (the
 *   whole optimize() from an RDD: counting, caching, compiling included);
 * - test accuracy after E epochs, distributed against local training with the same hyperparameters;
 * - an MLP of ~4.8M parameters, where the sync cost shows: its time split per iteration.
 *
 * Usage: node --import tsx bench/lenet-dist.ts [--iters 300] [--epochs 5] [--no-torch] [--no-mlp]
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { FlintContext, nn, optim, Optimizer, Trigger, Top1Accuracy, type Sample, type RDD } from '../index.ts';
import { FASHION_MNIST_DIR, loadMnist, mnistSamples } from '../connectors/mnist/index.ts';
import type { GroupStats } from '../dl/distributed/training.ts';
import { lenet, mlp } from './models.ts';
import { recordRun } from './record.ts';

recordRun();

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
}
const iters = Number(arg('iters', '300'));
const epochs = Number(arg('epochs', '5'));
const withTorch = !process.argv.includes('--no-torch');
const withMlp = !process.argv.includes('--no-mlp');
const BATCH = 128;
const conf = { 'flint.ui.showProgress': false };

if (!existsSync(FASHION_MNIST_DIR)) {
  console.error(`Fashion-MNIST is not installed at ${FASHION_MNIST_DIR}: apt-get install -y dataset-fashion-mnist`);
  process.exit(2);
}



interface Run { rate: number; wallSeconds: number; loopSeconds: number; timing?: GroupStats; accuracy?: number; summary: Optimizer['summary'] }

async function train(model: nn.Module, data: Sample[] | RDD<Sample>, opts: Record<string, unknown>): Promise<Run> {
  const t0 = performance.now();
  const opt = new Optimizer({
    model, data: data as Sample[], criterion: new nn.CrossEntropyLoss(), batchSize: BATCH,
    optimMethod: new optim.SGD({ lr: 0.05, momentum: 0.9 }), endWhen: Trigger.maxIteration(iters), seed: 0, ...opts,
  });
  const trained = await opt.optimize();
  const wallSeconds = (performance.now() - t0) / 1000;
  await trained.dispose();
  const s = opt.summary!;
  const v = s.validations.at(-1);
  return { rate: s.samplesTrained / s.loopSeconds, wallSeconds, loopSeconds: s.loopSeconds, timing: s.timing, accuracy: v?.results[0].value, summary: s };
}

/** Shares of an iteration's wall time: the sync job (aggregate, update, put weights) and the driver's scheduling. */
function split(t: GroupStats | undefined): string {
  if (t === undefined) return '';
  const perIter = t.wallMs / t.iterations;
  const slots = Object.values(t.perSlot);
  const mean = (f: (s: GroupStats['perSlot'][string]) => number) => slots.reduce((a, s) => a + f(s), 0) / slots.length;
  const sync = mean((s) => s.aggregate + s.update + s.putWeights);
  const exchange = mean((s) => s.getWeights + s.putGradients + s.aggregate + s.putWeights);
  const compute = mean((s) => s.compute);
  return `${perIter.toFixed(2)} ms/iter (over ${t.iterations} iterations): compute ${compute.toFixed(2)} ms, param-sync job ${(100 * sync / perIter).toFixed(1)}%, ` +
    `all exchange waits+copies ${(100 * exchange / perIter).toFixed(1)}%, scheduling ${(100 * t.schedulingMs / t.wallMs).toFixed(1)}%`;
}

/** Each slot's ms per iteration in each part (BigDL's breakdown). */
function perSlot(t: GroupStats): void {
  for (const [slot, s] of Object.entries(t.perSlot).sort()) {
    say(`  ${slot} ms/iter: get weights ${s.getWeights.toFixed(2)}, compute ${s.compute.toFixed(2)}, put gradients ${s.putGradients.toFixed(2)}, aggregate ${s.aggregate.toFixed(2)}, update ${s.update.toFixed(2)}, put weights ${s.putWeights.toFixed(2)}`);
  }
}

const trainArrays = loadMnist(FASHION_MNIST_DIR, 'train');
const testArrays = loadMnist(FASHION_MNIST_DIR, 'test');
const trainArr = mnistSamples(trainArrays);
const testArr = mnistSamples(testArrays);
console.log(`Fashion-MNIST ${trainArr.length} train / ${testArr.length} test; LeNet-5, batch ${BATCH}, SGD lr 0.05 momentum 0.9; ${iters} iterations per throughput run; load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ')}`);

const lines: string[] = [];
const say = (l: string) => {
  lines.push(l);
  console.log(l);
};

// ---- one slot ----
const local1 = await train(lenet(), trainArr, { mode: 'local', threads: 1 });
say(`local training on the driver, 1 thread: ${local1.rate.toFixed(0)} samples/s`);
const ctx1 = await FlintContext.create({ master: 'local[1]', conf });
const dist1 = await train(lenet(), ctx1.readFormat<Sample>('mnist', FASHION_MNIST_DIR, { split: 'train' }), { threads: 1 });
say(`distributed, local[1] (1 slot, 1 thread): ${dist1.rate.toFixed(0)} samples/s; ${split(dist1.timing)}`);
await ctx1.stop();

// ---- two slots ----
const ctx2 = await FlintContext.create({ master: 'local[2]', conf });
const rdd = () => ctx2.readFormat<Sample>('mnist', FASHION_MNIST_DIR, { split: 'train' });
const dist2: Record<string, Run> = {};
for (const g of ['auto', 1, 10] as const) {
  dist2[String(g)] = await train(lenet(), rdd(), { threads: 1, groupSize: g });
  say(`distributed, local[2], groupSize ${g}: ${dist2[String(g)].rate.toFixed(0)} samples/s; ${split(dist2[String(g)].timing)}; optimize() ${dist2[String(g)].wallSeconds.toFixed(2)} s (loop ${dist2[String(g)].loopSeconds.toFixed(2)} s)`);
  if (g === 'auto') perSlot(dist2.auto.timing!);
}
const localFromRdd = await train(lenet(), rdd(), { mode: 'local', threads: 2 });
say(`time to a trained model (${iters} iterations) from the RDD: distributed local[2] ${dist2.auto.wallSeconds.toFixed(2)} s, local training on 2 threads (collects the RDD) ${localFromRdd.wallSeconds.toFixed(2)} s (loop ${localFromRdd.loopSeconds.toFixed(2)} s, ${localFromRdd.rate.toFixed(0)} samples/s)`);

let torch2: number | undefined;
if (withTorch) {
  const out = execFileSync('/usr/bin/python3', [new URL('./lenet_torch.py', import.meta.url).pathname, '--data', FASHION_MNIST_DIR, '--threads', '2', '--iters', String(iters)], { encoding: 'utf8' });
  torch2 = (JSON.parse(out.trim().split('\n').pop()!) as { train: Record<string, number> }).train['2'];
  say(`PyTorch, 2 threads: ${torch2.toFixed(0)} samples/s`);
}
say(`ratio distributed local[2] (auto) / 1 slot distributed: ${(dist2.auto.rate / dist1.rate).toFixed(2)} (target >= 1.8); / local training 1 thread: ${(dist2.auto.rate / local1.rate).toFixed(2)}`);
if (torch2) say(`ratio distributed local[2] (auto) / PyTorch 2 threads: ${(dist2.auto.rate / torch2).toFixed(2)} (target >= 1.5)`);

// ---- accuracy ----
if (epochs > 0) {
  const val = { trigger: Trigger.maxEpoch(epochs), metrics: [new Top1Accuracy()] };
  const accLocal = await train(lenet(), trainArr, { mode: 'local', threads: 2, endWhen: Trigger.maxEpoch(epochs), validation: { ...val, data: testArr } });
  const testRdd = ctx2.readFormat<Sample>('mnist', FASHION_MNIST_DIR, { split: 'test' });
  const accDist = await train(lenet(), rdd(), { threads: 1, endWhen: Trigger.maxEpoch(epochs), validation: { ...val, data: testRdd } });
  say(`test accuracy after ${epochs} epochs: distributed local[2] ${accDist.accuracy!.toFixed(4)} (${accDist.wallSeconds.toFixed(1)} s), local training ${accLocal.accuracy!.toFixed(4)} (${accLocal.wallSeconds.toFixed(1)} s); difference ${(100 * (accDist.accuracy! - accLocal.accuracy!)).toFixed(2)} points (target within 0.3)`);
}

// ---- a large model ----
if (withMlp) {
  const mlpIters = Math.max(20, Math.round(iters / 5));
  const big = await train(mlp(), rdd(), { threads: 1, endWhen: Trigger.maxIteration(mlpIters) });
  const params = mlp().parameters().reduce((a, p) => a + p.data.length, 0);
  say(`MLP ${params} parameters, distributed local[2]: ${big.rate.toFixed(0)} samples/s; ${split(big.timing)}`);
  perSlot(big.timing!);
  const bigLocal = await train(mlp(), trainArr, { mode: 'local', threads: 1, endWhen: Trigger.maxIteration(mlpIters) });
  say(`MLP local training, 1 thread: ${bigLocal.rate.toFixed(0)} samples/s; ratio distributed/local ${(big.rate / bigLocal.rate).toFixed(2)}`);
}
await ctx2.stop();
console.log('\nsummary\n' + lines.join('\n'));
