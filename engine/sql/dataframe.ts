/** The DataFrame: a lazy plan of physical operators over Arrow RecordBatch partitions; verbs validate and build plan nodes, actions run them. */
import { RecordBatch, Table } from 'apache-arrow';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { batchRows, concatBatches } from './columns.ts';
import { col as colFn, Column, containsAgg, exprName, type Expr } from './column.ts';
import type { SqlSourceModule } from './datasource.ts';
import { SqlNotImplementedError, SqlUserError, unresolvedColumn } from './errors.ts';
import { compileExpr } from './eval.ts';
import { schemaTree, showTable } from './format.ts';
import { CachedExec } from './operators/CachedExec.ts';
import { ExchangeExec } from './operators/ExchangeExec.ts';
import { FilterExec } from './operators/FilterExec.ts';
import { HashAggregateExec, type AggSpec } from './operators/HashAggregateExec.ts';
import { HashJoinExec, type JoinType } from './operators/HashJoinExec.ts';
import { LimitExec } from './operators/LimitExec.ts';
import { explainPlan, type PhysicalOp } from './operators/plan.ts';
import { ProjectExec } from './operators/ProjectExec.ts';
import { SortExec, type SortOrder } from './operators/SortExec.ts';
import { UnionExec } from './operators/UnionExec.ts';
import type { SqlRuntime } from './runtime.ts';
import type { RDD } from '../rdd/RDD.ts';
import { isNumeric, sparkTypeName, toArrowSchema, widen, type SchemaSpec } from './types.ts';
import { loadFormat, lookupFormat } from '../sources.ts';
import type { WriteJob } from './tasks.ts';

/** Default `flint.sql.broadcastThresholdBytes` (Spark's 10 MB); -1 turns broadcast joins off. */
export const DEFAULT_BROADCAST_THRESHOLD = 10 * 1024 * 1024;

type ColumnLike = Column | string;

function toColumn(c: ColumnLike, where: string): Column {
  if (c instanceof Column) return c;
  if (typeof c === 'string') return colFn(c);
  throw new SqlUserError('INVALID_ARGUMENT', `${where}: expected a Column or a column name, got ${c === null ? 'null' : typeof c}`);
}

function outputName(e: Expr): string {
  return e.op === 'alias' ? e.name : exprName(e);
}

function stripAlias(e: Expr): Expr {
  return e.op === 'alias' ? stripAlias(e.expr) : e;
}

/** A distributed table: rows in Arrow RecordBatch partitions, computed lazily from a plan. */
export class DataFrame {
  /** The physical plan producing this DataFrame's partitions. */
  readonly plan: PhysicalOp;
  /** The runtime its actions use. */
  readonly runtime: SqlRuntime;

  constructor(runtime: SqlRuntime, plan: PhysicalOp) {
    this.runtime = runtime;
    this.plan = plan;
  }

  private with(plan: PhysicalOp): DataFrame {
    return new DataFrame(this.runtime, plan);
  }

  /** The schema as Flint field specs. */
  get schema(): SchemaSpec {
    return this.plan.schema.map(f => ({ ...f }));
  }

  /** Column names in order. */
  get columns(): string[] {
    return this.plan.schema.map(f => f.name);
  }

  /** [name, Spark type name] pairs. */
  get dtypes(): [string, string][] {
    return this.plan.schema.map(f => [f.name, sparkTypeName(f.type)]);
  }

  /** Number of partitions. */
  get numPartitions(): number {
    return this.plan.numPartitions;
  }

  /** A Column for one of this DataFrame's columns (fails now when it does not exist). */
  col(name: string): Column {
    this.requireColumns([name], 'col');
    return colFn(name);
  }

  private requireColumns(names: string[], where: string): void {
    for (const n of names) if (!this.columns.includes(n)) throw unresolvedColumn(n, this.columns, where);
  }

  private shufflePartitions(): number {
    const v = this.runtime.conf('flint.sql.shuffle.partitions');
    return v === undefined ? this.runtime.defaultParallelism : Math.max(1, Number(v));
  }

  // ---- transformations ----

  /** Projects columns or expressions; '*' expands to every column. Aggregates make it a global aggregation. */
  select(...cols: (ColumnLike | ColumnLike[])[]): DataFrame {
    const list = cols.flat().flatMap(c => (c === '*' ? this.columns.map(n => colFn(n)) : [toColumn(c, 'select')]));
    if (list.length > 0 && list.every(c => containsAgg(c.expr))) return this.agg(...list);
    const exprs = list.map(c => c.expr);
    return this.with(new ProjectExec(this.plan, exprs, exprs.map(outputName)));
  }

  /** Adds a column, or replaces the one of that name in place. */
  withColumn(name: string, c: Column): DataFrame {
    if (!(c instanceof Column)) throw new SqlUserError('INVALID_ARGUMENT', `withColumn('${name}'): the value must be a Column (use lit() for a constant)`);
    const names = this.columns;
    const exprs: Expr[] = names.map(n => (n === name ? c.expr : { op: 'col', name: n }));
    const outNames = [...names];
    if (!names.includes(name)) { exprs.push(c.expr); outNames.push(name); }
    return this.with(new ProjectExec(this.plan, exprs, outNames));
  }

  /** Renames a column; fails when `existing` is not a column. */
  withColumnRenamed(existing: string, name: string): DataFrame {
    this.requireColumns([existing], 'withColumnRenamed');
    const names = this.columns;
    return this.with(new ProjectExec(this.plan, names.map(n => ({ op: 'col', name: n })), names.map(n => (n === existing ? name : n))));
  }

  /** Removes columns; fails when one is not a column. */
  drop(...names: string[]): DataFrame {
    this.requireColumns(names, 'drop');
    const keep = this.columns.filter(n => !names.includes(n));
    return this.with(new ProjectExec(this.plan, keep.map(n => ({ op: 'col', name: n })), keep));
  }

  /** Keeps rows where the condition is true (null counts as false). */
  filter(condition: Column): DataFrame {
    if (!(condition instanceof Column)) throw new SqlUserError('INVALID_ARGUMENT', 'filter: the condition must be a Column, e.g. col("age").gt(21)');
    return this.with(new FilterExec(this.plan, condition.expr));
  }

  /** Same as filter. */
  where(condition: Column): DataFrame {
    return this.filter(condition);
  }

  /** Groups by columns or expressions for agg(). */
  groupBy(...cols: (ColumnLike | ColumnLike[])[]): GroupedData {
    const keys = cols.flat().map(c => toColumn(c, 'groupBy'));
    for (const k of keys) compileExpr(k.expr, this.plan.schema, 'groupBy');
    return new GroupedData(this, keys);
  }

  /** Aggregates over the whole DataFrame (one row). */
  agg(...aggs: (Column | Record<string, string>)[]): DataFrame {
    return new GroupedData(this, []).agg(...aggs);
  }

  /** Builds the two-step aggregation: partial per partition, exchange by key, final merge. */
  aggregatePlan(keys: Column[], aggs: AggSpec[]): DataFrame {
    const keyExprs = keys.map(k => stripAlias(k.expr));
    const keyNames = keys.map(k => outputName(k.expr));
    const partial = new HashAggregateExec(this.plan, 'partial', keyExprs, keyNames, aggs);
    const exchange = new ExchangeExec(partial, keyExprs.length === 0
      ? { kind: 'single' }
      : { kind: 'hash', keys: keyNames.map(n => ({ op: 'col', name: n }) as Expr), numPartitions: this.shufflePartitions() });
    return this.with(new HashAggregateExec(exchange, 'final', keyExprs, keyNames, aggs, { keyTypes: partial.keyTypes, argTypes: partial.argTypes }));
  }

  /**
   * Joins on equal values of the `on` columns, which both sides must have (a USING join: each key
   * appears once in the output, first). `how`: inner, left, right, full (outer), semi, anti.
   */
  join(other: DataFrame, on: string | string[], how: string = 'inner'): DataFrame {
    if (!(other instanceof DataFrame)) throw new SqlUserError('INVALID_ARGUMENT', 'join: the first argument must be a DataFrame');
    const keys = Array.isArray(on) ? on : [on];
    if (keys.length === 0 || keys.some(k => typeof k !== 'string')) {
      throw new SqlUserError('INVALID_ARGUMENT', 'join: `on` must be a column name or a non-empty list of column names present on both sides');
    }
    const type = normalizeJoinType(how);
    this.requireColumns(keys, 'join (left side)');
    other.requireColumns(keys, 'join (right side)');
    if (type !== 'semi' && type !== 'anti') {
      const clash = this.columns.filter(c => !keys.includes(c) && other.columns.includes(c));
      if (clash.length > 0) {
        throw new SqlUserError('AMBIGUOUS_COLUMN',
          `join: both sides have column(s) [${clash.join(', ')}] that are not join keys; rename one side first with withColumnRenamed`);
      }
    }
    let left: PhysicalOp = this.plan;
    let right: PhysicalOp = other.plan;
    const castTo = new Map<string, string>();
    for (const k of keys) {
      const lt = left.schema.find(f => f.name === k)!.type;
      const rt = right.schema.find(f => f.name === k)!.type;
      if (lt === rt) continue;
      if (!isNumeric(lt) || !isNumeric(rt)) throw new SqlUserError('TYPE_MISMATCH', `join: key '${k}' is ${lt} on the left and ${rt} on the right; cast one side`);
      castTo.set(k, widen(lt, rt));
    }
    if (castTo.size > 0) {
      const recast = (p: PhysicalOp): PhysicalOp => new ProjectExec(p,
        p.schema.map(f => (castTo.has(f.name) ? { op: 'cast', expr: { op: 'col', name: f.name }, to: castTo.get(f.name)! } : { op: 'col', name: f.name }) as Expr),
        p.schema.map(f => f.name));
      left = recast(left);
      right = recast(right);
    }
    const threshold = Number(this.runtime.conf('flint.sql.broadcastThresholdBytes') ?? DEFAULT_BROADCAST_THRESHOLD);
    const fits = (p: PhysicalOp): boolean => {
      const b = p.estimatedBytes();
      return threshold >= 0 && b !== null && b <= threshold;
    };
    const keyExprs: Expr[] = keys.map(k => ({ op: 'col', name: k }));
    if (fits(right) && type !== 'right' && type !== 'full') {
      return this.with(new HashJoinExec(left, new ExchangeExec(right, { kind: 'broadcast' }), keys, type, true));
    }
    if (type === 'inner' && fits(left)) {
      // A small left side of an inner join is broadcast instead: join with the sides swapped, then restore the column order.
      const swapped = new HashJoinExec(right, new ExchangeExec(left, { kind: 'broadcast' }), keys, 'inner', true);
      const order = [...keys, ...left.schema.map(f => f.name).filter(n => !keys.includes(n)), ...right.schema.map(f => f.name).filter(n => !keys.includes(n))];
      return this.with(new ProjectExec(swapped, order.map(n => ({ op: 'col', name: n }) as Expr), order));
    }
    const n = this.shufflePartitions();
    return this.with(new HashJoinExec(
      new ExchangeExec(left, { kind: 'hash', keys: keyExprs, numPartitions: n }),
      new ExchangeExec(right, { kind: 'hash', keys: keyExprs, numPartitions: n }),
      keys, type, false));
  }

  /**
   * Sorts all rows: a range exchange (bounds from a sample of the keys) puts each key range in one
   * partition, then each partition is sorted, so partition order is the global order. Columns sort
   * ascending unless given as col(x).desc().
   */
  orderBy(...cols: (ColumnLike | ColumnLike[])[]): DataFrame {
    const orders: SortOrder[] = cols.flat().map(c => {
      const e = toColumn(c, 'orderBy').expr;
      return e.op === 'sort' ? { expr: e.expr, ascending: e.ascending, nullsFirst: e.nullsFirst } : { expr: e, ascending: true, nullsFirst: true };
    });
    if (orders.length === 0) throw new SqlUserError('INVALID_ARGUMENT', 'orderBy: give at least one column');
    for (const o of orders) compileExpr(o.expr, this.plan.schema, 'orderBy');
    if (this.plan.numPartitions <= 1) return this.with(new SortExec(this.plan, orders));
    const ranged = new ExchangeExec(this.plan, { kind: 'range', orders, numPartitions: this.shufflePartitions(), bounds: null });
    return this.with(new SortExec(ranged, orders));
  }

  /** Same as orderBy. */
  sort(...cols: (ColumnLike | ColumnLike[])[]): DataFrame {
    return this.orderBy(...cols);
  }

  private single(p: PhysicalOp): PhysicalOp {
    return p.numPartitions === 1 ? p : new ExchangeExec(p, { kind: 'single' });
  }

  /** The first n rows (in partition order). */
  limit(n: number): DataFrame {
    if (!Number.isInteger(n) || n < 0) throw new SqlUserError('INVALID_ARGUMENT', `limit: expected a non-negative integer, got ${n}`);
    if (this.plan.numPartitions === 1) return this.with(new LimitExec(this.plan, n));
    return this.with(new LimitExec(this.single(new LimitExec(this.plan, n)), n));
  }

  /** Distinct rows. */
  distinct(): DataFrame {
    return this.aggregatePlan(this.columns.map(n => colFn(n)), []);
  }

  /** Keeps one row per distinct value of `cols` (all columns when none), with the other columns of the first row met. */
  dropDuplicates(cols?: string[]): DataFrame {
    if (cols === undefined || cols.length === 0) return this.distinct();
    this.requireColumns(cols, 'dropDuplicates');
    const rest = this.columns.filter(c => !cols.includes(c));
    const grouped = this.aggregatePlan(cols.map(c => colFn(c)), rest.map(c => ({ fn: 'first', arg: { op: 'col', name: c }, name: c })));
    return grouped.select(...this.columns);
  }

  /** Rows of both (union all), matching columns by position; types must be equal or numeric. */
  union(other: DataFrame): DataFrame {
    const a = this.plan.schema;
    const b = other.plan.schema;
    if (a.length !== b.length) {
      throw new SqlUserError('INVALID_ARGUMENT', `union: the sides have ${a.length} and ${b.length} columns ([${a.map(f => f.name).join(', ')}] vs [${b.map(f => f.name).join(', ')}])`);
    }
    const schema = a.map((f, i) => {
      const t = b[i].type;
      if (f.type === t) return { ...f, nullable: f.nullable || b[i].nullable };
      if (isNumeric(f.type) && isNumeric(t)) return { ...f, type: widen(f.type, t), nullable: true };
      throw new SqlUserError('TYPE_MISMATCH', `union: column ${i + 1} ('${f.name}') is ${f.type} on one side and ${t} on the other; cast one side`);
    });
    return this.with(new UnionExec([this.plan, other.plan], schema));
  }

  /** Same as union. */
  unionAll(other: DataFrame): DataFrame {
    return this.union(other);
  }

  /** Redistributes rows into n partitions, by hash of `cols` when given, else round robin. */
  repartition(n: number, ...cols: ColumnLike[]): DataFrame {
    if (!Number.isInteger(n) || n < 1) throw new SqlUserError('INVALID_ARGUMENT', `repartition: expected a positive integer, got ${n}`);
    const keys = cols.map(c => toColumn(c, 'repartition').expr);
    return this.with(new ExchangeExec(this.plan, keys.length > 0 ? { kind: 'hash', keys, numPartitions: n } : { kind: 'roundRobin', numPartitions: n }));
  }

  /**
   * Keeps this DataFrame's partitions once computed: on a FlintContext as persisted RDD blocks of Arrow IPC
   * batches on the executors, in process as batches in memory. Later actions start from them.
   */
  cache(): DataFrame {
    return this.plan instanceof CachedExec ? this : this.with(new CachedExec(this.plan));
  }

  /** Same as cache. */
  persist(): DataFrame {
    return this.cache();
  }

  /** Drops what cache() kept; the plan recomputes from its sources afterwards. */
  async unpersist(): Promise<DataFrame> {
    if (this.plan instanceof CachedExec) {
      const rt = this.runtime as SqlRuntime & { uncache?(op: CachedExec): Promise<void> };
      await rt.uncache?.(this.plan);
      this.plan.clear();
    }
    return this;
  }

  // ---- actions ----

  /** The batches of every partition, in partition order. */
  async collectBatches(): Promise<RecordBatch[]> {
    return (await this.runtime.collect(this.plan)).flat();
  }

  /** All rows as plain objects (int64 columns as bigint, timestamps as Date, vectors as Float32Array). */
  async collect(): Promise<Record<string, unknown>[]> {
    const schema = this.plan.schema;
    return (await this.collectBatches()).flatMap(b => batchRows(b, schema));
  }

  /** The first n rows. */
  async take(n: number): Promise<Record<string, unknown>[]> {
    return this.limit(n).collect();
  }

  /** The first row, or undefined when empty. */
  async first(): Promise<Record<string, unknown> | undefined> {
    return (await this.take(1))[0];
  }

  /** Number of rows. */
  async count(): Promise<number> {
    return (await this.runtime.count(this.plan)).reduce((a, b) => a + b, 0);
  }

  /** All rows as one Arrow Table. */
  async toArrow(): Promise<Table> {
    const batches = await this.collectBatches();
    if (batches.length === 0) return new Table(toArrowSchema(this.plan.schema));
    return new Table([concatBatches(batches, this.plan.schema)]);
  }

  /** Spark's show() table of the first n rows, as a string. */
  async showString(n = 20, truncate: boolean | number = true): Promise<string> {
    const rows = await this.take(n + 1);
    const width = truncate === true ? 20 : truncate === false ? 0 : truncate;
    return showTable(this.plan.schema, rows.slice(0, n), width, rows.length > n, n);
  }

  /** Prints the first n rows as a table (cells cut to 20 characters unless truncate is false). */
  async show(n = 20, truncate: boolean | number = true): Promise<void> {
    process.stdout.write(await this.showString(n, truncate));
  }

  /** The schema as Spark's tree. */
  schemaString(): string {
    return schemaTree(this.plan.schema);
  }

  /** Prints the schema as Spark's tree. */
  printSchema(): void {
    process.stdout.write(this.schemaString());
  }

  /** The physical plan as text. */
  explain(): string {
    return explainPlan(this.plan);
  }

  /** The rows as an RDD of plain objects (a DataFrame of a FlintContext; see toRdd for plans with broadcast joins). */
  get rdd(): RDD<Record<string, unknown>> {
    return this.rowsRdd();
  }

  /** The rows as an RDD of plain objects, after running the build sides of broadcast joins. */
  async toRdd(): Promise<RDD<Record<string, unknown>>> {
    const rt = this.runtime as SqlRuntime & { prepare?(op: PhysicalOp): Promise<void> };
    await rt.prepare?.(this.plan);
    return this.rowsRdd();
  }

  private rowsRdd(): RDD<Record<string, unknown>> {
    const rt = this.runtime as SqlRuntime & { rowsRdd?(df: DataFrame): RDD<Record<string, unknown>> };
    if (typeof rt.rowsRdd !== 'function') {
      throw new SqlNotImplementedError('df.rdd needs a DataFrame made by a FlintContext (ctx.createDataFrame or ctx.read); this one runs in process');
    }
    return rt.rowsRdd(this);
  }

  /** The writer: df.write.mode('overwrite').csv(path). */
  get write(): DataFrameWriter {
    return new DataFrameWriter(this);
  }
}

function normalizeJoinType(how: string): JoinType {
  const h = String(how).toLowerCase().replace(/_/g, '');
  const map: Record<string, JoinType> = {
    inner: 'inner', left: 'left', leftouter: 'left', right: 'right', rightouter: 'right',
    full: 'full', outer: 'full', fullouter: 'full', semi: 'semi', leftsemi: 'semi', anti: 'anti', leftanti: 'anti',
  };
  const t = map[h];
  if (t === undefined) throw new SqlUserError('INVALID_ARGUMENT', `join: unknown join type '${how}'; use inner, left, right, full, semi or anti`);
  return t;
}

/** The result of groupBy: call agg (or a shortcut) to get a DataFrame. */
export class GroupedData {
  constructor(private readonly df: DataFrame, private readonly keys: Column[]) {}

  /** Aggregates per group: Columns like sum('x').alias('total'), or an object { column: 'sum' }. */
  agg(...aggs: (Column | Record<string, string>)[]): DataFrame {
    const specs: AggSpec[] = [];
    for (const a of aggs) {
      if (a instanceof Column) {
        const inner = stripAlias(a.expr);
        if (inner.op !== 'agg') {
          throw new SqlNotImplementedError(`agg: ${exprName(a.expr)} is not a plain aggregate; compute expressions over aggregates with withColumn after agg`);
        }
        specs.push({ fn: inner.fn, arg: inner.arg, name: outputName(a.expr) });
      } else if (a !== null && typeof a === 'object') {
        for (const [c, f] of Object.entries(a)) {
          const fn = f === 'mean' ? 'avg' : f;
          if (!['count', 'countDistinct', 'sum', 'avg', 'min', 'max', 'first', 'collectList'].includes(fn)) {
            throw new SqlUserError('INVALID_ARGUMENT', `agg: unknown aggregate '${f}' for column '${c}'`);
          }
          specs.push({ fn: fn as AggSpec['fn'], arg: c === '*' ? null : { op: 'col', name: c }, name: `${fn}(${c === '*' ? '1' : c})` });
        }
      } else throw new SqlUserError('INVALID_ARGUMENT', 'agg: expected aggregate Columns such as sum("x"), or { column: "sum" }');
    }
    const names = [...this.keys.map(k => outputName(k.expr)), ...specs.map(s => s.name)];
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup !== undefined) throw new SqlUserError('AMBIGUOUS_COLUMN', `agg: output column '${dup}' appears twice; give one an alias`);
    return this.df.aggregatePlan(this.keys, specs);
  }

  /** Rows per group, in a column named count. */
  count(): DataFrame {
    return this.agg(new Column({ op: 'alias', expr: { op: 'agg', fn: 'count', arg: null }, name: 'count' }));
  }

  private each(fn: AggSpec['fn'], cols: string[]): DataFrame {
    return this.agg(...cols.map(c => new Column({ op: 'agg', fn, arg: { op: 'col', name: c } })));
  }

  sum(...cols: string[]): DataFrame { return this.each('sum', cols); }
  avg(...cols: string[]): DataFrame { return this.each('avg', cols); }
  mean(...cols: string[]): DataFrame { return this.each('avg', cols); }
  min(...cols: string[]): DataFrame { return this.each('min', cols); }
  max(...cols: string[]): DataFrame { return this.each('max', cols); }
}

/** Part-file writer: df.write.mode('overwrite' | 'error').option(k, v).csv/json/parquet/arrow(path). */
export class DataFrameWriter {
  private saveMode: 'overwrite' | 'error' = 'error';
  private readonly opts: Record<string, unknown> = {};
  constructor(private readonly df: DataFrame) {}

  /** 'error' (default; also 'errorifexists') fails when the path exists; 'overwrite' replaces it. */
  mode(m: string): this {
    const v = String(m).toLowerCase();
    if (v === 'overwrite') this.saveMode = 'overwrite';
    else if (v === 'error' || v === 'errorifexists') this.saveMode = 'error';
    else throw new SqlUserError('INVALID_ARGUMENT', `write.mode: unknown mode '${m}'; use 'overwrite' or 'error'`);
    return this;
  }

  option(key: string, value: unknown): this {
    this.opts[key] = value;
    return this;
  }

  options(o: Record<string, unknown>): this {
    Object.assign(this.opts, o);
    return this;
  }

  csv(path: string, options: Record<string, unknown> = {}): Promise<void> { return this.save(path, 'csv', options); }
  json(path: string, options: Record<string, unknown> = {}): Promise<void> { return this.save(path, 'json', options); }
  parquet(path: string, options: Record<string, unknown> = {}): Promise<void> { return this.save(path, 'parquet', options); }
  arrow(path: string, options: Record<string, unknown> = {}): Promise<void> { return this.save(path, 'arrow', options); }

  /**
   * Writes one part file per partition into a temporary sibling directory, adds _SUCCESS, then moves
   * the directory into place with one rename: readers see all of the output or none of it.
   */
  async save(path: string, format: string, options: Record<string, unknown> = {}): Promise<void> {
    const mod = (await loadFormat(format)) as SqlSourceModule;
    if (typeof mod.writeBatches !== 'function') throw new SqlNotImplementedError(`format '${format}' has no writer`);
    const exists = existsSync(path);
    if (exists && this.saveMode === 'error') {
      throw new SqlUserError('PATH_EXISTS', `write: path '${path}' already exists; use write.mode('overwrite') to replace it`);
    }
    const parent = dirname(path);
    mkdirSync(parent, { recursive: true });
    const stamp = `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
    const tmp = join(parent, `.${basename(path)}.flint-tmp-${stamp}`);
    mkdirSync(tmp);
    const job: WriteJob = {
      formatUrl: lookupFormat(format),
      format,
      dir: resolve(tmp),
      ext: mod.fileExtension ?? `.${format}`,
      width: Math.max(5, String(this.df.numPartitions).length),
      schema: this.df.plan.schema,
      options: { ...this.opts, ...options },
    };
    try {
      await this.df.runtime.write(this.df.plan, job);
      writeFileSync(join(tmp, '_SUCCESS'), '');
      if (exists) {
        const trash = join(parent, `.${basename(path)}.flint-old-${stamp}`);
        renameSync(path, trash);
        renameSync(tmp, path);
        rmSync(trash, { recursive: true, force: true });
      } else renameSync(tmp, path);
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      if (err instanceof SqlUserError || err instanceof SqlNotImplementedError) throw err;
      throw new SqlUserError('WRITE_FAILED', `write ${format} to '${path}' failed, nothing was written: ${(err as Error).message}`, { cause: err });
    }
  }
}

/** Lists the files of a written directory (for tests and tools). */
export function partFiles(path: string): string[] {
  return readdirSync(path).filter(n => n.startsWith('part-')).sort();
}
