/** Flint's column types and schemas: the supported Arrow types, their names, DDL parsing and a JSON form that travels to executors. */
import {
  Bool, DataType, Field, FixedSizeList, Float32, Float64, Int32, Int64, List, Schema, TimestampMillisecond, Type, Utf8,
} from 'apache-arrow';
import { SqlUserError } from './errors.ts';

/**
 * The JSON form of a type: 'int32' | 'int64' | 'float32' | 'float64' | 'utf8' | 'bool' | 'timestamp'
 * | 'vector[N]' (a fixed-size list of N float32) | 'list<T>' (a variable list, made by collectList).
 */
export type TypeName = string;

/** The JSON form of a field, structured-clonable so a schema travels to executors as data. */
export interface FieldSpec {
  name: string;
  type: TypeName;
  nullable: boolean;
}

/** The JSON form of a schema. */
export type SchemaSpec = FieldSpec[];

const ALIASES: Record<string, TypeName> = {
  int: 'int32', integer: 'int32', int32: 'int32',
  long: 'int64', bigint: 'int64', int64: 'int64',
  float: 'float32', real: 'float32', float32: 'float32',
  double: 'float64', float64: 'float64',
  string: 'utf8', utf8: 'utf8', varchar: 'utf8', text: 'utf8',
  bool: 'bool', boolean: 'bool',
  timestamp: 'timestamp',
};

/** Normalises a user-written type name (Spark or Flint spelling, any case) to its TypeName. */
export function parseTypeName(text: string, where = 'type'): TypeName {
  const t = text.trim().toLowerCase();
  if (ALIASES[t] !== undefined) return ALIASES[t];
  const vec = /^(?:vector|array<float>|float32)\s*\[\s*(\d+)\s*\]$/.exec(t);
  if (vec !== null && Number(vec[1]) > 0) return `vector[${Number(vec[1])}]`;
  const list = /^(?:list|array)\s*<(.+)>$/.exec(t);
  if (list !== null) return `list<${parseTypeName(list[1], where)}>`;
  throw new SqlUserError('INVALID_SCHEMA',
    `${where}: unknown type '${text}'; use one of int32, int64, float32, float64, utf8, bool, timestamp, vector[N] (Spark names int, long, float, double, string, boolean also work)`);
}

/** The Arrow DataType of a TypeName. */
export function toArrowType(name: TypeName): DataType {
  switch (name) {
    case 'int32': return new Int32();
    case 'int64': return new Int64();
    case 'float32': return new Float32();
    case 'float64': return new Float64();
    case 'utf8': return new Utf8();
    case 'bool': return new Bool();
    case 'timestamp': return new TimestampMillisecond();
  }
  const vec = /^vector\[(\d+)\]$/.exec(name);
  if (vec !== null) return new FixedSizeList(Number(vec[1]), new Field('item', new Float32(), true));
  const list = /^list<(.+)>$/.exec(name);
  if (list !== null) return new List(new Field('item', toArrowType(list[1]), true));
  throw new SqlUserError('UNSUPPORTED_TYPE', `unsupported type '${name}'`);
}

/** The TypeName of an Arrow DataType; dictionary-encoded strings read as utf8, other timestamps as timestamp (ms). */
export function typeNameOf(type: DataType, where = 'column'): TypeName {
  switch (type.typeId) {
    case Type.Int: {
      const bits = (type as unknown as { bitWidth: number }).bitWidth;
      if (bits === 64) return 'int64';
      if (bits <= 32) return 'int32';
      break;
    }
    case Type.Float: {
      const p = (type as Float32).precision;
      return p === 2 ? 'float64' : 'float32';
    }
    case Type.Utf8: case Type.LargeUtf8: return 'utf8';
    case Type.Bool: return 'bool';
    case Type.Timestamp: case Type.Date: return 'timestamp';
    case Type.Dictionary: return typeNameOf((type as unknown as { dictionary: DataType }).dictionary, where);
    case Type.FixedSizeList: {
      const fl = type as FixedSizeList;
      if (fl.children[0].type.typeId === Type.Float) return `vector[${fl.listSize}]`;
      break;
    }
    case Type.List: return `list<${typeNameOf((type as List).children[0].type, where)}>`;
  }
  throw new SqlUserError('UNSUPPORTED_TYPE',
    `${where}: Arrow type ${String(type)} is not supported; Flint columns are int32, int64, float32, float64, utf8, bool, timestamp, vector[N] (fixed-size list of float32)`);
}

/** Whether the type is one of the four numeric types. */
export function isNumeric(t: TypeName): boolean {
  return t === 'int32' || t === 'int64' || t === 'float32' || t === 'float64';
}

/** The dimension of a vector[N] type, or 0 when it is not one. */
export function vectorSize(t: TypeName): number {
  const m = /^vector\[(\d+)\]$/.exec(t);
  return m === null ? 0 : Number(m[1]);
}

/** The element type of list<T>, or null. */
export function listElement(t: TypeName): TypeName | null {
  const m = /^list<(.+)>$/.exec(t);
  return m === null ? null : m[1];
}

const NUMERIC_RANK: Record<string, number> = { int32: 0, int64: 1, float32: 2, float64: 3 };

/** The type two numeric operands widen to (int32 < int64 < float32 < float64; int64 with float32 gives float64). */
export function widen(a: TypeName, b: TypeName): TypeName {
  if (a === b) return a;
  if ((a === 'int64' && b === 'float32') || (a === 'float32' && b === 'int64')) return 'float64';
  return NUMERIC_RANK[a] >= NUMERIC_RANK[b] ? a : b;
}

/** Spark's printed name of a type, for printSchema. */
export function sparkTypeName(t: TypeName): string {
  const names: Record<string, string> = {
    int32: 'integer', int64: 'long', float32: 'float', float64: 'double', utf8: 'string', bool: 'boolean', timestamp: 'timestamp',
  };
  if (names[t] !== undefined) return names[t];
  const n = vectorSize(t);
  if (n > 0) return `array<float>[${n}]`;
  const el = listElement(t);
  return el === null ? t : `array<${sparkTypeName(el)}>`;
}

/** An Arrow Schema from its JSON form. */
export function toArrowSchema(spec: SchemaSpec): Schema {
  return new Schema(spec.map(f => new Field(f.name, toArrowType(f.type), f.nullable)));
}

/** The JSON form of an Arrow Schema; fails naming the column of an unsupported type. */
export function schemaSpecOf(schema: Schema): SchemaSpec {
  return schema.fields.map(f => ({ name: f.name, type: typeNameOf(f.type, `column '${f.name}'`), nullable: f.nullable }));
}

/** What users may pass as a schema: a DDL string ('id int, name string'), an object of name to type, a list of FieldSpecs, or an Arrow Schema. */
export type SchemaLike = string | Record<string, string> | SchemaSpec | Schema;

/** Parses any SchemaLike to its JSON form; fields are nullable unless the DDL says NOT NULL. */
export function parseSchema(s: SchemaLike, where = 'schema'): SchemaSpec {
  let spec: SchemaSpec;
  if (s instanceof Schema) spec = schemaSpecOf(s);
  else if (Array.isArray(s)) spec = s.map(f => ({ name: f.name, type: parseTypeName(f.type, `${where} field '${f.name}'`), nullable: f.nullable ?? true }));
  else if (typeof s === 'string') {
    spec = splitTopLevel(s).map(part => {
      const m = /^\s*`?([^`\s:]+)`?\s*:?\s+(.+?)(\s+not\s+null)?\s*$/i.exec(part);
      if (m === null) throw new SqlUserError('INVALID_SCHEMA', `${where}: cannot parse '${part.trim()}'; write 'name type', e.g. 'id int, name string'`);
      return { name: m[1], type: parseTypeName(m[2], `${where} field '${m[1]}'`), nullable: m[3] === undefined };
    });
  } else if (s !== null && typeof s === 'object') {
    spec = Object.entries(s).map(([name, t]) => ({ name, type: parseTypeName(t, `${where} field '${name}'`), nullable: true }));
  } else {
    throw new SqlUserError('INVALID_SCHEMA', `${where}: expected a DDL string, an object of name to type, or an Arrow Schema; got ${typeof s}`);
  }
  const seen = new Set<string>();
  for (const f of spec) {
    if (seen.has(f.name)) throw new SqlUserError('AMBIGUOUS_COLUMN', `${where}: column '${f.name}' appears twice`);
    seen.add(f.name);
  }
  return spec;
}

function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '<' || ch === '[') depth++;
    if (ch === '>' || ch === ']') depth--;
    if (ch === ',' && depth === 0) { parts.push(cur); cur = ''; } else cur += ch;
  }
  if (cur.trim() !== '') parts.push(cur);
  return parts;
}

/** The index of `name` in the schema, or -1. */
export function fieldIndex(spec: SchemaSpec, name: string): number {
  return spec.findIndex(f => f.name === name);
}
