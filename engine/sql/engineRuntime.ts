/**
 * The engine runtime: runs DataFrame plans as RDD jobs on a FlintContext. A plan is cut into fragments
 * at exchanges and unions; each fragment runs per partition inside one mapPartitionsWithIndex task on an
 * executor (rebuilt from its spec there). A hash exchange is a columnar shuffle: the map side cuts each
 * batch into one piece per reduce partition and the pieces travel through the engine's shuffle as Arrow
 * IPC bytes. A broadcast exchange collects its child on the driver and ships it with ctx.broadcast.
 */
import type { RecordBatch } from 'apache-arrow';
import type { FlintContext } from '../context.ts';
import { HashPartitioner } from '../rdd/Partitioner.ts';
import type { RDD } from '../rdd/RDD.ts';
import { moduleRef } from '../serde/closure.ts';
import type { Broadcast } from '../broadcast/Broadcast.ts';
import { SQL_ERROR_CODES, SqlInternalError, SqlNotImplementedError, SqlUserError } from './errors.ts';
import type { FragmentTail, Piece } from './fragment.ts';
import { ipcToBatches } from './ipc.ts';
import { sampleRangeBounds } from './rangeBounds.ts';
import { CachedExec } from './operators/CachedExec.ts';
import { ExchangeExec } from './operators/ExchangeExec.ts';
import type { PhysicalOp } from './operators/plan.ts';
import { ProjectExec } from './operators/ProjectExec.ts';
import { opToSpec, type OpSpec } from './operators/serde.ts';
import { UnionExec } from './operators/UnionExec.ts';
import type { SqlRuntime } from './runtime.ts';
import type { WriteJob } from './tasks.ts';
import type { Expr } from './column.ts';
import type { DataFrame } from './dataframe.ts';
import { moduleUrl } from '../moduleUrl.ts';

const FRAGMENT_URL = moduleUrl('./fragment.ts', import.meta.url);
const ROWS_URL = moduleUrl('./rows.ts', import.meta.url);

/** Keys that HashPartitioner(n) sends to partitions 0..n-1, so a piece's key picks its reduce partition exactly. */
function keyTable(n: number): number[] {
  const hp = new HashPartitioner(n);
  const keys = new Array<number>(n).fill(-1);
  let found = 0;
  for (let k = 0; found < n; k++) {
    const p = hp.getPartition(k);
    if (keys[p] < 0) { keys[p] = k; found++; }
    if (k > n * 10000) throw new SqlInternalError(`no key reaches every one of ${n} hash partitions`);
  }
  return keys;
}

const USER_CODES = new Set(Object.keys(SQL_ERROR_CODES).filter(c => c !== 'NOT_IMPLEMENTED' && c !== 'INTERNAL'));

/**
 * Runs a job; when a task failed with an engine/sql user error (a malformed record, a bad type), that error
 * is raised again as itself (same class and code as in process), with the engine's job failure as its cause.
 */
async function job<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const cause = (err as { cause?: { name?: string; code?: string; message?: string } }).cause;
    if (cause?.name === 'SqlUserError' && cause.code !== undefined && USER_CODES.has(cause.code)) {
      throw new SqlUserError(cause.code as never, String(cause.message), { cause: err });
    }
    throw err;
  }
}

/** Runs DataFrame plans on a FlintContext's executors. */
export class EngineRuntime implements SqlRuntime {
  private readonly keyTables = new Map<number, number[]>();
  /** Output of broadcast exchanges already run, kept on the driver; each fragment ships the ones it reads in one ctx.broadcast. */
  private readonly broadcasts = new WeakMap<ExchangeExec, Uint8Array[]>();
  constructor(readonly ctx: FlintContext) {}

  get defaultParallelism(): number {
    return this.ctx.defaultParallelism;
  }

  conf(key: string): string | undefined {
    const c = this.ctx.conf as unknown as { has(k: string): boolean; getString(k: string): string };
    return c.has(key) ? String(c.getString(key)) : undefined;
  }

  private confMap(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const k of ['flint.sql.shuffle.partitions', 'flint.sql.broadcastThresholdBytes']) {
      const v = this.conf(k);
      if (v !== undefined) out[k] = v;
    }
    return out;
  }

  private keys(n: number): number[] {
    let t = this.keyTables.get(n);
    if (t === undefined) { t = keyTable(n); this.keyTables.set(n, t); }
    return t;
  }

  /**
   * Runs what a plan needs before it can be cut into tasks, deepest first: the children of broadcast
   * exchanges (their output is broadcast) and the key samples of range exchanges (their bounds).
   */
  async prepare(op: PhysicalOp): Promise<void> {
    for (const c of op.children) await this.prepare(c);
    if (op instanceof ExchangeExec && op.partitioning.kind === 'range') await sampleRangeBounds(op, o => this.collect(o));
    if (op instanceof ExchangeExec && op.partitioning.kind === 'broadcast' && !this.broadcasts.has(op)) {
      const rows = (await job(() => this.compile(op.child, { mode: 'bytes' }).collect())) as Uint8Array[];
      this.broadcasts.set(op, rows);
    }
  }

  async collect(op: PhysicalOp): Promise<RecordBatch[][]> {
    await this.prepare(op);
    const pieces = (await job(() => this.compile(op, { mode: 'collect' }).collect())) as [number, Uint8Array][];
    const parts: RecordBatch[][] = Array.from({ length: op.numPartitions }, () => []);
    for (const [p, bytes] of pieces) parts[p].push(...ipcToBatches(bytes));
    return parts;
  }

  async count(op: PhysicalOp): Promise<number[]> {
    await this.prepare(op);
    return (await job(() => this.compile(op, { mode: 'count' }).collect())) as number[];
  }

  async write(op: PhysicalOp, writeJob: WriteJob): Promise<number[]> {
    await this.prepare(op);
    return (await job(() => this.compile(op, { mode: 'write', job: writeJob }).collect())) as number[];
  }

  /**
   * The plan's partitions as an RDD of Arrow IPC bytes (one element per batch). Broadcast joins need
   * prepareBroadcasts first; without it this fails naming the async alternative.
   */
  bytesRdd(op: PhysicalOp): RDD<Uint8Array> {
    return this.compile(op, { mode: 'bytes' }) as RDD<Uint8Array>;
  }

  private readonly cached = new WeakMap<CachedExec, RDD<Piece>>();

  /** The persisted RDD of a cached DataFrame's IPC batches (built on first use; blocks stay on the executors). */
  private cachedRdd(op: CachedExec): RDD<Piece> {
    let rdd = this.cached.get(op);
    if (rdd === undefined) {
      rdd = this.compile(op.child, { mode: 'bytes' }).persist();
      this.cached.set(op, rdd);
    }
    return rdd;
  }

  /** Drops a cached DataFrame's blocks from the executors. */
  async uncache(op: CachedExec): Promise<void> {
    const rdd = this.cached.get(op);
    this.cached.delete(op);
    if (rdd !== undefined) await rdd.unpersist();
  }

  /** df.rdd: the rows as plain objects. */
  rowsRdd(df: DataFrame): RDD<Record<string, unknown>> {
    const schema = df.plan.schema;
    return this.bytesRdd(df.plan).flatMap((b: Uint8Array) => toRows(b, schema), { toRows: moduleRef(ROWS_URL, 'ipcRows'), schema });
  }

  /** An RDD computing `op`'s partitions and ending in `tail`. */
  private compile(op: PhysicalOp, tail: FragmentTail): RDD<Piece> {
    if (op instanceof CachedExec) {
      const cached = this.cachedRdd(op);
      if (tail.mode === 'bytes') return cached;
      return this.fragment(cached, { op: 'Input', id: 'narrow', schema: op.schema, numPartitions: op.numPartitions }, {}, tail);
    }
    if (op instanceof UnionExec) {
      const parts: RDD<Piece>[] = [];
      for (const child of op.children) parts.push(this.compile(castTo(child, op), { mode: 'bytes' }));
      const union = this.ctx.union(parts);
      if (tail.mode === 'bytes') return union;
      return this.fragment(union, { op: 'Input', id: 'narrow', schema: op.schema, numPartitions: op.numPartitions }, {}, tail);
    }
    const shuffles: ExchangeExec[] = [];
    const broadcasts: Record<string, Uint8Array[]> = {};
    let narrow: UnionExec | CachedExec | null = null;
    const spec = opToSpec(op, o => {
      if (o instanceof ExchangeExec) {
        const id = `x${o.id}`;
        if (o.partitioning.kind === 'broadcast') {
          const b = this.broadcasts.get(o);
          if (b === undefined) {
            throw new SqlNotImplementedError('this DataFrame has a broadcast join, whose build side must run first: use `await df.toRdd()` instead of df.rdd');
          }
          broadcasts[id] = b;
        } else {
          if (o.partitioning.kind === 'range' && o.partitioning.bounds === null) {
            throw new SqlNotImplementedError('this DataFrame has a global sort, whose range bounds are sampled by a job first: use `await df.toRdd()` instead of df.rdd');
          }
          shuffles.push(o);
        }
        return { op: 'Input', id, schema: o.schema, numPartitions: o.numPartitions };
      }
      if ((o instanceof UnionExec || o instanceof CachedExec) && o !== op) {
        if (narrow !== null) throw new SqlInternalError('a plan fragment reads two narrow inputs (unions or cached DataFrames)');
        narrow = o;
        return { op: 'Input', id: 'narrow', schema: o.schema, numPartitions: o.numPartitions };
      }
      return undefined;
    });
    let driver: RDD<Piece>;
    if (shuffles.length > 0) {
      const n = shuffles[0].numPartitions;
      if (narrow !== null || shuffles.some(s => s.numPartitions !== n)) throw new SqlInternalError('a plan fragment reads inputs of different partitionings');
      const keys = this.keys(n);
      const maps: RDD<Piece>[] = [];
      for (const ex of shuffles) {
        maps.push(this.compile(ex.child, { mode: 'shuffle', partitioning: ex.partitioning.kind === 'single' ? { kind: 'hash', keys: [], numPartitions: 1 } : ex.partitioning, tag: `x${ex.id}`, keys }));
      }
      const mapped = (maps.length === 1 ? maps[0] : this.ctx.union(maps)) as unknown as RDD<[number, unknown]>;
      driver = mapped.partitionBy(new HashPartitioner(n)) as unknown as RDD<Piece>;
    } else if (narrow !== null) {
      driver = this.compile(narrow, { mode: 'bytes' });
    } else {
      const n = op.numPartitions;
      driver = this.ctx.parallelize(Array.from({ length: n }, (_, i) => i), Math.max(1, n)) as RDD<Piece>;
    }
    return this.fragment(driver, spec, broadcasts, tail);
  }

  private fragment(driver: RDD<Piece>, spec: OpSpec, broadcasts: Record<string, Uint8Array[]>, tail: FragmentTail): RDD<Piece> {
    const conf = this.confMap();
    const bc = Object.keys(broadcasts).length > 0 ? this.ctx.broadcast(broadcasts) : null;
    return driver.mapPartitionsWithIndex(
      // Declared async so that an async parent streams into it rather than being drained first.
      async function* (index: number, it: Iterable<Piece> | AsyncIterable<Piece>) { yield* run(index, it, spec, bc === null ? {} : bc.value, tail, conf); },
      { run: moduleRef(FRAGMENT_URL, 'runFragment'), spec, bc, tail, conf },
    ) as RDD<Piece>;
  }
}

// The shipped task functions above run on an executor, where `run` and `toRows` are bound from their env argument.
declare const run: (index: number, it: Iterable<Piece> | AsyncIterable<Piece>, spec: OpSpec, b: Record<string, Uint8Array[]>, tail: FragmentTail, conf: Record<string, string>) => AsyncIterable<Piece>;
declare const toRows: (b: Uint8Array, schema: unknown) => Record<string, unknown>[];

/** `child` with its columns cast to the union's types (a union widens numeric columns). */
function castTo(child: PhysicalOp, union: UnionExec): PhysicalOp {
  if (child.schema.every((f, i) => f.type === union.schema[i].type)) return child;
  const exprs: Expr[] = child.schema.map((f, i) => (f.type === union.schema[i].type
    ? { op: 'col', name: f.name }
    : { op: 'cast', expr: { op: 'col', name: f.name }, to: union.schema[i].type }));
  return new ProjectExec(child, exprs, child.schema.map(f => f.name));
}

