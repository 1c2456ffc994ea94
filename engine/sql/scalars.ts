/** Text to typed values, as Spark's non-ANSI cast reads them: shared by `cast` and the text formats' readers. */
import type { TypeName } from './types.ts';

/** An integer literal with optional sign and surrounding blanks. */
export const INT_RE = /^\s*[+-]?\d+\s*$/;
/** A decimal number as Spark reads one (no hex, octal or binary prefixes, which JS's Number() would accept). */
export const DECIMAL_RE = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/** Parses text as a value of `to`, or null when it does not parse (used by cast and the text formats' readers). */
export function parseScalar(s: string, to: TypeName): unknown {
  switch (to) {
    case 'int32': {
      if (!INT_RE.test(s)) return null;
      const v = Number(s);
      return v >= -2147483648 && v <= 2147483647 ? v : null;
    }
    case 'int64': {
      if (!INT_RE.test(s)) return null;
      const v = BigInt(s.trim());
      return BigInt.asIntN(64, v) === v ? v : null;
    }
    case 'float32': case 'float64': {
      if (s === '') return null;
      const t = s.toLowerCase();
      if (t === 'nan') return NaN;
      if (t === 'inf' || t === 'infinity' || t === '+infinity') return Infinity;
      if (t === '-inf' || t === '-infinity') return -Infinity;
      return DECIMAL_RE.test(s) ? Number(s) : null;
    }
    case 'bool': {
      const t = s.toLowerCase();
      return t === 'true' ? true : t === 'false' ? false : null;
    }
    case 'timestamp': {
      if (s === '') return null;
      const v = Date.parse(s);
      return Number.isNaN(v) ? null : v;
    }
    case 'utf8': return s;
  }
  return null;
}
