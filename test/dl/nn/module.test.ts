/** nn.Module: parameter names, state dicts, modes, seeded initialisation, and shape errors naming both layers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nn } from '../../../dl/index.ts';
import type { Tensor } from '../../../ops/ir.ts';

class Net extends nn.Module {
  conv1 = new nn.Conv2d(1, 4, 3);
  act = new nn.ReLU();
  head = new nn.Sequential(new nn.Flatten(), new nn.Linear(4 * 6 * 6, 3));
  forward(x: Tensor, ctx: nn.BuildContext): Tensor {
    return this.head.forward(this.act.forward(this.conv1.forward(x, ctx), ctx), ctx);
  }
}

test('parameters are named by attribute path, and by position inside Sequential', () => {
  const net = new Net();
  assert.deepEqual(net.namedParameters().map(([k, p]) => [k, p.shape]), [
    ['conv1.weight', [4, 1, 3, 3]],
    ['conv1.bias', [4]],
    ['head.1.weight', [3, 144]],
    ['head.1.bias', [3]],
  ]);
  const seq = new nn.Sequential(new nn.Linear(2, 3), new nn.Tanh(), new nn.Linear(3, 1, false));
  assert.deepEqual(seq.namedParameters().map(([k]) => k), ['0.weight', '0.bias', '2.weight']);
  assert.equal(seq.numParameters(), 2 * 3 + 3 + 3);
  assert.equal(net.parameters().length, 4);
});

test('buffers appear in the state dict with PyTorch names', () => {
  const m = new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.BatchNorm2d(2));
  assert.deepEqual(Object.keys(m.stateDict()), ['0.weight', '0.bias', '1.weight', '1.bias', '1.running_mean', '1.running_var']);
});

test('stateDict and loadStateDict round-trip, and loading rejects missing or unexpected keys', () => {
  const a = new nn.Sequential(new nn.Linear(3, 2));
  const b = new nn.Sequential(new nn.Linear(3, 2));
  b.loadStateDict(a.stateDict());
  assert.deepEqual(b.stateDict(), a.stateDict());
  const sd = a.stateDict();
  sd['0.weight'][0] = 42;
  assert.notEqual(a.parameters()[0].data[0], 42, 'stateDict returns copies');
  assert.throws(() => b.loadStateDict({ '0.weight': new Float32Array(6) }), { code: 'NN_STATE_MISMATCH', message: /missing keys \[0\.bias\]/ });
  assert.throws(() => b.loadStateDict({ ...a.stateDict(), extra: new Float32Array(1) }), /unexpected keys \[extra\]/);
  assert.throws(() => b.loadStateDict({ '0.weight': new Float32Array(5), '0.bias': new Float32Array(2) }), /'0\.weight' has 5 values/);
});

test('train() and eval() set the mode on every descendant', () => {
  const net = new Net();
  net.eval();
  assert.ok(net.namedModules().every(([, m]) => !m.training));
  net.train();
  assert.ok(net.namedModules().every(([, m]) => m.training));
});

test('initialisation is seeded and follows PyTorch default bounds', () => {
  nn.manualSeed(7);
  const a = new nn.Linear(50, 20);
  nn.manualSeed(7);
  const b = new nn.Linear(50, 20);
  assert.deepEqual(a.weight.data, b.weight.data);
  const bound = 1 / Math.sqrt(50);
  assert.ok(a.weight.data.every(v => Math.abs(v) <= bound));
  assert.ok(Math.max(...a.weight.data) > bound * 0.9, 'weights fill the range');
  const c = new nn.Conv2d(3, 8, 5);
  const cb = 1 / Math.sqrt(3 * 25);
  assert.ok(c.weight.data.every(v => Math.abs(v) <= cb) && c.bias!.data.every(v => Math.abs(v) <= cb));
  const bn = new nn.BatchNorm2d(4);
  assert.deepEqual(Array.from(bn.weight!.data), [1, 1, 1, 1]);
  assert.deepEqual(Array.from(bn.runningVar.data), [1, 1, 1, 1]);
});

test('the input shape comes from inputShape or a leading Linear, and outputShape infers through the layers', () => {
  assert.deepEqual(new nn.Sequential(new nn.Linear(4, 2), new nn.Softmax()).outputShape(), [2]);
  const lenet = new nn.Sequential(new nn.Conv2d(1, 6, 5), new nn.Tanh(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(864, 10));
  assert.throws(() => lenet.outputShape(), { code: 'NN_NO_INPUT_SHAPE', message: /set model\.inputShape/ });
  lenet.inputShape = [1, 28, 28];
  assert.deepEqual(lenet.outputShape(), [10]);
});

test('a shape mismatch fails when the model is built, naming both layers and both shapes', () => {
  const m = new nn.Sequential(new nn.Conv2d(1, 6, 5), new nn.Tanh(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(100, 10));
  m.inputShape = [1, 28, 28];
  assert.throws(() => m.outputShape(), {
    code: 'NN_SHAPE_MISMATCH',
    message: "layer '4' (Linear) cannot take the output of layer '3' (Flatten), shape [N,864]: Linear expects [*, 100]",
  });
  const c = new nn.Sequential(new nn.Conv2d(1, 6, 5), new nn.Conv2d(3, 6, 3));
  c.inputShape = [1, 10, 10];
  assert.throws(() => c.outputShape(), /layer '1' \(Conv2d\) cannot take the output of layer '0' \(Conv2d\), shape \[N,6,6,6\]: Conv2d expects \[N, 3, H, W\]/);
  const first = new nn.Sequential(new nn.Linear(5, 2));
  assert.throws(() => first.outputShape([4]), /layer '0' \(Linear\) cannot take the output of the model input, shape \[N,4\]/);
  const tooSmall = new nn.Sequential(new nn.Conv2d(1, 2, 5), new nn.MaxPool2d(4), new nn.Conv2d(2, 2, 3));
  tooSmall.inputShape = [1, 8, 8];
  assert.throws(() => tooSmall.outputShape(), /layer '2' \(Conv2d\) cannot take the output of layer '1' \(MaxPool2d\), shape \[N,2,1,1\]: Conv: input size 1 is too small for kernel 3/);
});

test('ctx.call in a user-defined forward names the child that got a wrong shape', () => {
  class Bad extends nn.Module {
    conv1 = new nn.Conv2d(1, 4, 3);
    fc = new nn.Linear(10, 2);
    forward(x: Tensor, ctx: nn.BuildContext): Tensor {
      return ctx.call(this.fc, ctx.call(new nn.Flatten(), ctx.call(this.conv1, x)));
    }
  }
  const m = new Bad();
  m.inputShape = [1, 5, 5];
  assert.throws(() => m.outputShape(), { code: 'NN_SHAPE_MISMATCH', message: /layer 'fc' \(Linear\) cannot take the output of the calling forward, shape \[N,36\]: Linear expects \[\*, 10\]/ });
});

test('constructor arguments are validated', () => {
  assert.throws(() => new nn.Linear(0, 3), { code: 'NN_BAD_ARGUMENT' });
  assert.throws(() => new nn.Conv2d(3, 4, 3, { groups: 2 }), /divisible by groups=2/);
  assert.throws(() => new nn.Dropout(1), /p must be in \[0, 1\)/);
  assert.throws(() => new nn.Sequential({} as nn.Module), /argument 0 is not an nn\.Module/);
});
