/** Batched evaluation merges each metric over batches and rejects a batch size it could not step by. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateSamples, type BatchRunner } from '../../dl/evaluate.ts';
import { Top1Accuracy } from '../../dl/metrics.ts';
import type { Sample } from '../../dl/sample.ts';

const samples: Sample[] = [0, 1, 1, 0, 1].map((label, i) => ({ features: Float32Array.of(i, label), label }));
const layout = { featureLength: 2, labelLength: 1 };

/** Scores class 1 when the second feature is set; fails past `limit` runs so a stuck loop ends. */
function runner(limit: number): BatchRunner & { runs: number } {
  return {
    runs: 0,
    async run(x, batch) {
      if (++this.runs > limit) throw new Error(`runner called ${this.runs} times`);
      const out = new Float32Array(batch * 2);
      for (let b = 0; b < batch; b++) out[b * 2 + (x[b * 2 + 1] > 0 ? 1 : 0)] = 1;
      return out;
    },
  };
}

test('evaluateSamples scores every sample across uneven batches', async () => {
  const r = runner(3);
  const [acc] = await evaluateSamples(r, samples, layout, [new Top1Accuracy()], 2);
  assert.equal(r.runs, 3);
  assert.equal(acc.count, 5);
  assert.equal(acc.value, 1);
});

test('evaluateSamples rejects a batch size that is not a positive integer', async () => {
  for (const bs of [0, -1, 1.5]) {
    await assert.rejects(evaluateSamples(runner(10), samples, layout, [new Top1Accuracy()], bs), /batch size must be a positive integer, got/);
  }
});
