/** Public surface of engine/sql/: DataFrames on Arrow, Column functions, schemas, and the plan/operator contract. */
export {
  Column, col, column, lit, when, not, lower, upper, length, substring, split, regexpExtract, abs, coalesce,
  count, countDistinct, sum, avg, mean, min, max, first, collectList, asc, desc,
  type Expr, type LitValue, type ColumnOrValue,
} from './column.ts';
export { DataFrame, GroupedData, DataFrameWriter, DEFAULT_BROADCAST_THRESHOLD } from './dataframe.ts';
export { SqlSession, DataFrameReader } from './session.ts';
export { InProcessRuntime, type SqlRuntime } from './runtime.ts';
export { parseSchema, toArrowSchema, schemaSpecOf, type SchemaLike, type SchemaSpec, type FieldSpec, type TypeName } from './types.ts';
export { SQL_ERROR_CODES, SqlUserError, SqlNotImplementedError, SqlInternalError } from './errors.ts';
export { AGGREGATES, type AggregateFunction, type AggState } from './aggregates.ts';
export type { PhysicalOp, ExecContext } from './operators/plan.ts';
export type { SqlSourceModule, ParseMode } from './datasource.ts';
export { EngineRuntime } from './engineRuntime.ts';
import './context.ts';
