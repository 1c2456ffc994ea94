/**
 * Where LeNet-5's training step spends its time: runs the Optimizer with onnxruntime's profiler on and
 * prints per-operator kernel time per step (and the slowest nodes with their shapes).
 *
 * Usage: node --import tsx bench/lenet_profile.ts [threads=1] [iterations=100]
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { nn, optim, Optimizer, Trigger } from '../dl/index.ts';
import { FASHION_MNIST_DIR, loadMnist, mnistSamples } from '../connectors/mnist/index.ts';
import { lenet } from './models.ts';
import { recordRun } from './record.ts';

recordRun();

const threads = Number(process.argv[2] ?? '1');
const iterations = Number(process.argv[3] ?? '100');
const dir = mkdtempSync(join(tmpdir(), 'flint-prof-'));

// Turn profiling on for every session the compiled step creates.
const create = ort.InferenceSession.create.bind(ort.InferenceSession) as (b: Uint8Array, o: ort.InferenceSession.SessionOptions) => Promise<ort.InferenceSession>;
(ort.InferenceSession as unknown as { create: typeof create }).create = (bytes, opts) =>
  create(bytes, { ...opts, enableProfiling: true, profileFilePrefix: join(dir, 'step') });

const train = mnistSamples(loadMnist(FASHION_MNIST_DIR, 'train'), { end: 128 * iterations });
const model = lenet();
const opt = new Optimizer({
  model, data: train, criterion: new nn.CrossEntropyLoss(), batchSize: 128,
  optimMethod: new optim.SGD({ lr: 0.05, momentum: 0.9 }), endWhen: Trigger.maxIteration(iterations), threads,
});
await (await opt.optimize()).dispose();
const s = opt.summary!;
console.log(`threads ${threads}: ${(s.samplesTrained / s.loopSeconds).toFixed(0)} samples/s, step ${(1000 * s.trainSeconds / s.iteration).toFixed(2)} ms`);

interface Ev { cat?: string; name: string; dur: number; args?: { op_name?: string; input_type_shape?: unknown; output_type_shape?: unknown } }
for (const f of readdirSync(dir)) {
  const events = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Ev[];
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').length;
  const nodes = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'));
  if (runs < iterations / 2) continue; // the predictor session, not the step
  const byOp = new Map<string, number>();
  const byNode = new Map<string, { op: string; dur: number; shapes: string }>();
  for (const e of nodes) {
    const op = e.args?.op_name ?? '?';
    byOp.set(op, (byOp.get(op) ?? 0) + e.dur);
    const n = byNode.get(e.name) ?? { op, dur: 0, shapes: `${JSON.stringify(e.args?.input_type_shape)} -> ${JSON.stringify(e.args?.output_type_shape)}` };
    n.dur += e.dur;
    byNode.set(e.name, n);
  }
  const total = [...byOp.values()].reduce((a, b) => a + b, 0);
  console.log(`kernel time per step: ${(total / runs / 1000).toFixed(2)} ms over ${runs} steps`);
  for (const [op, d] of [...byOp].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
    console.log(`  ${op.padEnd(18)} ${(d / runs).toFixed(0).padStart(6)} us  ${((100 * d) / total).toFixed(1).padStart(5)}%`);
  }
  console.log('slowest nodes:');
  for (const [name, n] of [...byNode].sort((a, b) => b[1].dur - a[1].dur).slice(0, 8)) {
    console.log(`  ${(n.dur / runs).toFixed(0).padStart(6)} us ${n.op.padEnd(15)} ${name.replace('_kernel_time', '').padEnd(20)} ${n.shapes.slice(0, 110)}`);
  }
}
rmSync(dir, { recursive: true });
