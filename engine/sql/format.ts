/** Text renderings of DataFrames: Spark's show() table and printSchema() tree. */
import { sparkTypeName, vectorSize, type SchemaSpec } from './types.ts';

/** Renders one value as show() prints it. */
export function showValue(v: unknown, type?: string): string {
  if (v === null || v === undefined) return 'NULL';
  if (v instanceof Date) return v.toISOString().replace('T', ' ').replace('Z', '').replace(/\.000$/, '');
  if (typeof v === 'number' && (type === 'float64' || type === 'float32') && Number.isInteger(v)) return `${v}.0`;
  if (ArrayBuffer.isView(v)) return `[${Array.from(v as Float32Array).map(x => showValue(x)).join(', ')}]`;
  if (Array.isArray(v)) return `[${v.map(x => showValue(x)).join(', ')}]`;
  return String(v);
}

/** Spark's table: right-aligned cells, long cells cut to `truncate` characters ('...' at the end). */
export function showTable(schema: SchemaSpec, rows: Record<string, unknown>[], truncate: number, more: boolean, shown: number): string {
  const cut = (s: string): string => {
    const cps = Array.from(s);
    return truncate > 0 && cps.length > truncate ? `${cps.slice(0, truncate - 3).join('')}...` : s;
  };
  const header = schema.map(f => cut(f.name));
  const cells = rows.map(r => schema.map(f => cut(showValue(r[f.name], f.type))));
  const widths = header.map((h, i) => Math.max(3, Array.from(h).length, ...cells.map(c => Array.from(c[i]).length)));
  const pad = (s: string, w: number): string => ' '.repeat(w - Array.from(s).length) + s;
  const sep = `+${widths.map(w => '-'.repeat(w)).join('+')}+`;
  const line = (cs: string[]): string => `|${cs.map((c, i) => pad(c, widths[i])).join('|')}|`;
  const out = [sep, line(header), sep, ...cells.map(line), sep];
  if (more) out.push(`only showing top ${shown} row${shown === 1 ? '' : 's'}`);
  return `${out.join('\n')}\n`;
}

/** Spark's printSchema() tree. */
export function schemaTree(schema: SchemaSpec): string {
  const lines = ['root'];
  for (const f of schema) {
    lines.push(` |-- ${f.name}: ${sparkTypeName(f.type)} (nullable = ${f.nullable})`);
    if (vectorSize(f.type) > 0) lines.push(' |    |-- element: float (containsNull = false)');
  }
  return `${lines.join('\n')}\n`;
}
