/** Function shipping on executors: rebuilds a shipped function from its source text with its env bound as variables. */
import { engineError } from '../catalogue.ts';
import type { EnvValue, ShippedFn } from './closure.ts';

/** What rebuilding needs from the executor it runs in. */
export interface ExecutorServices {
  /** Imports a module (cached per executor). */
  importModule(url: string): Promise<Record<string, unknown>>;
  /** The executor-side handle of a broadcast: `.value` fetches it once per executor. */
  broadcastHandle(id: number, path: string): unknown;
  /** The executor-side handle of an accumulator: `.add(v)` counts into the running task. */
  accumulatorHandle(id: number, kind: 'long' | 'double' | 'collection'): unknown;
}

// What tsx/esbuild injects into compiled function text (keepNames, class fields).
const defProp = Object.defineProperty;
const helperName = (target: unknown, value: string) => defProp(target, 'name', { value, configurable: true });
const helperPublicField = (obj: object, key: PropertyKey, value: unknown) =>
  defProp(obj, typeof key !== 'symbol' ? String(key) : key, { enumerable: true, configurable: true, writable: true, value });
const HELPERS: Record<string, unknown> = { __name: helperName, __defProp: defProp, __publicField: helperPublicField };

async function envValue(v: EnvValue, svc: ExecutorServices): Promise<unknown> {
  switch (v.t) {
    case 'v': return v.v;
    case 'fn': return rebuildFunction(v.fn, svc);
    case 'bc': return svc.broadcastHandle(v.id, v.path);
    case 'bcv': return (svc.broadcastHandle(v.id, v.path) as { value: unknown }).value;
    case 'acc': return svc.accumulatorHandle(v.id, v.kind);
    case 'mod': {
      let mod: Record<string, unknown>;
      try {
        mod = await svc.importModule(v.url);
      } catch (e) {
        throw engineError('MODULE_REF_NOT_FOUND', `moduleRef('${v.label}', '${v.exportName}'): the executor could not import ${v.url}: ${(e as Error).message}`, { cause: e });
      }
      if (!(v.exportName in mod)) {
        const names = Object.keys(mod).slice(0, 20).join(', ');
        throw engineError('MODULE_REF_NOT_FOUND', `moduleRef('${v.label}', '${v.exportName}'): the module has no export '${v.exportName}' (exports: ${names})`);
      }
      return mod[v.exportName];
    }
  }
}

/** Rebuilds a live function from `fn`; its stack frames name the operation and the user's call site. */
export async function rebuildFunction(fn: ShippedFn, svc: ExecutorServices): Promise<(...args: any[]) => any> {
  const names = Object.keys(fn.env);
  const values: unknown[] = [];
  for (const name of names) values.push(await envValue(fn.env[name], svc));
  const helperNames = Object.keys(HELPERS).filter((h) => !names.includes(h));
  const url = `flint-fn://${fn.op.replace(/'/g, '').replace(/\s+/g, '.').replace(/[^\w.-]/g, '_')}${fn.site ? '@' + fn.site.replace(/\s/g, '_') : ''}`;
  const body = `'use strict';\nreturn ${fn.src};\n//# sourceURL=${url}`;
  // Compiling is the cost (every plan a job ships is decoded anew): the factory is compiled once per
  // source text and env names; each call of it binds that plan's env values.
  const key = `${names.join(',')}\u0000${body}`;
  let factory = factories.get(key);
  if (factory === undefined) {
    factory = new Function(...names, ...helperNames, body) as (...args: unknown[]) => (...args: any[]) => any;
    if (factories.size >= MAX_FACTORIES) factories.delete(factories.keys().next().value!);
    factories.set(key, factory);
  }
  return factory(...values, ...helperNames.map((h) => HELPERS[h]));
}

/** Compiled function factories by env names and body, oldest first (bounded). */
const factories = new Map<string, (...args: unknown[]) => (...args: any[]) => any>();
const MAX_FACTORIES = 1024;
