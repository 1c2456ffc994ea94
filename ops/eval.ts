/** evalGraph: emits, loads and runs an IR graph once — for tests, debugging and one-off evaluation (hot paths keep a session). */
import type { Graph, Tensor } from './ir.ts';
import { emitModel } from './onnx/emit.ts';
import { loadModel, ort } from './runtime.ts';
import { OpsUserError, OpsErrorCode } from './errors.ts';

export type FeedData = Float32Array | Float64Array | BigInt64Array | number[];

/** Runs `graph` on feeds named by input name (shapes: the inputs' static dims, symbolic dims inferred from the data length) and returns each output's values. */
export async function evalGraph(
  graph: Graph,
  outputs: Tensor[],
  feeds: Record<string, FeedData | { data: FeedData; shape: number[] }>,
  opts: { threads?: number } = {},
): Promise<(Float32Array | Float64Array | BigInt64Array | Uint8Array)[]> {
  const model = await loadModel(emitModel(graph, { outputs: outputs.map((t, i) => ({ name: `out${i}`, tensor: t })) }), opts);
  try {
    const f: Record<string, ort.Tensor> = {};
    for (const t of graph.inputs) {
      const name = t.node.attrs.name as string;
      const given = feeds[name];
      if (given === undefined) throw new OpsUserError(OpsErrorCode.BAD_FEED, `evalGraph: no feed for input '${name}' ${t}`);
      const raw = Array.isArray(given) || ArrayBuffer.isView(given) ? (given as FeedData) : (given as { data: FeedData }).data;
      let shape = !Array.isArray(given) && !ArrayBuffer.isView(given) ? (given as { shape: number[] }).shape : null;
      const data =
        t.dtype === 'float32' ? Float32Array.from(raw as ArrayLike<number>)
        : t.dtype === 'float64' ? Float64Array.from(raw as ArrayLike<number>)
        : t.dtype === 'int64' ? (raw instanceof BigInt64Array ? raw : BigInt64Array.from(Array.from(raw as ArrayLike<number>, v => BigInt(v))))
        : Uint8Array.from(raw as ArrayLike<number>);
      if (!shape) {
        const known = t.shape.reduce<number>((a, d) => (typeof d === 'number' ? a * d : a), 1);
        const sym = t.shape.filter(d => typeof d !== 'number').length;
        if (sym > 1) throw new OpsUserError(OpsErrorCode.BAD_FEED, `evalGraph: input '${name}' ${t} has several symbolic dims; pass { data, shape }`);
        shape = t.shape.map(d => (typeof d === 'number' ? d : data.length / known));
      }
      f[name] = new ort.Tensor(t.dtype === 'bool' ? 'bool' : t.dtype, data, shape);
    }
    const r = await model.run(f);
    return outputs.map((_, i) => r[`out${i}`].data as Float32Array | Float64Array | BigInt64Array | Uint8Array);
  } finally {
    await model.dispose();
  }
}
