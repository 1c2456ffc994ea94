/**
 * The compiled LeNet-5 training step alone (forward, loss, backward, SGD-momentum update as one
 * onnxruntime run) against PyTorch's step on the same synthetic minibatch, per thread count, plus an
 * optional per-operator kernel-time breakdown. Rounds alternate Flint and PyTorch; each side keeps
 * its best round, since the machine is shared. CPU time per step (all threads of the process) is
 * printed too: with one thread it is the step's cost even when other work shares the cores.
 *
 * Usage: node --import tsx bench/train-step.ts [--threads 1,2] [--rounds 5] [--profile]
 * Needs Debian's python3-torch for the baseline (skipped with a note when missing).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, unlinkSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { nn, optim, compileTrainStep, planTrainStep } from '../dl/index.ts';
import { lenet } from './models.ts';
import { recordRun } from './record.ts';

recordRun();

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const threadList = arg('threads', '1,2').split(',').map(Number);
const rounds = Number(arg('rounds', '5'));
const B = 128, ITERS = 20;

const x = Float32Array.from({ length: B * 784 }, (_, i) => Math.sin(i * 0.37));
const y = Float32Array.from({ length: B }, (_, i) => i % 10);

const TORCH = `
import sys, time, torch, torch.nn as nn
torch.set_num_threads(int(sys.argv[1])); iters = int(sys.argv[2]); B = ${B}
torch.manual_seed(0)
m = nn.Sequential(nn.Conv2d(1,6,5), nn.Tanh(), nn.MaxPool2d(2), nn.Conv2d(6,12,5), nn.Tanh(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(192,100), nn.Tanh(), nn.Linear(100,10))
opt = torch.optim.SGD(m.parameters(), lr=0.05, momentum=0.9); crit = nn.CrossEntropyLoss()
x = torch.sin(torch.arange(B*784, dtype=torch.float32)*0.37).reshape(B,1,28,28); y = torch.arange(B) % 10
def step():
    opt.zero_grad(); l = crit(m(x), y); l.backward(); opt.step()
for _ in range(5): step()
c0 = time.process_time(); t0 = time.perf_counter()
for _ in range(iters): step()
print((time.perf_counter() - t0) / iters * 1000, (time.process_time() - c0) / iters * 1000)
`;

/** PyTorch's [wall, cpu] milliseconds per step, or null without python3-torch. */
function torchStepMs(threads: number): [number, number] | null {
  try {
    const out = execFileSync('/usr/bin/python3', ['-c', TORCH, String(threads), String(ITERS)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const [wall, cpu] = out.trim().split(/\s+/).map(Number);
    return [wall, cpu];
  } catch {
    return null;
  }
}

for (const threads of threadList) {
  const step = await compileTrainStep(lenet(), new nn.CrossEntropyLoss(), new optim.SGD({ lr: 0.05, momentum: 0.9 }), { threads });
  for (let i = 0; i < 5; i++) await step.step(x, y, B, 0.05);
  let flint = Infinity, flintCpu = Infinity, torch = Infinity, torchCpu = Infinity;
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < ITERS; i++) await step.step(x, y, B, 0.05);
    flint = Math.min(flint, (performance.now() - t0) / ITERS);
    const c = process.cpuUsage(c0);
    flintCpu = Math.min(flintCpu, (c.user + c.system) / 1000 / ITERS);
    const t = torchStepMs(threads);
    if (t !== null) {
      torch = Math.min(torch, t[0]);
      torchCpu = Math.min(torchCpu, t[1]);
    }
  }
  await step.dispose();
  const rate = (ms: number) => Math.round((B / ms) * 1000);
  const base = Number.isFinite(torch)
    ? `PyTorch ${torch.toFixed(2)} ms (${rate(torch)} samples/s) -> ratio ${(torch / flint).toFixed(2)}; cpu/step Flint ${flintCpu.toFixed(2)} ms, PyTorch ${torchCpu.toFixed(2)} ms`
    : 'PyTorch not available';
  console.log(`threads ${threads}: Flint step ${flint.toFixed(2)} ms (${rate(flint)} samples/s); ${base}`);
}

if (process.argv.includes('--profile')) {
  const plan = planTrainStep(lenet(), new nn.CrossEntropyLoss(), new optim.SGD({ lr: 0.05, momentum: 0.9 }));
  const dir = mkdtempSync(join(tmpdir(), 'flint-prof-'));
  const session = await ort.InferenceSession.create(plan.onnx, { intraOpNumThreads: 1, graphOptimizationLevel: 'all', enableProfiling: true, profileFilePrefix: join(dir, 'p') });
  const feeds: Record<string, ort.Tensor> = {
    x: new ort.Tensor('float32', x, [B, 1, 28, 28]), y: new ort.Tensor('float32', y, [B]),
    lr: new ort.Tensor('float32', Float32Array.of(0.05), []), step: new ort.Tensor('float32', Float32Array.of(0), []),
  };
  for (const p of plan.params) {
    const n = p.shape.reduce((a, b) => a * b, 1);
    feeds[p.name] = new ort.Tensor('float32', new Float32Array(n).fill(0.01), p.shape);
    for (const s of plan.slotNames) feeds[`${p.name}.${s}`] = new ort.Tensor('float32', new Float32Array(n), p.shape);
  }
  const runs = 30;
  for (let i = 0; i < runs; i++) await session.run(feeds);
  session.endProfiling();
  const file = readdirSync(dir).find(f => f.endsWith('.json'))!;
  const events = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { cat: string; name: string; dur: number; args: { op_name: string; input_type_shape: unknown } }[];
  unlinkSync(join(dir, file));
  const byNode = new Map<string, { us: number; shape: string }>();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const k = `${e.args.op_name} ${e.name.replace('_kernel_time', '')}`;
    const cur = byNode.get(k) ?? { us: 0, shape: JSON.stringify(e.args.input_type_shape) };
    cur.us += e.dur;
    byNode.set(k, cur);
  }
  const total = [...byNode.values()].reduce((a, v) => a + v.us, 0) / runs / 1000;
  console.log(`kernel time per step (1 thread): ${total.toFixed(2)} ms`);
  for (const [k, v] of [...byNode].sort((a, b) => b[1].us - a[1].us).slice(0, 12)) {
    console.log(`  ${(v.us / runs / 1000).toFixed(3)} ms  ${k}  ${v.shape}`);
  }
}
