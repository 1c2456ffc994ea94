/** The operator registry: user operators, duplicate names, unknown names, shape-rule errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { registerOp, getOp, listOps } from '../../ops/registry.ts';
import { Graph } from '../../ops/index.ts';
import { evalGraph } from '../../ops/eval.ts';
import { checkGrads } from '../../ops/check-grads.ts';
import * as F from '../../ops/api.ts';

test('registering an operator name twice throws', () => {
  assert.throws(
    () => registerOp({ name: 'Tanh', shape: ([x]) => [{ dtype: x.dtype, shape: x.shape }], lower: () => {}, grad: 'nondifferentiable' }),
    { code: 'OPS_DUPLICATE_OP', message: /operator 'Tanh' is already registered/ },
  );
});

test('an unknown operator name fails clearly', () => {
  assert.throws(() => getOp('NoSuchOp'), { code: 'OPS_UNKNOWN_OP', message: /unknown operator 'NoSuchOp'/ });
  const g = new Graph();
  const x = g.input('x', 'float32', [1]);
  assert.throws(() => g.apply('NoSuchOp', [x]), /unknown operator 'NoSuchOp'/);
});

test('a user operator (cube) lowers, runs and differentiates like a built-in one', async () => {
  registerOp({
    name: 'test.Cube',
    shape: ([x]) => [{ dtype: x.dtype, shape: [...x.shape] }],
    lower: (_n, [x], [y], L) => {
      const sq = L.tmp();
      L.emit('Mul', [x, x], [sq]);
      L.emit('Mul', [sq, x], [y]);
    },
    grad: (n, [g]) => [g ? F.mul(g, F.mul(F.mul(n.inputs[0], n.inputs[0]), 3)) : null],
  });
  assert.ok(listOps().includes('test.Cube'));
  const g = new Graph();
  const x = g.input('x', 'float32', [3]);
  const [v] = await evalGraph(g, [g.apply('test.Cube', [x])[0]], { x: [1, 2, -3] });
  assert.deepEqual(Array.from(v as Float32Array), [1, 8, -27]);
  await checkGrads(t => t.graph.apply('test.Cube', [t])[0], [{ shape: [4] }]);
});

test('shape rules reject mismatched operands when the graph is built', () => {
  const g = new Graph();
  const a = g.input('a', 'float32', [2, 3]);
  const b = g.input('b', 'float32', [4, 5]);
  assert.throws(() => F.matmul(a, b), { code: 'OPS_SHAPE_MISMATCH', message: /inner dims differ: \[2,3\] x \[4,5\]/ });
  assert.throws(() => F.add(a, b), /shapes \[2,3\] and \[4,5\] do not broadcast/);
  const x = g.input('x', 'float32', ['N', 3, 8, 8]);
  const w = g.input('w', 'float32', [4, 2, 3, 3]);
  assert.throws(() => F.conv2d(x, w, null), /input has 3 channels but the weight/);
  assert.throws(() => F.reshape(a, [4, -1]), /cannot reshape \[2,3\] to \[4,-1\]/);
  const other = new Graph().input('o', 'float32', [2, 3]);
  assert.throws(() => F.add(a, other), { code: 'OPS_GRAPH_MISMATCH' });
});

test('symbolic batch dims flow through shape rules', () => {
  const g = new Graph();
  const x = g.input('x', 'float32', ['N', 1, 28, 28]);
  const w = g.input('w', 'float32', [6, 1, 5, 5]);
  const y = F.maxPool2d(F.conv2d(x, w, null), { kernel: [2, 2] });
  assert.deepEqual(y.shape, ['N', 6, 12, 12]);
  assert.deepEqual(F.flatten(y).shape, ['N', 864]);
  assert.deepEqual(F.reshape(y, [-1, 864]).shape, ['N', 864]);
  assert.deepEqual(F.reduceMean(y, [0, 2, 3], true).shape, [1, 6, 1, 1]);
});

const OPS_DIR = new URL('../../ops/', import.meta.url);

/** Runs `code` as an ES module in a fresh node (with tsx) from the repository root; returns its stdout. */
function freshNode(code: string): string {
  return execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code],
    { cwd: new URL('../../', import.meta.url), encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
}

test('the built-in operators load from the ops entry point, and no definition imports a value from the IR', () => {
  const ir = readFileSync(new URL('ir.ts', OPS_DIR), 'utf8');
  assert.doesNotMatch(ir, /^import [^;]*defs\//m, 'ops/ir.ts does not load ops/defs');
  assert.match(readFileSync(new URL('index.ts', OPS_DIR), 'utf8'), /import '\.\/defs\/index\.ts';/);
  for (const f of readdirSync(new URL('defs/', OPS_DIR))) {
    const text = readFileSync(new URL(`defs/${f}`, OPS_DIR), 'utf8');
    for (const m of text.matchAll(/^import (?!type )[^;]*from '\.\.\/ir\.ts'/gm)) assert.fail(`ops/defs/${f} imports a value from ops/ir.ts: ${m[0]}`);
  }
});

test('a Graph made without the ops entry point fails naming the fix; importing nn or the compiler alone registers the ops', () => {
  const out = freshNode(`
    const { Graph } = await import('./ops/ir.ts');
    try { new Graph(); console.log('built'); } catch (e) { console.log(e.code, e.message); }`);
  assert.match(out, /OPS_INTERNAL .*import ops\/index\.ts/);
  for (const mod of ['./dl/nn/module.ts', './dl/compile.ts', './ops/index.ts']) {
    const n = Number(freshNode(`await import('${mod}'); const { listOps } = await import('./ops/registry.ts'); console.log(listOps().length);`));
    assert.ok(n > 40, `${mod} alone registers the built-in operators (got ${n})`);
  }
});
