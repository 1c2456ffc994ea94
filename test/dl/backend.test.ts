/** DlBackend is typed by its model, criterion and optimizer types: the type checker ties them together, and the default backend checks them at run time too. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compiledBackend } from '../../dl/default-backend.ts';
import { Optimizer } from '../../dl/optimizer.ts';
import { nn, optim, type DlBackend } from '../../dl/index.ts';
import { CrossEntropyLoss, FakeLinear, FakeSGD, LinearBackend, toySamples, type FakeCriterion } from '../fixtures/linear-backend.ts';

test('the default backend takes nn modules and says so at run time for JavaScript callers', () => {
  // @ts-expect-error the default backend is a DlBackend<nn.Module, nn.Loss, OptimMethod>
  assert.throws(() => compiledBackend.getModelWeights(new FakeLinear(4, 3)), { code: 'DL_BAD_ARGUMENT', message: /model must be an nn\.Module/ });
  assert.equal(compiledBackend.baseLearningRate(new optim.SGD({ lr: 0.25 })), 0.25);
});

test("the Optimizer's options take the backend's own model, criterion and optimizer types", async () => {
  const backend: DlBackend<FakeLinear, FakeCriterion, FakeSGD> = new LinearBackend();
  const common = { model: new FakeLinear(4, 3), data: toySamples(12), batchSize: 4, backend };
  new Optimizer({ ...common, criterion: new CrossEntropyLoss(), optimMethod: new FakeSGD(0.1) });
  // @ts-expect-error an nn optim method is not the linear backend's
  new Optimizer({ ...common, criterion: new CrossEntropyLoss(), optimMethod: new optim.Adam({ lr: 0.1 }) });
  // @ts-expect-error an nn module is not the linear backend's model
  new Optimizer({ ...common, model: new nn.Linear(4, 3), criterion: new CrossEntropyLoss(), optimMethod: new FakeSGD(0.1) });
  const trained = await new Optimizer({ ...common, criterion: new CrossEntropyLoss(), optimMethod: new FakeSGD(0.1) }).optimize();
  assert.ok(trained);
});
