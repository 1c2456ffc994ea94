/** Block exchange and pinned, queued-ahead job groups: blocks move between tasks in memory (threads and processes), waits end on publication or abort, the transport authenticates. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { withUnwritable } from '../../fixtures/unwritable.ts';
import { join } from 'node:path';
import { FlintContext } from '../../../engine/index.ts';
import { ExchangeArena, halfBits, halfValue, roundToHalf, type ExchangeLayout } from '../../../engine/storage/exchange.ts';
import { BlockService, sendBlock } from '../../../engine/storage/exchangeTransport.ts';

const conf = { 'flint.ui.showProgress': false };
/** Bound on executors from a shipped function's env (`{ t }`). */
declare const t: number;

/** Two phases on N pinned slots: phase 1 partition i puts block i = [i, i+1, ...] * version; phase 2 partition i reads every block and returns their sums. */
async function ringRound(ctx: FlintContext, version: number, dtype: ExchangeLayout['dtype'] = 'float32'): Promise<number[][]> {
  const slots = ctx.slots;
  const n = slots.length;
  const x = await ctx.createExchange({ dtype, blocks: slots.map(() => ({ length: 4, consumers: slots })) });
  try {
    const ref = x.ref;
    const base = ctx.parallelize(Array.from({ length: n }, (_, i) => i), n);
    const put = base.mapPartitionsWithIndex(async function* (i, _it, tc) {
      await tc.exchange(ref).put(i, version, Float32Array.from([i, i + 1, i + 2, i + 3].map((v) => v * version)));
      yield i;
    }, { ref, version });
    const get = base.mapPartitionsWithIndex(async function* (_i, _it, tc) {
      const ex = tc.exchange(ref);
      const sums: number[] = [];
      for (let b = 0; b < n; b++) {
        const v = await ex.get(b, version, new Float32Array(4));
        sums.push(v.reduce((a, c) => a + c, 0));
      }
      yield sums;
    }, { ref, version, n });
    const opts = { pinned: slots, maxFailures: 1, queueAhead: true };
    const [p1, p2] = await ctx.submitJobs<unknown>([{ rdd: put, op: 'collect', params: {}, opts }, { rdd: get, op: 'collect', params: {}, opts }]);
    await p1;
    return (await p2) as unknown as number[][];
  } finally {
    await x.destroy();
  }
}

const expectSums = (n: number, version: number) => Array.from({ length: n }, () => Array.from({ length: n }, (_, b) => (4 * b + 6) * version));

describe('block exchange in one process (local[2])', () => {
  let ctx: FlintContext;
  before(async () => { ctx = await FlintContext.create({ master: 'local[2]', conf }); });
  after(async () => { await ctx.stop(); });

  test('pinned tasks hand blocks to each other through shared memory', async () => {
    const out = await ringRound(ctx, 3);
    assert.deepEqual(out.map((r) => (r as unknown as number[][])[0]), expectSums(2, 3));
    ctx.dagScheduler.assertDataStructuresEmpty();
  });

  test('a float16 exchange delivers values rounded to half precision', async () => {
    const out = await ringRound(ctx, 7, 'float16');
    assert.deepEqual(out.map((r) => (r as unknown as number[][])[0]), expectSums(2, 7));
  });

  test('queued-ahead jobs run in submission order on each slot: a group of 20 dependent rounds completes', async () => {
    const slots = ctx.slots;
    // Two blocks per partition, by round parity: a block is rewritten only after every reader of its last version ran.
    const x = await ctx.createExchange({ dtype: 'float32', blocks: [0, 1, 2, 3].map(() => ({ length: 1, consumers: slots })) });
    const ref = x.ref;
    const base = ctx.parallelize([0, 1], 2);
    const opts = { pinned: slots, maxFailures: 1, queueAhead: true };
    // round t: partition i reads both partitions' blocks at version t - 1 (t > 1), adds 1 to the sum, publishes version t
    const jobs = Array.from({ length: 20 }, (_, k) => ({
      rdd: base.mapPartitionsWithIndex(async function* (i, _it, tc) {
        const ex = tc.exchange(ref);
        let s = 0;
        if (t > 1) for (let b = 0; b < 2; b++) s += (await ex.get(2 * b + ((t - 1) % 2), t - 1, new Float32Array(1)))[0];
        await ex.put(2 * i + (t % 2), t, Float32Array.of(s + 1));
        yield s + 1;
      }, { ref, t: k + 1 }),
      op: 'collect', params: {}, opts,
    }));
    const results = await Promise.all(await ctx.submitJobs<number[]>(jobs));
    // s_t = 2 * s_{t-1} + 1 with s_1 = 1
    let s = 1;
    for (let k = 0; k < 20; k++) {
      assert.deepEqual(results[k].flat(), [s, s]);
      s = 2 * s + 1;
    }
    await x.destroy();
    ctx.dagScheduler.assertDataStructuresEmpty();
  });

  test('abort wakes a waiting task at once and fails its job', async () => {
    const slots = ctx.slots;
    const x = await ctx.createExchange({ dtype: 'float32', blocks: [{ length: 1, consumers: slots }] }, { timeoutMs: 60_000 });
    const ref = x.ref;
    const rdd = ctx.parallelize([0, 1], 2).mapPartitions(async function* (_it, tc) {
      yield (await tc.exchange(ref).get(0, 1, new Float32Array(1)))[0];
    }, { ref });
    const [job] = await ctx.submitJobs<number>([{ rdd, op: 'collect', params: {}, opts: { pinned: slots, maxFailures: 1, queueAhead: true } }]);
    const t0 = performance.now();
    setTimeout(() => x.abort(), 200);
    await assert.rejects(job, /aborted/);
    assert.ok(performance.now() - t0 < 5000, 'the waiter woke on abort, not on its timeout');
    await x.destroy();
  });

  test('a job pinned to a slot the context lacks fails naming the slot', async () => {
    const rdd = ctx.parallelize([1, 2], 2);
    await assert.rejects(ctx.runJob(rdd, 'collect', {}, undefined, { pinned: ['local-0', 'nowhere-9'] }), /pinned to slot 'nowhere-9'/);
  });
});

describe('block exchange between processes (local-cluster[2,1,512])', () => {
  let ctx: FlintContext;
  before(async () => { ctx = await FlintContext.create({ master: 'local-cluster[2,1,512]', conf }); });
  after(async () => { await ctx.stop(); });

  test('blocks go from the producing thread to the consuming process over the block service, not through files', async () => {
    // No exchange data may touch the application's local directory or the executors' block stores.
    const blocks = join(ctx.localDir, 'blocks');
    const dirs = [ctx.localDir, blocks, ...readdirSync(blocks).map((d) => join(blocks, d))];
    const out = await withUnwritable(dirs, () => ringRound(ctx, 5));
    assert.deepEqual(out.map((r) => (r as unknown as number[][])[0]), expectSums(2, 5));
  });
});

describe('exchange memory and transport', () => {
  test('float16 conversion matches IEEE half precision (round to nearest even)', () => {
    assert.equal(halfBits(1), 0x3c00);
    assert.equal(halfBits(-2), 0xc000);
    assert.equal(halfBits(65504), 0x7bff);
    assert.equal(halfBits(1e6), 0x7c00);
    assert.equal(halfBits(0.1), 0x2e66);
    assert.equal(halfBits(2 ** -24), 0x0001);
    assert.equal(halfBits(1 + 2 ** -11), 0x3c00); // a tie rounds to even
    assert.equal(halfBits(1 + 3 * 2 ** -11), 0x3c02);
    assert.ok(Number.isNaN(halfValue(halfBits(NaN))));
    for (const v of [0.1, -3.75, 1234.5, 6.1e-5]) assert.ok(Math.abs(halfValue(halfBits(v)) - v) <= Math.abs(v) * 2 ** -11);
    assert.deepEqual([...roundToHalf(Float32Array.of(1, 0.1))], [1, halfValue(0x2e66)]);
  });

  test('the block service refuses a peer with the wrong secret and accepts the right one', async () => {
    const arena = new ExchangeArena('t-x', { dtype: 'float32', blocks: [{ length: 2, consumers: [] }] });
    const service = new BlockService('right-secret', (id) => (id === 't-x' ? arena : undefined));
    const port = await service.start();
    try {
      await assert.rejects(sendBlock(port, 'wrong-secret', 't-x', 0, 1, new Uint8Array(new Float32Array([1, 2]).buffer)), /authentication|closed/);
      assert.equal(arena.version(0), 0);
      await sendBlock(port, 'right-secret', 't-x', 0, 4, new Uint8Array(new Float32Array([1, 2]).buffer));
      const got = await arena.get(0, 4, new Float32Array(2), 5000);
      assert.deepEqual([...got], [1, 2]);
    } finally {
      service.stop();
    }
  });
});
