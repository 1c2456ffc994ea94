/** nn.Graph: a container for models with several inputs or branches (BigDL's Graph), plus the merge layers JoinTable, CAddTable and CMulTable. */
import * as F from '../../ops/api.ts';
import type { Tensor } from '../../ops/ir.ts';
import { Module, callLayer, type BuildContext } from './module.ts';
import { NnUserError, NnErrorCode, nnArg } from './errors.ts';

/** A node of a model graph: a graph input, or a module applied to earlier nodes. */
export class GraphNode {
  constructor(
    readonly module: Module | null,
    readonly inputs: GraphNode[],
    /** Per-sample shape, for graph inputs. */
    readonly shape: number[] | null,
  ) {}

  /** Applies `module` to this node (and `others`, for merge layers). */
  then(module: Module, ...others: GraphNode[]): GraphNode {
    return new GraphNode(module, [this, ...others], null);
  }
}

/** A graph input holding one sample of the given shape (without the batch dim). */
export function Input(shape: number[]): GraphNode {
  if (!shape.every(d => Number.isInteger(d) && d > 0)) throw nnArg(`Input([${shape}]): dims must be positive integers`);
  return new GraphNode(null, [], shape);
}

/** Applies a module to one or more nodes: `node(new nn.Linear(4, 2), x)`, `node(new nn.CAddTable(), a, b)`. */
export function node(module: Module, ...inputs: GraphNode[]): GraphNode {
  if (inputs.length === 0) throw nnArg(`node(${module.constructor.name}): give at least one input node`);
  return new GraphNode(module, inputs, null);
}

/** A layer combining several inputs. */
export abstract class MergeModule extends Module {
  abstract forwardMany(xs: Tensor[], ctx: BuildContext): Tensor;
  forward(x: Tensor, ctx: BuildContext): Tensor {
    return this.forwardMany([x], ctx);
  }
}

/** Concatenates inputs along `dim` (batch is dim 0). */
export class JoinTable extends MergeModule {
  constructor(readonly dim: number) {
    super();
  }
  forwardMany(xs: Tensor[], _ctx: BuildContext): Tensor {
    return xs.length === 1 ? xs[0] : F.concat(xs, this.dim);
  }
}

/** Elementwise sum of the inputs. */
export class CAddTable extends MergeModule {
  forwardMany(xs: Tensor[], _ctx: BuildContext): Tensor {
    return xs.reduce((a, b) => F.add(a, b));
  }
}

/** Elementwise product of the inputs. */
export class CMulTable extends MergeModule {
  forwardMany(xs: Tensor[], _ctx: BuildContext): Tensor {
    return xs.reduce((a, b) => F.mul(a, b));
  }
}

/**
 * A model given as a graph of nodes from `inputs` to `output`. Its modules are named by their
 * position in topological order ('0', '1', ...). With several inputs, the compiled step's `x`
 * holds each sample's inputs concatenated (flattened, in `inputs` order): `inputShape` is
 * [Σ sizes] and the graph slices x apart.
 */
export class Graph extends Module {
  private readonly order: GraphNode[];
  private readonly graphInputs: GraphNode[];

  constructor(inputs: GraphNode | GraphNode[], output: GraphNode) {
    super();
    this.graphInputs = Array.isArray(inputs) ? inputs : [inputs];
    const seen = new Set<GraphNode>();
    this.order = [];
    const visit = (n: GraphNode, stack: Set<GraphNode>) => {
      if (seen.has(n)) return;
      if (stack.has(n)) throw nnArg('nn.Graph: the node graph has a cycle');
      stack.add(n);
      for (const i of n.inputs) visit(i, stack);
      stack.delete(n);
      seen.add(n);
      this.order.push(n);
    };
    visit(output, new Set());
    for (const n of this.order) {
      if (!n.module && !this.graphInputs.includes(n)) throw nnArg('nn.Graph: the output depends on an Input that is not in the inputs list');
    }
    let k = 0;
    for (const n of this.order) if (n.module) this.registerModule(String(k++), n.module);
    const shapes = this.graphInputs.map(n => n.shape!);
    this.inputShape = shapes.length === 1 ? shapes[0] : [shapes.reduce((a, s) => a + s.reduce((p, d) => p * d, 1), 0)];
  }

  forward(x: Tensor, ctx: BuildContext): Tensor {
    const values = new Map<GraphNode, Tensor>();
    if (this.graphInputs.length === 1) {
      values.set(this.graphInputs[0], x);
    } else {
      if (x.rank !== 2) throw new NnUserError(NnErrorCode.SHAPE_MISMATCH, `nn.Graph with ${this.graphInputs.length} inputs expects x as [N, ${this.inputShape}], got ${x}`);
      let off = 0;
      for (const n of this.graphInputs) {
        const size = n.shape!.reduce((a, b) => a * b, 1);
        values.set(n, F.reshape(F.slice(x, [off], [off + size], [1]), [0, ...n.shape!]));
        off += size;
      }
    }
    const label = (n: GraphNode) => (n.module ? `layer '${ctx.pathOf(n.module)}' (${n.module.constructor.name})` : 'a graph input');
    for (const n of this.order) {
      if (!n.module) continue;
      const ins = n.inputs.map(i => values.get(i)!);
      let y: Tensor;
      if (n.module instanceof MergeModule) {
        try {
          y = n.module.forwardMany(ins, ctx);
        } catch (e) {
          const shapes = ins.map((t, i) => `${label(n.inputs[i])} [${t.shape.join(',')}]`).join(', ');
          throw new NnUserError(NnErrorCode.SHAPE_MISMATCH, `${label(n)} cannot merge ${shapes}: ${(e as Error).message}`, { cause: e });
        }
      } else {
        if (ins.length !== 1) throw nnArg(`${label(n)} takes one input but the graph gives it ${ins.length}`);
        y = callLayer(n.module, ins[0], ctx, label(n.inputs[0]));
      }
      values.set(n, y);
    }
    return values.get(this.order[this.order.length - 1])!;
  }
}
