/** Plan fragments as plain data: operators to specs on the driver and back on an executor (expressions are already data). */
import type { InputSplit } from '../../sources.ts';
import type { Expr } from '../column.ts';
import { SqlInternalError } from '../errors.ts';
import { batchesToIPC, ipcToBatches } from '../ipc.ts';
import type { SchemaSpec } from '../types.ts';
import { ExchangeExec, type Partitioning } from './ExchangeExec.ts';
import { FilterExec } from './FilterExec.ts';
import { HashAggregateExec, type AggMode, type AggSpec, type PartialInfo } from './HashAggregateExec.ts';
import { HashJoinExec, type JoinType } from './HashJoinExec.ts';
import { InputExec } from './InputExec.ts';
import { LimitExec } from './LimitExec.ts';
import { LocalBatchesExec } from './LocalBatchesExec.ts';
import type { PhysicalOp } from './plan.ts';
import { ProjectExec } from './ProjectExec.ts';
import { SampleExec } from './SampleExec.ts';
import { ScanExec } from './ScanExec.ts';
import { SortExec, type SortOrder } from './SortExec.ts';
import { UnionExec } from './UnionExec.ts';

/** A structured-clonable operator tree. */
export type OpSpec =
  | { op: 'Input'; id: string; schema: SchemaSpec; numPartitions: number }
  | { op: 'LocalBatches'; schema: SchemaSpec; partitions: Uint8Array[] }
  | { op: 'Scan'; format: string; moduleUrl: string; splits: InputSplit[]; options: Record<string, unknown>; schema: SchemaSpec; totalBytes: number | null }
  | { op: 'Project'; child: OpSpec; exprs: Expr[]; names: string[] }
  | { op: 'Filter'; child: OpSpec; condition: Expr }
  | { op: 'HashAggregate'; child: OpSpec; mode: AggMode; keys: Expr[]; keyNames: string[]; aggs: AggSpec[]; partial: PartialInfo | null }
  | { op: 'HashJoin'; left: OpSpec; right: OpSpec; keys: string[]; how: JoinType; broadcast: boolean }
  | { op: 'Sort'; child: OpSpec; orders: SortOrder[] }
  | { op: 'Limit'; child: OpSpec; limit: number }
  | { op: 'Union'; children: OpSpec[]; schema: SchemaSpec }
  | { op: 'Exchange'; child: OpSpec; partitioning: Partitioning }
  | { op: 'Sample'; child: OpSpec; size: number };

/**
 * The spec of `op`; `replace` may swap a subtree for another spec (the engine runtime swaps exchanges
 * for Input leaves).
 */
export function opToSpec(op: PhysicalOp, replace?: (op: PhysicalOp) => OpSpec | undefined): OpSpec {
  const r = replace?.(op);
  if (r !== undefined) return r;
  const rec = (c: PhysicalOp): OpSpec => opToSpec(c, replace);
  if (op instanceof InputExec) return { op: 'Input', id: op.id, schema: op.schema, numPartitions: op.numPartitions };
  if (op instanceof LocalBatchesExec) {
    return { op: 'LocalBatches', schema: op.schema, partitions: op.partitions.map(p => (p.length === 0 ? new Uint8Array(0) : batchesToIPC(p))) };
  }
  if (op instanceof ScanExec) {
    return { op: 'Scan', format: op.format, moduleUrl: op.moduleUrl, splits: op.splits, options: op.options, schema: op.schema, totalBytes: op.totalBytes };
  }
  if (op instanceof ProjectExec) return { op: 'Project', child: rec(op.child), exprs: op.exprs, names: op.names };
  if (op instanceof FilterExec) return { op: 'Filter', child: rec(op.child), condition: op.condition };
  if (op instanceof HashAggregateExec) {
    return { op: 'HashAggregate', child: rec(op.child), mode: op.mode, keys: op.keys, keyNames: op.keyNames, aggs: op.aggs, partial: op.partial };
  }
  if (op instanceof HashJoinExec) return { op: 'HashJoin', left: rec(op.left), right: rec(op.right), keys: op.keys, how: op.how, broadcast: op.broadcast };
  if (op instanceof SortExec) return { op: 'Sort', child: rec(op.child), orders: op.orders };
  if (op instanceof LimitExec) return { op: 'Limit', child: rec(op.child), limit: op.limit };
  if (op instanceof UnionExec) return { op: 'Union', children: op.children.map(rec), schema: op.schema };
  if (op instanceof ExchangeExec) return { op: 'Exchange', child: rec(op.child), partitioning: op.partitioning };
  if (op instanceof SampleExec) return { op: 'Sample', child: rec(op.child), size: op.size };
  throw new SqlInternalError(`no spec for operator ${op.name}`);
}

/** Rebuilds an operator tree from its spec (compiling its expressions again). */
export function opFromSpec(s: OpSpec): PhysicalOp {
  switch (s.op) {
    case 'Input': return new InputExec(s.id, s.schema, s.numPartitions);
    case 'LocalBatches': return new LocalBatchesExec(s.schema, s.partitions.map(b => (b.length === 0 ? [] : ipcToBatches(b))));
    case 'Scan': return new ScanExec(s.format, s.moduleUrl, s.splits, s.options, s.schema, s.totalBytes);
    case 'Project': return new ProjectExec(opFromSpec(s.child), s.exprs, s.names);
    case 'Filter': return new FilterExec(opFromSpec(s.child), s.condition);
    case 'HashAggregate': return new HashAggregateExec(opFromSpec(s.child), s.mode, s.keys, s.keyNames, s.aggs, s.partial);
    case 'HashJoin': return new HashJoinExec(opFromSpec(s.left), opFromSpec(s.right), s.keys, s.how, s.broadcast);
    case 'Sort': return new SortExec(opFromSpec(s.child), s.orders);
    case 'Limit': return new LimitExec(opFromSpec(s.child), s.limit);
    case 'Union': return new UnionExec(s.children.map(opFromSpec), s.schema);
    case 'Exchange': return new ExchangeExec(opFromSpec(s.child), s.partitioning);
    case 'Sample': return new SampleExec(opFromSpec(s.child), s.size);
  }
}
