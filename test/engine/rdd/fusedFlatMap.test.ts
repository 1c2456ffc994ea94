/** Fused map/filter/flatMap chains: output order with mixed array and generator flatMaps, and a flatMap generator streams rather than materializes. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { FlintContext } from '../../../engine/index.ts';

let ctx: FlintContext;
before(async () => {
  ctx = await FlintContext.create({ master: 'local[2]', conf: { 'flint.ui.showProgress': false } });
});
after(async () => {
  await ctx.stop();
});

test('chains mixing generator and array flatMaps keep the order of a plain loop, over sync and async sources', async () => {
  const data = Array.from({ length: 300 }, (_, i) => i);
  const expected: string[] = [];
  for (const x of data) {
    const y = x * 2;
    for (let j = 0; j < x % 4; j++) for (const z of [`${y}.${j}`, `${y}.${j}!`]) if (!z.endsWith('0!')) for (const c of [z, z.length]) expected.push(String(c));
  }
  const chain = <R>(r: import('../../../engine/index.ts').RDD<number>) => r.map((x) => x * 2)
    .flatMap(function* (y) { for (let j = 0; j < (y / 2) % 4; j++) yield `${y}.${j}`; })
    .flatMap((z) => [z, `${z}!`])
    .filter((z) => !z.endsWith('0!'))
    .flatMap(function* (z) { yield z; yield z.length; })
    .map((c) => String(c)) as unknown as import('../../../engine/index.ts').RDD<R>;
  assert.deepEqual(await chain<string>(ctx.parallelize(data, 3)).collect(), expected);
  const asyncSource = ctx.parallelize(data, 3).mapPartitions(async function* (it) { for (const x of it) { await null; yield x; } });
  assert.deepEqual(await chain<string>(asyncSource).collect(), expected);
  ctx.dagScheduler.assertDataStructuresEmpty();
});

test('a flatMap returning a huge generator streams: take(3) pulls a few records, not the million', async () => {
  const produced = ctx.longAccumulator('produced');
  const first = await ctx.parallelize([0], 1).flatMap(function* () {
    for (let i = 0; i < 1_000_000; i++) { produced.add(1); yield i; }
  }, { produced }).map((x) => x + 1).take(3);
  assert.deepEqual(first, [1, 2, 3]);
  assert.ok(produced.value < 1000, `pulled ${produced.value}`);
  ctx.dagScheduler.assertDataStructuresEmpty();
});
