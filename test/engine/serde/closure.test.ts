/** Function shipping: the closure check at the call site, the env argument, tsx-compiled functions and moduleRef for packages and project files. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FlintContext, moduleRef, type FlintUserError } from '../../../engine/index.ts';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeVariables, shipFunction, siteFromStack } from '../../../engine/serde/closure.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

let ctx: FlintContext;

before(async () => {
  ctx = await FlintContext.create({ master: 'local[2]', conf: { 'flint.ui.showProgress': false } });
});
after(async () => {
  await ctx.stop();
});

describe('free variables', () => {
  test('parameters, locals, nested functions and destructuring are not free; outside names are (globals are filtered later)', () => {
    assert.deepEqual(freeVariables('(x) => { const y = x + 1; let [a, { b = z }] = [y, {}]; function g(q) { return q + a + b; } return Math.max(g(y), w); }'), ['z', 'Math', 'w']);
    assert.deepEqual(freeVariables('(x) => x.foo.bar + obj[key] + ({ k: 1, [kk]: v }).k'), ['obj', 'key', 'kk', 'v']);
    assert.deepEqual(freeVariables('function f(n) { if (n > 0) return f(n - 1); for (let i = 0; i < n; i++) { total += i; } try { t(); } catch (err) { return err; } var late = 1; return late; }'), ['total', 't']);
    assert.deepEqual(freeVariables('(it) => { const out = []; for (const [k, v] of it) out.push(k); class C { m() { return this.q + outer; } } return out; }'), ['outer']);
    assert.deepEqual(freeVariables('async function* g(it) { for await (const x of it) yield x * factor; }'), ['factor']);
    assert.deepEqual(freeVariables('(x) => { label: for (;;) { break label; } return x; }'), []);
  });
});

describe('closure check at the call site', () => {
  test('a missing outside variable fails before any job, naming every variable and the fix', () => {
    const minLen = 3;
    const suffix = '!';
    const jobs = ctx.dagScheduler.metrics.jobs;
    const err = (() => {
      try {
        ctx.parallelize(['a', 'abcd']).filter((w) => w.length >= minLen && w !== suffix);
      } catch (e) {
        return e as FlintUserError;
      }
      return assert.fail('filter should throw');
    })();
    assert.equal(err.code, 'CLOSURE_FREE_VARIABLE');
    assert.match(err.message, /filter function \(at serde\/closure\.test\.ts:\d+\) uses 'minLen', 'suffix' from its enclosing scope/);
    assert.match(err.message, /\.filter\(fn, \{ minLen, suffix \}\)/);
    assert.equal(ctx.dagScheduler.metrics.jobs, jobs, 'no job ran');
  });

  test('values in env travel to executors', async () => {
    const minLen = 3;
    const out = await ctx.parallelize(['a', 'abcd', 'xyz']).filter((w) => w.length >= minLen, { minLen }).collect();
    assert.deepEqual(out, ['abcd', 'xyz']);
  });

  test('functions in env travel too, and are checked themselves', async () => {
    const k = 10;
    const scale = (x: number) => x * k;
    assert.throws(() => ctx.parallelize([1]).map((x) => scale(x), { scale }), /uses 'k'/);
    const scaleK = (x: number) => x * 10;
    assert.deepEqual(await ctx.parallelize([1, 2]).map((x) => scaleK(x) + 1, { scaleK }).collect(), [11, 21]);
  });

  test('an arrow function that uses this of its enclosing method is refused with the fix', () => {
    class Scaler {
      scale = 3;
      apply() {
        return ctx.parallelize([1]).map((x) => x * this.scale);
      }
      applyFixed() {
        const { scale } = this;
        return ctx.parallelize([1, 2]).map((x) => x * scale, { scale });
      }
    }
    assert.throws(() => new Scaler().apply(), /uses 'this' of its enclosing scope.*const \{ scale \} = this/);
    assert.doesNotThrow(() => new Scaler().applyFixed());
    assert.doesNotThrow(() => ctx.parallelize([1]).map(function (this: unknown, x: number) { return this === undefined ? x : 0; }));
    assert.deepEqual(freeVariables('class A { f = this.g; m() { return this.x; } }'), []);
  });

  test('native and bound functions that are not well-known globals are refused with a pointer to moduleRef', () => {
    assert.throws(() => ctx.parallelize([1]).map(Promise.resolve), /native or bound.*moduleRef/);
    assert.throws(() => ctx.parallelize([1]).map(Array.prototype.indexOf as never), /native or bound/);
    assert.throws(() => ctx.parallelize([1]).map(((x: number) => x).bind(null)), /native or bound/);
  });

  test('a non-function argument is a clear error', () => {
    assert.throws(() => ctx.parallelize([1]).map(42 as never), /map needs a function/);
    assert.throws(() => ctx.parallelize([1]).map((x) => x, [1] as never), /env argument must be a plain object/);
  });
});

describe('TypeScript functions compiled by tsx', () => {
  test('helpers tsx injects into function text (__name) work on executors', async () => {
    const fnText = ((x: number) => { const inner = (y: number) => y + 1; return inner(x); }).toString();
    assert.match(fnText, /__name/, 'this file runs through tsx, which injects __name');
    const out = await ctx.parallelize([1, 2, 3]).map((x: number) => {
      const inner = (y: number) => y + 1;
      const named = function helper(z: number): number { return z * 2; };
      return named(inner(x));
    }).collect();
    assert.deepEqual(out, [4, 6, 8]);
  });

  test('method shorthand and typed generics ship', async () => {
    const ops = { plusOne(x: number): number { return x + 1; } };
    assert.deepEqual(await ctx.parallelize([1, 2]).map(ops.plusOne).collect(), [2, 3]);
    const pairUp = <T,>(x: T): [T, T] => [x, x];
    assert.deepEqual(await ctx.parallelize(['a']).map(pairUp).collect(), [['a', 'a']]);
  });
});

describe('moduleRef', () => {
  test('a package export is imported by the executor', async () => {
    const out = await ctx.parallelize(['1 + 2']).map((src) => parse(src, { ecmaVersion: 2020 }).body.length, { parse: moduleRef('acorn', 'parse') }).collect();
    assert.deepEqual(out, [1]);
  });

  test('a project-relative file export is imported by the executor', async () => {
    const out = await ctx.parallelize([1, 2, 3]).map((x) => double(x) + offset, { double: moduleRef('./test/fixtures/engine/helpers.ts', 'double'), offset: moduleRef('./test/fixtures/engine/helpers.ts', 'offset') }).collect();
    assert.deepEqual(out, [1002, 1004, 1006]);
  });

  test('a missing file fails at the call site; a missing export fails the job naming it', async () => {
    assert.throws(() => moduleRef('./no/such/file.ts', 'x'), (e: FlintUserError) => e.code === 'MODULE_REF_NOT_FOUND' && /no file at/.test(e.message));
    await assert.rejects(ctx.parallelize([1]).map((x) => nope(x), { nope: moduleRef('./test/fixtures/engine/helpers.ts', 'nope') }).collect(), /has no export 'nope'/);
  });

  test('shipFunction encodes a moduleRef as a reference, not a value', () => {
    const f = shipFunction((x: number) => double(x), { double: moduleRef('./test/fixtures/engine/helpers.ts', 'double') }, 'map');
    assert.equal(f.env.double.t, 'mod');
  });
});

declare const parse: typeof import('acorn').parse;
declare const double: (x: number) => number;
declare const offset: number;
declare const nope: (x: number) => number;

describe('call sites', () => {
  test('the call site is the first frame outside Flint\'s own source tree: engine/sql, dl/, ops/ and connectors/ frames are skipped', () => {
    const frame = (file: string, line: number) => `    at fn (${file}:${line}:7)`;
    const stack = ['Error', frame(`${ROOT}/engine/serde/closure.ts`, 90), frame(`${ROOT}/engine/rdd/RDD.ts`, 87),
      frame(`${ROOT}/engine/sql/engineRuntime.ts`, 222), frame(`file://${ROOT}/engine/sql/dataframe.ts`, 40),
      frame(`${ROOT}/dl/optim/Optimizer.ts`, 300), frame(`${ROOT}/connectors/text/text.ts`, 12), frame(`${ROOT}/ops/graph.ts`, 5),
      frame(`${ROOT}/index.ts`, 3), '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
      frame('/home/me/app/train.ts', 44), frame(`${ROOT}/engine/context.ts`, 10)].join('\n');
    assert.equal(siteFromStack(stack), 'app/train.ts:44');
    assert.equal(siteFromStack(['Error', frame(`${ROOT}/examples/tour.ts`, 9)].join('\n')), 'examples/tour.ts:9', 'examples are user code');
    assert.equal(siteFromStack(['Error', frame(`${ROOT}/engine/sql/x.ts`, 1)].join('\n')), '');
  });

  test('an RDD and its jobs are named after the line of the test that made them', () => {
    const rdd = ctx.parallelize([1, 2]).map((x) => x + 1);
    assert.match(rdd.site, /^serde\/closure\.test\.ts:\d+$/);
  });
});

describe('rebuilt functions', () => {
  test('one function source shipped with different env values binds each job its own values (compiled once per executor)', async () => {
    const scale = (k: number) => ctx.parallelize([1, 2, 3], 2).map((x) => x * k, { k }).collect();
    assert.deepEqual(await Promise.all([scale(10), scale(100), scale(-1)]), [[10, 20, 30], [100, 200, 300], [-1, -2, -3]]);
    assert.deepEqual(await scale(7), [7, 14, 21]);
  });
});
