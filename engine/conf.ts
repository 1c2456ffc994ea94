/** FlintConf: string-keyed settings with typed getters; every key the engine reads is listed with its default. */
import { checkBroadcastFactory } from './broadcast/Broadcast.ts';
import { engineError } from './catalogue.ts';
import { shuffleManager } from './shuffle/manager.ts';

/** Keys the engine reads, with defaults (documented in docs/architecture/engine.md). */
export const ENGINE_CONF_DEFAULTS: Record<string, string | number | boolean> = {
  'flint.default.parallelism': 0,
  'flint.task.maxFailures': 1,
  'flint.shuffle.memoryBytes': 64 << 20,
  'flint.shuffle.manager': 'sort',
  'flint.broadcast.factory': 'file',
  'flint.storage.memoryBytes': 256 << 20,
  'flint.locality.wait': 3000,
  'flint.ui.showProgress': true,
  'flint.task.cpuStats': false,
  'flint.local.dir': '',
  'flint.executor.preloadFormats': 'text',
  'flint.network.timeout': 120_000,
  'flint.executor.heartbeatInterval': 10_000,
  'flint.executor.restartAttempts': 3,
  'flint.speculation': false,
  'flint.speculation.interval': 100,
  'flint.speculation.quantile': 0.75,
  'flint.speculation.multiplier': 1.5,
  'flint.speculation.minTaskRuntime': 100,
  'flint.env.broadcastThreshold': 1 << 20,
  'flint.env.warnThreshold': 8 << 20,
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

  /** An integer at least `min`; a clear BAD_CONF otherwise. */
  getInt(key: string, min: number, dflt?: number): number {
    const n = this.getNumber(key, dflt);
    if (!Number.isInteger(n) || n < min) {
      throw engineError('BAD_CONF', `conf '${key}' must be an integer >= ${min}; got ${JSON.stringify(this.get(key, dflt))}`);
    }
    return n;
  }

  /** Checks every engine key set on this conf (types and ranges), so a bad value fails at create() naming its key. */
  validate(): void {
    this.getInt('flint.default.parallelism', 0);
    this.getInt('flint.task.maxFailures', 1);
    this.getInt('flint.shuffle.memoryBytes', 1);
    this.getInt('flint.storage.memoryBytes', 0);
    const wait = this.getNumber('flint.locality.wait');
    if (wait < 0) throw engineError('BAD_CONF', `conf 'flint.locality.wait' must be a number of milliseconds >= 0; got ${wait}`);
    const timeout = this.getInt('flint.network.timeout', 1);
    const beat = this.getInt('flint.executor.heartbeatInterval', 1);
    if (beat >= timeout) {
      throw engineError('BAD_CONF', `conf 'flint.executor.heartbeatInterval' (${beat} ms) must be less than 'flint.network.timeout' (${timeout} ms): an executor is declared lost after missing heartbeats for flint.network.timeout`);
    }
    this.getInt('flint.executor.restartAttempts', 0);
    this.getBoolean('flint.speculation');
    this.getInt('flint.speculation.interval', 1);
    const q = this.getNumber('flint.speculation.quantile');
    if (!(q > 0 && q <= 1)) throw engineError('BAD_CONF', `conf 'flint.speculation.quantile' must be a fraction in (0, 1]; got ${q}`);
    const mult = this.getNumber('flint.speculation.multiplier');
    if (!(mult >= 1)) throw engineError('BAD_CONF', `conf 'flint.speculation.multiplier' must be a number >= 1; got ${mult}`);
    this.getInt('flint.speculation.minTaskRuntime', 0);
    this.getInt('flint.env.broadcastThreshold', 1);
    this.getInt('flint.env.warnThreshold', 1);
    this.getBoolean('flint.ui.showProgress');
    this.getBoolean('flint.task.cpuStats');
    for (const key of ['flint.local.dir', 'flint.executor.preloadFormats', 'flint.shuffle.manager', 'flint.broadcast.factory']) {
      const v = this.get(key);
      if (typeof v !== 'string') throw engineError('BAD_CONF', `conf '${key}' must be a string; got ${JSON.stringify(v)}`);
    }
    shuffleManager(this.getString('flint.shuffle.manager'));
    checkBroadcastFactory(this.getString('flint.broadcast.factory'));
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
