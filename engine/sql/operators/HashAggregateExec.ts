/**
 * Hash aggregation in three modes: 'partial' (rows -> per-key partial states, before the shuffle),
 * 'final' (partial states -> values, after it) and 'complete' (rows -> values, in one step).
 */
import type { RecordBatch } from 'apache-arrow';
import { AGGREGATES, type AggState } from '../aggregates.ts';
import { batchColumns, makeBatch, type Col } from '../columns.ts';
import { exprName, type AggFnName, type Expr } from '../column.ts';
import { compileExpr, type Evaluator } from '../eval.ts';
import { GroupTable } from '../hash.ts';
import { canFuse, FusedAccumulator } from '../fusedAgg.ts';
import type { FieldSpec, SchemaSpec, TypeName } from '../types.ts';
import type { ExecContext, PhysicalOp } from './plan.ts';

/** One aggregate of an aggregation: function, argument (null for count(*)) and output name. */
export interface AggSpec {
  fn: AggFnName;
  arg: Expr | null;
  name: string;
}

export type AggMode = 'partial' | 'final' | 'complete';

/** Default `flint.sql.aggregate.partialMaxGroups`: groups a partial aggregation holds before it emits them. */
export const DEFAULT_PARTIAL_MAX_GROUPS = 1 << 20;

/** What a final aggregation needs from its partial step: the key and argument types it saw. */
export interface PartialInfo {
  keyTypes: TypeName[];
  argTypes: (TypeName | null)[];
}

export class HashAggregateExec implements PhysicalOp {
  readonly name = 'HashAggregate';
  readonly schema: SchemaSpec;
  readonly children: PhysicalOp[];
  readonly numPartitions: number;
  private readonly keyEvals: Evaluator[];
  private readonly argEvals: (Evaluator | null)[];
  /** Types of the aggregates' arguments, from the original input schema. */
  readonly argTypes: (TypeName | null)[];
  readonly keyTypes: TypeName[];

  /**
   * In 'final' mode the child is the partial aggregation's output and `partial` gives the partial
   * step's key and argument types (the arguments are not evaluated again).
   */
  constructor(
    readonly child: PhysicalOp,
    readonly mode: AggMode,
    readonly keys: Expr[],
    readonly keyNames: string[],
    readonly aggs: AggSpec[],
    readonly partial: PartialInfo | null = null,
  ) {
    this.children = [child];
    this.numPartitions = child.numPartitions;
    if (mode === 'final') {
      this.keyEvals = keyNames.map(k => compileExpr({ op: 'col', name: k }, child.schema, 'agg'));
      this.argEvals = aggs.map(() => null);
      this.argTypes = partial!.argTypes;
      this.keyTypes = partial!.keyTypes;
    } else {
      this.keyEvals = keys.map(k => compileExpr(k, child.schema, 'groupBy'));
      this.argEvals = aggs.map(a => (a.arg === null ? null : compileExpr(a.arg, child.schema, `agg ${a.fn}`)));
      this.argTypes = this.argEvals.map(e => e?.type ?? null);
      this.keyTypes = this.keyEvals.map(e => e.type);
    }
    const keyFields: FieldSpec[] = keyNames.map((name, i) => ({ name, type: this.keyTypes[i], nullable: true }));
    const outFields: FieldSpec[] = [];
    aggs.forEach((a, i) => {
      const f = AGGREGATES[a.fn];
      if (mode === 'partial') {
        f.stateTypes(this.argTypes[i]).forEach((t, j) => outFields.push({ name: `${a.name}#state${j}`, type: t, nullable: true }));
      } else {
        outFields.push({ name: a.name, type: f.resultType(this.argTypes[i]), nullable: true });
      }
    });
    this.schema = [...keyFields, ...outFields];
  }

  async *execute(partition: number, ctx: ExecContext): AsyncIterable<RecordBatch> {
    // A partial aggregation may emit its states early and start over: the final step merges repeated keys.
    // That bounds its memory at `flint.sql.aggregate.partialMaxGroups` groups.
    const maxGroups = this.mode === 'partial' ? Number(ctx.conf('flint.sql.aggregate.partialMaxGroups') ?? DEFAULT_PARTIAL_MAX_GROUPS) : Infinity;
    const fusable = this.mode !== 'final' && canFuse(this.aggs, this.argTypes);
    const stateWidths = this.aggs.map((a, i) => AGGREGATES[a.fn].stateTypes(this.argTypes[i]).length);
    const inSchema = this.child.schema;
    let table = new GroupTable(this.keyTypes);
    let fused = fusable ? new FusedAccumulator(this.aggs, this.argTypes) : null;
    let states: AggState[] = fused !== null ? [] : this.aggs.map((a, i) => AGGREGATES[a.fn].create(this.argTypes[i]));
    for await (const batch of this.child.execute(partition, ctx)) {
      const n = batch.numRows;
      if (n === 0) continue;
      const cols = batchColumns(batch, inSchema);
      const keyCols = this.keyEvals.map(e => e.eval(cols, n));
      const gids = table.groupIds(keyCols, n);
      const numGroups = table.size;
      if (fused !== null) fused.add(gids, n, numGroups, this.argEvals.map(e => e?.eval(cols, n) ?? null));
      else if (this.mode === 'final') {
        let c = this.keyTypes.length;
        for (let i = 0; i < states.length; i++) {
          states[i].merge(gids, n, numGroups, cols.slice(c, c + stateWidths[i]));
          c += stateWidths[i];
        }
      } else {
        for (let i = 0; i < states.length; i++) states[i].add(gids, n, numGroups, this.argEvals[i]?.eval(cols, n) ?? null);
      }
      if (table.size >= maxGroups) {
        yield this.output(table, table.size, fused, states);
        table = new GroupTable(this.keyTypes);
        fused = fusable ? new FusedAccumulator(this.aggs, this.argTypes) : null;
        states = fused !== null ? [] : this.aggs.map((a, i) => AGGREGATES[a.fn].create(this.argTypes[i]));
      }
    }
    let numGroups = table.size;
    // A global aggregate (no keys) yields one row even over no input, as SQL does, but only once: in its final step.
    if (this.keyTypes.length === 0 && numGroups === 0 && this.mode !== 'partial' && partition === 0) numGroups = 1;
    if (numGroups === 0) return;
    yield this.output(table, numGroups, fused, states);
  }

  /** The batch of groups [0, numGroups): keys, then partial states or final values. */
  private output(table: GroupTable, numGroups: number, fused: FusedAccumulator | null, states: AggState[]): RecordBatch {
    const out: Col[] = numGroups === table.size ? table.keyColumns() : [];
    const resultTypes = this.aggs.map((a, i) => AGGREGATES[a.fn].resultType(this.argTypes[i]));
    if (fused !== null) {
      out.push(...(this.mode === 'partial' ? fused.states(numGroups, resultTypes) : fused.values(numGroups, resultTypes)));
    } else {
      for (const s of states) {
        if (this.mode === 'partial') out.push(...s.state(numGroups));
        else out.push(s.value(numGroups));
      }
    }
    return makeBatch(this.schema, out, numGroups);
  }

  estimatedBytes(): number | null {
    return this.child.estimatedBytes();
  }
  describe(): string {
    return `HashAggregate(${this.mode}) keys=[${this.keyNames.join(', ')}] aggs=[${this.aggs.map(a => `${a.fn}(${a.arg === null ? '*' : exprName(a.arg)}) AS ${a.name}`).join(', ')}]`;
  }
}
