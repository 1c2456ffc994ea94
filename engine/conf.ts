/** FlintConf: string-keyed settings with typed getters; every key the engine reads is listed with its default. */
import { engineError } from './catalogue.ts';

/** Keys the engine reads, with defaults (documented in docs/architecture/engine.md). */
export const ENGINE_CONF_DEFAULTS: Record<string, string | number | boolean> = {
  'flint.default.parallelism': 0,
  'flint.task.maxFailures': 1,
  'flint.shuffle.memoryBytes': 64 << 20,
  'flint.storage.memoryBytes': 256 << 20,
  'flint.locality.wait': 3000,
  'flint.ui.showProgress': true,
  'flint.local.dir': '',
  'flint.executor.preloadFormats': 'text',
};

/** A context's settings. Values are kept as given; getters convert and validate. */
export class FlintConf {
  private readonly values = new Map<string, unknown>();

  constructor(init?: Record<string, unknown>) {
    for (const [k, v] of Object.entries(init ?? {})) this.set(k, v);
  }

  set(key: string, value: unknown): this {
    this.values.set(key, value);
    return this;
  }

  has(key: string): boolean {
    return this.values.has(key);
  }

  get(key: string, dflt?: unknown): unknown {
    return this.values.has(key) ? this.values.get(key) : dflt ?? ENGINE_CONF_DEFAULTS[key];
  }

  getNumber(key: string, dflt?: number): number {
    const v = this.get(key, dflt);
    const n = typeof v === 'string' ? Number(v) : v;
    if (typeof n !== 'number' || Number.isNaN(n)) throw engineError('BAD_CONF', `conf '${key}' must be a number; got ${JSON.stringify(v)}`);
    return n;
  }

  getBoolean(key: string, dflt?: boolean): boolean {
    const v = this.get(key, dflt);
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === 'false') return v === 'true';
    throw engineError('BAD_CONF', `conf '${key}' must be true or false; got ${JSON.stringify(v)}`);
  }

  getString(key: string, dflt?: string): string {
    const v = this.get(key, dflt);
    return v === undefined ? '' : String(v);
  }

  entries(): [string, unknown][] {
    return [...this.values];
  }
}
