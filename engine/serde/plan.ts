/** Stage plans: the RDD graph and operation a stage's tasks run, encoded on the driver as clonable data and rebuilt once per executor. */
import { engineError } from '../catalogue.ts';
import { isShipped, type ShippedFn } from './closure.ts';
import { rebuildFunction, type ExecutorServices } from './rebuild.ts';

/**
 * Classes whose instances travel inside plans (RDD kinds, partitioners, storage levels). Instances
 * travel as their own fields; fields whose names start with `_` stay on the driver.
 */
const byName = new Map<string, Function>();
const byCtor = new Map<Function, string>();
const moduleOf = new Map<string, string>();

/**
 * Registers a class under a stable name so its instances can travel in plans. Registering a name
 * twice throws. Classes outside engine/rdd (a DataFrame scan, a DL training RDD) pass their module's
 * URL (`import.meta.url`): executors import it before decoding a plan that uses the class, which
 * registers it there too. Their methods then run as compiled code, not shipped text.
 */
export function registerShippable(name: string, ctor: Function, moduleUrl?: string): void {
  const prev = byName.get(name);
  if (prev !== undefined && prev !== ctor) throw engineError('INTERNAL', `shippable class name '${name}' registered twice`);
  byName.set(name, ctor);
  byCtor.set(ctor, name);
  if (moduleUrl !== undefined) moduleOf.set(name, moduleUrl);
}

/** Whether `v` is an instance of a registered class (it travels in plans with its methods). */
export function isShippableInstance(v: unknown): boolean {
  return typeof v === 'object' && v !== null && byCtor.has((v as object).constructor);
}

/** Anything that decodes specially on an executor after its fields are set (e.g. a source importing its format module). */
export interface ExecutorInit {
  executorInit?(svc: ExecutorServices): Promise<void>;
}

/** The encoded plan of one stage. */
export interface EncodedPlan {
  /** Objects in plan order: index i is referenced as { $ref: i }. */
  objects: { cls: string; fields: Record<string, unknown> }[];
  /** Encoded root value (usually { root, op, params }). */
  root: unknown;
  /** Modules executors import first: they register the classes this plan uses from outside the engine. */
  modules: string[];
}

/** RDD-like values carry an `id` and may be replaced in plans (a checkpointed RDD travels as its checkpoint reader). */
export interface PlanSubstitute {
  planSubstitute?(): object;
}

/**
 * Encodes `root`: registered class instances by fields (shared instances once), shipped functions and
 * plain data as they are. `mapShipped` may substitute a shipped function (the context ships large env
 * values as broadcasts this way).
 */
export function encodePlan(root: unknown, mapShipped?: (f: ShippedFn) => ShippedFn): EncodedPlan {
  const objects: EncodedPlan['objects'] = [];
  const modules = new Set<string>();
  const index = new Map<object, number>();
  const enc = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') {
      if (typeof v === 'function') throw engineError('INTERNAL', `a live function reached a plan: ${String(v).slice(0, 80)}`);
      return v;
    }
    const sub = (v as PlanSubstitute).planSubstitute?.();
    if (sub !== undefined && sub !== v) return enc(sub);
    const known = index.get(v);
    if (known !== undefined) return { $ref: known };
    if (isShipped(v)) return mapShipped === undefined ? v : mapShipped(v);
    if (Array.isArray(v)) return v.map(enc);
    const cls = byCtor.get(v.constructor);
    if (cls !== undefined) {
      const i = objects.length;
      index.set(v, i);
      const fields: Record<string, unknown> = {};
      objects.push({ cls, fields });
      const url = moduleOf.get(cls);
      if (url !== undefined) modules.add(url);
      for (const key of Object.keys(v)) {
        if (key.startsWith('_') || key === 'ctx') continue;
        fields[key] = enc((v as Record<string, unknown>)[key]);
      }
      return { $ref: i };
    }
    const proto = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(v)) out[key] = enc((v as Record<string, unknown>)[key]);
      return out;
    }
    return v; // typed arrays, Maps, Dates...: structured clone carries them
  };
  const encodedRoot = enc(root);
  return { objects, root: encodedRoot, modules: [...modules] };
}

/** Rebuilds a plan on an executor: class instances with their prototypes, shipped functions live. */
export async function decodePlan(plan: EncodedPlan, svc: ExecutorServices): Promise<any> {
  for (const url of plan.modules) await svc.importModule(url);
  const shells = plan.objects.map((o) => {
    const ctor = byName.get(o.cls);
    if (ctor === undefined) throw engineError('INTERNAL', `plan names an unregistered class '${o.cls}'`);
    return Object.create(ctor.prototype) as Record<string, unknown>;
  });
  const dec = async (v: unknown): Promise<unknown> => {
    if (v === null || typeof v !== 'object') return v;
    if (isShipped(v)) return rebuildFunction(v, svc);
    if (Array.isArray(v)) {
      const out = new Array(v.length);
      for (let i = 0; i < v.length; i++) out[i] = await dec(v[i]);
      return out;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return v;
    const rec = v as Record<string, unknown>;
    if (typeof rec.$ref === 'number' && Object.keys(rec).length === 1) return shells[rec.$ref];
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(rec)) out[key] = await dec(rec[key]);
    return out;
  };
  for (let i = 0; i < plan.objects.length; i++) {
    const fields = plan.objects[i].fields;
    for (const key of Object.keys(fields)) shells[i][key] = await dec(fields[key]);
  }
  for (const shell of shells) await (shell as ExecutorInit).executorInit?.(svc);
  return dec(plan.root);
}
