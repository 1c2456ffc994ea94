/** Column expressions: the Column class users chain (col('a').plus(1).gt(2)) over an Expr tree of plain data that travels to executors. */
import { SqlUserError } from './errors.ts';
import { parseTypeName, type TypeName } from './types.ts';

/** Binary operators on columns. */
export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '==' | '!=' | '<' | '<=' | '>' | '>=' | 'and' | 'or';

/** Scalar functions a Column can apply. */
export type ScalarFn = 'lower' | 'upper' | 'length' | 'substring' | 'split' | 'regexpExtract' | 'abs' | 'coalesce';

/** Aggregate functions (see aggregates.ts for their table). */
export type AggFnName = 'count' | 'countDistinct' | 'sum' | 'avg' | 'min' | 'max' | 'first' | 'collectList';

/** A literal value: JS primitives, bigint (int64), Date (timestamp), or null. */
export type LitValue = number | bigint | string | boolean | Date | null;

/** An expression tree: plain, structured-clonable data, so a plan travels to executors as is. */
export type Expr =
  | { op: 'col'; name: string }
  | { op: 'lit'; value: LitValue; type: TypeName | null }
  | { op: 'alias'; expr: Expr; name: string }
  | { op: 'binary'; fn: BinaryOp; left: Expr; right: Expr }
  | { op: 'not'; expr: Expr }
  | { op: 'isNull'; expr: Expr; negate: boolean }
  | { op: 'when'; branches: [Expr, Expr][]; otherwise: Expr | null }
  | { op: 'cast'; expr: Expr; to: TypeName }
  | { op: 'fn'; fn: ScalarFn; args: Expr[]; params: (string | number)[] }
  | { op: 'agg'; fn: AggFnName; arg: Expr | null }
  | { op: 'sort'; expr: Expr; ascending: boolean; nullsFirst: boolean };

/** What methods accept where a column goes: a Column, or a literal value. */
export type ColumnOrValue = Column | LitValue;

function toExpr(v: ColumnOrValue): Expr {
  return v instanceof Column ? v.expr : litExpr(v);
}

function litExpr(value: LitValue): Expr {
  if (value === undefined) throw new SqlUserError('INVALID_ARGUMENT', 'lit(undefined): pass null for a null literal');
  let type: TypeName | null;
  if (value === null) type = null;
  else if (typeof value === 'number') type = Number.isInteger(value) && Math.abs(value) <= 0x7fffffff ? 'int32' : 'float64';
  else if (typeof value === 'bigint') type = 'int64';
  else if (typeof value === 'string') type = 'utf8';
  else if (typeof value === 'boolean') type = 'bool';
  else if (value instanceof Date) type = 'timestamp';
  else throw new SqlUserError('INVALID_ARGUMENT', `lit(${String(value)}): a literal must be a number, bigint, string, boolean, Date or null`);
  return { op: 'lit', value, type };
}

/**
 * A column expression. Immutable: every method returns a new Column. Names follow PySpark
 * (`plus`, `gt`, `isNull`, `cast`, `alias`, `when`/`otherwise`), in camelCase.
 */
export class Column {
  /** The expression this column computes. */
  readonly expr: Expr;
  constructor(expr: Expr) {
    this.expr = expr;
  }

  private bin(fn: BinaryOp, other: ColumnOrValue): Column {
    return new Column({ op: 'binary', fn, left: this.expr, right: toExpr(other) });
  }

  plus(o: ColumnOrValue): Column { return this.bin('+', o); }
  minus(o: ColumnOrValue): Column { return this.bin('-', o); }
  multiply(o: ColumnOrValue): Column { return this.bin('*', o); }
  /** Division; always float64, null when dividing by zero (as Spark). */
  divide(o: ColumnOrValue): Column { return this.bin('/', o); }
  mod(o: ColumnOrValue): Column { return this.bin('%', o); }
  eq(o: ColumnOrValue): Column { return this.bin('==', o); }
  equalTo(o: ColumnOrValue): Column { return this.bin('==', o); }
  neq(o: ColumnOrValue): Column { return this.bin('!=', o); }
  notEqual(o: ColumnOrValue): Column { return this.bin('!=', o); }
  lt(o: ColumnOrValue): Column { return this.bin('<', o); }
  leq(o: ColumnOrValue): Column { return this.bin('<=', o); }
  gt(o: ColumnOrValue): Column { return this.bin('>', o); }
  geq(o: ColumnOrValue): Column { return this.bin('>=', o); }
  /** SQL three-valued AND: false and null is false. */
  and(o: ColumnOrValue): Column { return this.bin('and', o); }
  /** SQL three-valued OR: true or null is true. */
  or(o: ColumnOrValue): Column { return this.bin('or', o); }
  not(): Column { return new Column({ op: 'not', expr: this.expr }); }
  isNull(): Column { return new Column({ op: 'isNull', expr: this.expr, negate: false }); }
  isNotNull(): Column { return new Column({ op: 'isNull', expr: this.expr, negate: true }); }
  /** Converts to a type ('int', 'double', 'string', 'timestamp', ...); values that do not convert become null. */
  cast(to: string): Column { return new Column({ op: 'cast', expr: this.expr, to: parseTypeName(to, 'cast') }); }
  alias(name: string): Column {
    if (typeof name !== 'string' || name === '') throw new SqlUserError('INVALID_ARGUMENT', 'alias: the name must be a non-empty string');
    return new Column({ op: 'alias', expr: this.expr, name });
  }
  as(name: string): Column { return this.alias(name); }
  name(name: string): Column { return this.alias(name); }
  asc(): Column { return new Column({ op: 'sort', expr: this.expr, ascending: true, nullsFirst: true }); }
  desc(): Column { return new Column({ op: 'sort', expr: this.expr, ascending: false, nullsFirst: false }); }
  ascNullsLast(): Column { return new Column({ op: 'sort', expr: this.expr, ascending: true, nullsFirst: false }); }
  descNullsFirst(): Column { return new Column({ op: 'sort', expr: this.expr, ascending: false, nullsFirst: true }); }
  /** Substring from 1-based `pos` of `len` characters (Spark's substr). */
  substr(pos: number, len: number): Column { return substring(this, pos, len); }

  /** On a `when(...)` column: adds another branch. */
  when(condition: Column, value: ColumnOrValue): Column {
    if (this.expr.op !== 'when' || this.expr.otherwise !== null) {
      throw new SqlUserError('INVALID_ARGUMENT', 'when() can only follow when(...) (use the when function to start one)');
    }
    return new Column({ op: 'when', branches: [...this.expr.branches, [condition.expr, toExpr(value)]], otherwise: null });
  }

  /** On a `when(...)` column: the value when no branch matched (null when never given). */
  otherwise(value: ColumnOrValue): Column {
    if (this.expr.op !== 'when' || this.expr.otherwise !== null) {
      throw new SqlUserError('INVALID_ARGUMENT', 'otherwise() can only follow when(...), once');
    }
    return new Column({ op: 'when', branches: this.expr.branches, otherwise: toExpr(value) });
  }

  toString(): string { return exprName(this.expr); }
}

/** A reference to the column named `name`. */
export function col(name: string): Column {
  if (typeof name !== 'string' || name === '') throw new SqlUserError('INVALID_ARGUMENT', `col(): expected a column name, got ${String(name)}`);
  return new Column({ op: 'col', name });
}

/** Same as col. */
export const column = col;

/** A literal column. */
export function lit(value: LitValue): Column {
  return new Column(litExpr(value));
}

/** Starts a conditional: when(cond, value).when(cond2, value2).otherwise(other). */
export function when(condition: Column, value: ColumnOrValue): Column {
  return new Column({ op: 'when', branches: [[condition.expr, toExpr(value)]], otherwise: null });
}

/** Logical negation. */
export function not(c: Column): Column {
  return c.not();
}

function asColumn(c: Column | string, where: string): Column {
  if (c instanceof Column) return c;
  if (typeof c === 'string') return col(c);
  throw new SqlUserError('INVALID_ARGUMENT', `${where}: expected a Column or a column name, got ${typeof c}`);
}

function fn(name: ScalarFn, args: (Column | string)[], params: (string | number)[] = []): Column {
  return new Column({ op: 'fn', fn: name, args: args.map(a => asColumn(a, name).expr), params });
}

export function lower(c: Column | string): Column { return fn('lower', [c]); }
export function upper(c: Column | string): Column { return fn('upper', [c]); }
/** Number of characters (code points) of a string. */
export function length(c: Column | string): Column { return fn('length', [c]); }
/** Spark's substring: 1-based position `pos` (negative counts from the end), `len` characters. */
export function substring(c: Column | string, pos: number, len: number): Column { return fn('substring', [c], [pos, len]); }
/** Splits a string around matches of a regular expression, giving list<utf8>. */
export function split(c: Column | string, pattern: string): Column { return fn('split', [c], [pattern]); }
/** The `idx`-th group of the first match of `pattern` ('' when there is no match, as Spark). */
export function regexpExtract(c: Column | string, pattern: string, idx: number): Column { return fn('regexpExtract', [c], [pattern, idx]); }
export function abs(c: Column | string): Column { return fn('abs', [c]); }
/** The first non-null of the arguments. */
export function coalesce(...cs: (Column | string)[]): Column { return fn('coalesce', cs); }

function agg(name: AggFnName, c: Column | string | null): Column {
  return new Column({ op: 'agg', fn: name, arg: c === null ? null : asColumn(c, name).expr });
}

/** count(col) counts non-null values; count() or count('*') counts rows. */
export function count(c?: Column | string): Column { return agg('count', c === undefined || c === '*' ? null : c); }
export function countDistinct(c: Column | string): Column { return agg('countDistinct', c); }
export function sum(c: Column | string): Column { return agg('sum', c); }
export function avg(c: Column | string): Column { return agg('avg', c); }
export const mean = avg;
export function min(c: Column | string): Column { return agg('min', c); }
export function max(c: Column | string): Column { return agg('max', c); }
export function first(c: Column | string): Column { return agg('first', c); }
export function collectList(c: Column | string): Column { return agg('collectList', c); }

/** Sort orders. */
export function asc(c: Column | string): Column { return asColumn(c, 'asc').asc(); }
export function desc(c: Column | string): Column { return asColumn(c, 'desc').desc(); }

const OP_TEXT: Record<BinaryOp, string> = {
  '+': '+', '-': '-', '*': '*', '/': '/', '%': '%', '==': '=', '!=': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=', and: 'AND', or: 'OR',
};

/** The output name Spark would give an expression (`(a + 1)`, `sum(x)`, `count(1)`). */
export function exprName(e: Expr): string {
  switch (e.op) {
    case 'col': return e.name;
    case 'lit': return e.value === null ? 'NULL' : e.value instanceof Date ? e.value.toISOString() : String(e.value);
    case 'alias': return e.name;
    case 'binary': return `(${exprName(e.left)} ${OP_TEXT[e.fn]} ${exprName(e.right)})`;
    case 'not': return `(NOT ${exprName(e.expr)})`;
    case 'isNull': return `(${exprName(e.expr)} IS ${e.negate ? 'NOT ' : ''}NULL)`;
    case 'when': return `CASE ${e.branches.map(([c, v]) => `WHEN ${exprName(c)} THEN ${exprName(v)}`).join(' ')}${e.otherwise === null ? '' : ` ELSE ${exprName(e.otherwise)}`} END`;
    case 'cast': return `CAST(${exprName(e.expr)} AS ${e.to})`;
    case 'fn': return `${e.fn}(${[...e.args.map(exprName), ...e.params.map(String)].join(', ')})`;
    case 'agg': return e.fn === 'count' && e.arg === null ? 'count(1)' : `${e.fn}(${e.arg === null ? '' : exprName(e.arg)})`;
    case 'sort': return `${exprName(e.expr)} ${e.ascending ? 'ASC' : 'DESC'}`;
  }
}

/** The column names an expression reads. */
export function referencedColumns(e: Expr, out: Set<string> = new Set()): Set<string> {
  switch (e.op) {
    case 'col': out.add(e.name); break;
    case 'lit': break;
    case 'alias': case 'not': case 'isNull': case 'cast': case 'sort': referencedColumns(e.expr, out); break;
    case 'binary': referencedColumns(e.left, out); referencedColumns(e.right, out); break;
    case 'when': for (const [c, v] of e.branches) { referencedColumns(c, out); referencedColumns(v, out); } if (e.otherwise) referencedColumns(e.otherwise, out); break;
    case 'fn': for (const a of e.args) referencedColumns(a, out); break;
    case 'agg': if (e.arg) referencedColumns(e.arg, out); break;
  }
  return out;
}

/** Whether the expression contains an aggregate. */
export function containsAgg(e: Expr): boolean {
  switch (e.op) {
    case 'agg': return true;
    case 'col': case 'lit': return false;
    case 'alias': case 'not': case 'isNull': case 'cast': case 'sort': return containsAgg(e.expr);
    case 'binary': return containsAgg(e.left) || containsAgg(e.right);
    case 'when': return e.branches.some(([c, v]) => containsAgg(c) || containsAgg(v)) || (e.otherwise !== null && containsAgg(e.otherwise));
    case 'fn': return e.args.some(containsAgg);
  }
}
