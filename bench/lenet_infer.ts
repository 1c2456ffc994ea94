/**
 * Inference overhead of Model.predict against a bare onnxruntime-node loop on the same LeNet-5 ONNX bytes,
 * alternating the two ten times in one process and reporting the median and best ratios.
 *
 * Usage: node --import tsx bench/lenet_infer.ts [threads=1] [reps=10]
 */
import * as ort from 'onnxruntime-node';
import { exportOnnx, Model } from '../dl/index.ts';
import { FASHION_MNIST_DIR, loadMnist, mnistSamples } from '../connectors/mnist/index.ts';
import { lenet as lenetModel } from './models.ts';
import { recordRun } from './record.ts';

recordRun();

const threads = Number(process.argv[2] ?? '1');
const reps = Number(process.argv[3] ?? '10');
const BATCH = 128;
const a = loadMnist(FASHION_MNIST_DIR, 'test');
const samples = mnistSamples(a);
const lenet = lenetModel();
const bytes = exportOnnx(lenet);

const model = Model.fromOnnxBytes(bytes, { threads });
const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
const input = session.inputNames[0];

async function bare(): Promise<number> {
  const t0 = performance.now();
  for (let s = 0; s < a.count; s += BATCH) {
    const n = Math.min(BATCH, a.count - s);
    await session.run({ [input]: new ort.Tensor('float32', a.images.subarray(s * 784, (s + n) * 784), [n, 1, 28, 28]) });
  }
  return a.count / ((performance.now() - t0) / 1000);
}

async function flint(): Promise<number> {
  const t0 = performance.now();
  await model.predict(samples, { batchSize: BATCH });
  return a.count / ((performance.now() - t0) / 1000);
}

await bare();
await flint();
const rb: number[] = [];
const rf: number[] = [];
for (let i = 0; i < reps; i++) {
  rb.push(await bare());
  rf.push(await flint());
}
const median = (x: number[]) => [...x].sort((p, q) => p - q)[x.length >> 1];
console.log(`threads ${threads}: bare onnxruntime median ${median(rb).toFixed(0)}/s, Model.predict median ${median(rf).toFixed(0)}/s`);
console.log(`ratio Model.predict / bare: median ${(median(rf) / median(rb)).toFixed(3)}, best ${(Math.max(...rf) / Math.max(...rb)).toFixed(3)}`);
await model.dispose();
await session.release();
