/** Installs the DataFrame entry points on FlintContext (createDataFrame, read) when engine/sql loads, so the engine needs no import of engine/sql. */
import type { RecordBatch, Table } from 'apache-arrow';
import { FlintContext } from '../context.ts';
import type { DataFrame } from './dataframe.ts';
import { EngineRuntime } from './engineRuntime.ts';
import { SqlSession, type DataFrameReader } from './session.ts';
import type { SchemaLike } from './types.ts';

declare module '../context.ts' {
  interface FlintContext {
    /** A DataFrame from rows (plain objects), an Arrow Table or RecordBatches; see SqlSession.createDataFrame. */
    createDataFrame(data: Record<string, unknown>[] | Table | RecordBatch[], schema?: SchemaLike, numSlices?: number): DataFrame;
    /** The DataFrame reader: ctx.read.csv/json/parquet/arrow(path, options). */
    readonly read: DataFrameReader;
    /** The SqlSession that runs this context's DataFrames on its executors. */
    readonly sql: SqlSession;
  }
}

const sessions = new WeakMap<FlintContext, SqlSession>();

function sessionOf(ctx: FlintContext): SqlSession {
  let s = sessions.get(ctx);
  if (s === undefined) {
    s = new SqlSession(new EngineRuntime(ctx));
    sessions.set(ctx, s);
  }
  return s;
}

if (!Object.prototype.hasOwnProperty.call(FlintContext.prototype, 'createDataFrame')) {
  Object.defineProperty(FlintContext.prototype, 'createDataFrame', {
    value(this: FlintContext, data: Record<string, unknown>[] | Table | RecordBatch[], schema?: SchemaLike, numSlices?: number): DataFrame {
      return sessionOf(this).createDataFrame(data, schema, numSlices);
    },
    configurable: true,
    writable: true,
  });
  Object.defineProperty(FlintContext.prototype, 'read', {
    get(this: FlintContext): DataFrameReader { return sessionOf(this).read; },
    configurable: true,
  });
  Object.defineProperty(FlintContext.prototype, 'sql', {
    get(this: FlintContext): SqlSession { return sessionOf(this); },
    configurable: true,
  });
}
