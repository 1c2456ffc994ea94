/** The models the benchmarks train, defined once: LeNet-5 as bench/lenet_torch.py has it (seeded), and a ~4.8M-parameter MLP. */
import { nn } from '../dl/index.ts';

/** LeNet-5 (Tanh, max pooling) on 1x28x28 inputs, 10 classes, initialised from seed 0. */
export function lenet(): nn.Module {
  nn.manualSeed(0);
  const m = new nn.Sequential(
    new nn.Conv2d(1, 6, 5), new nn.Tanh(), new nn.MaxPool2d(2),
    new nn.Conv2d(6, 12, 5), new nn.Tanh(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(192, 100), new nn.Tanh(), new nn.Linear(100, 10));
  m.inputShape = [1, 28, 28];
  return m;
}

/** An MLP 784-2048-1536-10 (4,770,314 parameters), where parameter synchronisation costs show. */
export function mlp(): nn.Module {
  nn.manualSeed(0);
  const m = new nn.Sequential(new nn.Linear(784, 2048), new nn.ReLU(), new nn.Linear(2048, 1536), new nn.ReLU(), new nn.Linear(1536, 10));
  m.inputShape = [784];
  return m;
}
