/** The ONNX emitter: a valid ModelProto with opset 17, the standard domain only, initializers for exported weights. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph } from '../../ops/index.ts';
import { emitModel, OPSET } from '../../ops/onnx/emit.ts';
import { loadModel, ort, cachedSessionCount } from '../../ops/runtime.ts';
import * as F from '../../ops/api.ts';

/** Minimal protobuf reader: field number -> list of raw values (varints as bigint, length-delimited as bytes). */
function readFields(buf: Uint8Array): Map<number, (bigint | Uint8Array)[]> {
  const out = new Map<number, (bigint | Uint8Array)[]>();
  let i = 0;
  const varint = (): bigint => {
    let r = 0n, shift = 0n;
    for (;;) {
      const b = buf[i++];
      r |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return r;
      shift += 7n;
    }
  };
  while (i < buf.length) {
    const key = Number(varint());
    const field = key >> 3, wire = key & 7;
    let v: bigint | Uint8Array;
    if (wire === 0) v = varint();
    else if (wire === 2) {
      const n = Number(varint());
      v = buf.subarray(i, i + n);
      i += n;
    } else if (wire === 5) {
      v = buf.subarray(i, i + 4);
      i += 4;
    } else throw new Error(`unexpected wire type ${wire}`);
    if (!out.has(field)) out.set(field, []);
    out.get(field)!.push(v);
  }
  return out;
}
const text = (b: bigint | Uint8Array) => new TextDecoder().decode(b as Uint8Array);

function lenet() {
  const g = new Graph();
  const x = g.input('x', 'float32', ['N', 1, 8, 8]);
  const w = g.input('w', 'float32', [2, 1, 3, 3]);
  const y = F.logSoftmax(F.flatten(F.maxPool2d(F.tanh(F.conv2d(x, w, null)), { kernel: [2, 2] })), 1);
  return { g, x, w, y };
}

test('the emitted model imports opset 17 of the standard domain only and names its producer', () => {
  const { g, y } = lenet();
  const model = readFields(emitModel(g, { outputs: [{ name: 'y', tensor: y }] }));
  assert.equal(model.get(1)![0], 8n, 'ir_version 8');
  assert.equal(text(model.get(2)![0]), 'flint');
  const opsets = model.get(8)!.map(b => readFields(b as Uint8Array));
  assert.equal(opsets.length, 1);
  assert.equal(text(opsets[0].get(1)?.[0] ?? new Uint8Array()), '');
  assert.equal(opsets[0].get(2)![0], BigInt(OPSET));
  assert.ok(OPSET >= 17);
  const graph = readFields(model.get(7)![0] as Uint8Array);
  const nodes = graph.get(1)!.map(b => readFields(b as Uint8Array));
  const opTypes = nodes.map(n => text(n.get(4)![0]));
  assert.ok(opTypes.includes('Conv') && opTypes.includes('MaxPool') && opTypes.includes('LogSoftmax'));
  for (const n of nodes) assert.equal(n.get(7), undefined, 'no node sets a non-standard domain');
  const inputs = graph.get(11)!.map(b => text(readFields(b as Uint8Array).get(1)![0]));
  assert.deepEqual(inputs, ['x', 'w']);
});

test('onnxruntime loads the model and accepts any batch size for the symbolic dim', async () => {
  const { g, y } = lenet();
  const m = await loadModel(emitModel(g, { outputs: [{ name: 'y', tensor: y }] }));
  const w = new ort.Tensor('float32', new Float32Array(18).fill(0.1), [2, 1, 3, 3]);
  for (const n of [1, 5]) {
    const r = await m.run({ x: new ort.Tensor('float32', new Float32Array(n * 64).fill(1), [n, 1, 8, 8]), w });
    assert.deepEqual(r.y.dims, [n, 18]);
  }
  await m.dispose();
});

test('inputs given as initializers disappear from the graph inputs', async () => {
  const { g, w, y } = lenet();
  const bytes = emitModel(g, { outputs: [{ name: 'y', tensor: y }], initializers: new Map([[w, new Float32Array(18).fill(0.1)]]) });
  const m = await loadModel(bytes);
  assert.deepEqual(m.session.inputNames, ['x']);
  const r = await m.run({ x: new ort.Tensor('float32', new Float32Array(64).fill(1), [1, 1, 8, 8]) });
  assert.equal(r.y.dims[1], 18);
  await m.dispose();
});

test('sessions are cached per model bytes and thread count and released on the last dispose', async () => {
  const { g, y } = lenet();
  const bytes = emitModel(g, { outputs: [{ name: 'y', tensor: y }] });
  const before = cachedSessionCount();
  const a = await loadModel(bytes);
  const b = await loadModel(bytes);
  assert.equal(a, b);
  const c = await loadModel(bytes, { threads: 2 });
  assert.notEqual(a, c);
  assert.equal(cachedSessionCount(), before + 2);
  await a.dispose();
  assert.equal(cachedSessionCount(), before + 2);
  await b.dispose();
  await c.dispose();
  assert.equal(cachedSessionCount(), before);
});

test('the output name list must be unique', () => {
  const { g, y } = lenet();
  assert.throws(() => emitModel(g, { outputs: [{ name: 'y', tensor: y }, { name: 'y', tensor: y }] }), /output name 'y' is used twice/);
});

test('sessions with spinning off are cached separately and compute the same', async () => {
  const { g, y } = lenet();
  const bytes = emitModel(g, { outputs: [{ name: 'y', tensor: y }] });
  const a = await loadModel(bytes, { threads: 2 });
  const b = await loadModel(bytes, { threads: 2, spinning: false });
  assert.notEqual(a, b);
  const feeds = { x: new ort.Tensor('float32', new Float32Array(128).fill(0.5), [2, 1, 8, 8]), w: new ort.Tensor('float32', new Float32Array(18).fill(0.1), [2, 1, 3, 3]) };
  assert.deepEqual((await a.run(feeds)).y.data, (await b.run(feeds)).y.data);
  await a.dispose();
  await b.dispose();
});
