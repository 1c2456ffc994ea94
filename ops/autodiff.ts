/** Reverse-mode autodiff over the IR: builds the gradient graph of a scalar with respect to chosen tensors. */
import { OpsUserError, OpsInternalError, OpsErrorCode } from './errors.ts';
import { getOp } from './registry.ts';
import { isFloat, shapeStr } from './shape.ts';
import type { Tensor } from './ir.ts';
import * as F from './api.ts';

export interface GradOptions {
  /** Names of the `wrt` tensors for error messages (e.g. 'conv1.weight'). */
  names?: string[];
  /** Gradient of the output (defaults to 1 for a scalar output). */
  seed?: Tensor;
}

/**
 * Gradients of `output` with respect to each tensor of `wrt`, as new nodes in the same graph.
 * Rules run in reverse topological order (the graph's build order reversed); each returns one
 * entry per input and contributions to a tensor used several times are summed. Only nodes on a
 * path from some `wrt` tensor to `output` are differentiated; a missing rule there fails naming
 * the op and the parameter that needed it. A `wrt` tensor the output does not depend on gets zeros.
 */
export function gradients(output: Tensor, wrt: Tensor[], opts: GradOptions = {}): Tensor[] {
  const graph = output.graph;
  if (!isFloat(output.dtype)) {
    throw new OpsUserError(OpsErrorCode.BAD_ARGUMENT, `gradients: the output must be a float tensor, got ${output}`);
  }
  let seed = opts.seed;
  if (!seed) {
    if (output.rank !== 0) {
      throw new OpsUserError(OpsErrorCode.BAD_ARGUMENT, `gradients: output ${output} is not a scalar; pass a seed gradient`);
    }
    seed = graph.scalar(1, output.dtype);
  }
  const names = opts.names ?? wrt.map(t => (t.node.op === 'Input' ? `input '${t.node.attrs.name}'` : `tensor ${t}`));
  // Which parameter (index into wrt) each tensor depends on, for pruning and error messages.
  const from = new Map<number, number>();
  wrt.forEach((t, i) => {
    if (t.graph !== graph) throw new OpsUserError(OpsErrorCode.GRAPH_MISMATCH, `gradients: ${names[i]} belongs to another graph`);
    if (!from.has(t.id)) from.set(t.id, i);
  });
  const outPos = graph.nodes.indexOf(output.node);
  for (let k = 0; k <= outPos; k++) {
    const node = graph.nodes[k];
    const src = node.inputs.find(t => from.has(t.id));
    if (src) for (const o of node.outputs) if (!from.has(o.id)) from.set(o.id, from.get(src.id)!);
  }

  const grads = new Map<number, Tensor>();
  grads.set(output.id, seed);
  for (let k = outPos; k >= 0; k--) {
    const node = graph.nodes[k];
    if (node.inputs.length === 0 || !node.inputs.some(t => from.has(t.id))) continue;
    const gOut = node.outputs.map(t => grads.get(t.id) ?? null);
    if (gOut.every(g => g === null)) continue;
    const def = getOp(node.op);
    if (def.grad === 'nondifferentiable') continue;
    if (!def.grad) {
      const needer = node.inputs.find(t => from.has(t.id))!;
      throw new OpsUserError(
        OpsErrorCode.NO_GRADIENT,
        `no gradient rule for op '${node.op}' (needed by parameter ${names[from.get(needer.id)!]}); give its registerOp definition a grad rule or mark it 'nondifferentiable'`,
      );
    }
    const gIn = def.grad(node, gOut);
    if (gIn.length !== node.inputs.length) {
      throw new OpsInternalError(
        OpsErrorCode.INTERNAL,
        `gradient rule of '${node.op}' returned ${gIn.length} entries for ${node.inputs.length} inputs`,
      );
    }
    node.inputs.forEach((t, i) => {
      const g = gIn[i];
      if (!g || !from.has(t.id)) return;
      if (!sameShape(g.shape, t.shape)) {
        throw new OpsInternalError(
          OpsErrorCode.INTERNAL,
          `gradient rule of '${node.op}' gave shape ${shapeStr(g.shape)} for input ${i} of shape ${shapeStr(t.shape)}`,
        );
      }
      const prev = grads.get(t.id);
      grads.set(t.id, prev ? F.add(prev, g) : g);
    });
  }
  return wrt.map(t => grads.get(t.id) ?? F.zerosLike(t));
}

function sameShape(a: (number | string)[], b: (number | string)[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i] || typeof d !== 'number' || typeof b[i] !== 'number');
}
