/** Function shipping on the driver: turns a user function plus its `env` into source text that an executor can rebuild, after checking with acorn that every outside name it uses is in `env` or a JS global. */
import { parse } from 'acorn';
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { engineError } from '../catalogue.ts';

/** Objects that travel in `env` by a descriptor rather than by value (Broadcast, accumulators, moduleRef) implement this. */
export const SHIP = Symbol.for('flint.ship');

/** How one `env` value travels. */
export type EnvValue =
  | { t: 'v'; v: unknown }
  | { t: 'fn'; fn: ShippedFn }
  | { t: 'bc'; id: number; path: string }
  /** A large plain env value the driver turned into a broadcast: the function sees the value itself. */
  | { t: 'bcv'; id: number; path: string }
  | { t: 'acc'; id: number; kind: 'long' | 'double' | 'collection' }
  | { t: 'mod'; url: string; exportName: string; label: string };

/**
 * A user function in transit: its source text, its env, and where it was written. Executors turn it
 * back into a live function (engine/serde/rebuild.ts); the driver never calls it.
 */
export interface ShippedFn {
  readonly $fn: true;
  /** An expression that evaluates to the function. */
  readonly src: string;
  readonly env: Record<string, EnvValue>;
  /** The operation that received it (`map`, `reduceByKey`, ...), for messages and stack traces. */
  readonly op: string;
  /** file:line of the user's call, or '' when unknown. */
  readonly site: string;
}

/** A reference to an export of a package or a project file; the executor imports it. Create with `moduleRef`. */
export class ModuleRef {
  constructor(readonly url: string, readonly exportName: string, readonly label: string) {}
  [SHIP](): EnvValue {
    return { t: 'mod', url: this.url, exportName: this.exportName, label: this.label };
  }
}

/**
 * Names an export that executors import themselves: `moduleRef('acorn', 'parse')` for a package,
 * `moduleRef('./lib/tokenize.ts', 'tokenize')` for a file relative to the project root (the working
 * directory), an absolute path, or a file: URL. Pass it in `env`: `.map(x => tok(x), { tok: moduleRef(...) })`.
 */
export function moduleRef(pkgOrPath: string, exportName: string): ModuleRef {
  if (typeof pkgOrPath !== 'string' || pkgOrPath === '' || typeof exportName !== 'string' || exportName === '') {
    throw engineError('BAD_ARGUMENT', `moduleRef(pkgOrPath, exportName) needs two non-empty strings; got (${String(pkgOrPath)}, ${String(exportName)})`);
  }
  if (pkgOrPath.startsWith('file:')) return new ModuleRef(pkgOrPath, exportName, pkgOrPath);
  if (pkgOrPath.startsWith('.') || isAbsolute(pkgOrPath)) {
    const file = resolve(process.cwd(), pkgOrPath);
    if (!existsSync(file)) {
      throw engineError('MODULE_REF_NOT_FOUND',
        `moduleRef('${pkgOrPath}', '${exportName}'): no file at ${file}; a relative path is resolved against the project root (${process.cwd()})`);
    }
    return new ModuleRef(pathToFileURL(file).href, exportName, pkgOrPath);
  }
  return new ModuleRef(pkgOrPath, exportName, pkgOrPath);
}

/** Helpers that tsx/esbuild inject into compiled function text; executors define them. */
export const INJECTED_HELPERS = ['__name', '__defProp', '__publicField'] as const;

const ALWAYS_GLOBAL = new Set<string>(['undefined', 'NaN', 'Infinity', 'arguments', 'globalThis', ...INJECTED_HELPERS]);

/** Whether a free name of a shipped function resolves on executors without env (a JS global). */
export function isGlobal(name: string): boolean {
  return ALWAYS_GLOBAL.has(name) || name in globalThis;
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** The project root: engine/ is one of its folders (dist/ in the built package, also when installed under node_modules). */
const FLINT_ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url)))) + '/';
/** Flint's own source tree under FLINT_ROOT (and the package root, which source-mapped frames of dist/ name); frames there are never a user's call site. */
const OWN_SOURCES = [FLINT_ROOT, FLINT_ROOT.replace(/dist\/$/, '')].flatMap((root) => ['engine/', 'dl/', 'ops/', 'connectors/', 'bin/', 'index.'].map((p) => root + p));

/**
 * The file:line of the first frame of `stack` outside Flint's own source tree (engine/ with
 * engine/sql, dl/, ops/, connectors/, bin/, index.ts) and Node's internals: the user's call site,
 * or '' when there is none. Examples, tests and benchmarks of the repository count as user code.
 */
export function siteFromStack(stack: string): string {
  for (const line of stack.split('\n').slice(1)) {
    const m = /\(?((?:file:\/\/)?[^()\s]+):(\d+):\d+\)?\s*$/.exec(line.trim());
    if (m === null) continue;
    const file = m[1].replace(/^file:\/\//, '');
    if (file.startsWith('node:') || OWN_SOURCES.some((own) => file.startsWith(own))) continue;
    return `${file.split('/').slice(-2).join('/')}:${m[2]}`;
  }
  return '';
}

/** The user's call site of the running code (see siteFromStack). */
export function callSite(): string {
  const limit = Error.stackTraceLimit;
  // Flint's own frames (DataFrame plans, DL training loops) can run deeper than the default 10.
  Error.stackTraceLimit = 50;
  try {
    return siteFromStack(new Error().stack ?? '');
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * Well-known global functions by identity, with the expression that names them on an executor:
 * `rdd.map(String)`, `.filter(Boolean)`, `.map(JSON.stringify)`, `.map(Math.abs)`, `.map(parseFloat)`.
 * Their source text is `[native code]`, so they travel by name. Only functions that work detached
 * from their namespace (called as `f(x)`, no `this`, no `new`) are listed.
 */
const WELL_KNOWN_GLOBALS: ReadonlyMap<Function, string> = (() => {
  const m = new Map<Function, string>();
  const add = (f: unknown, name: string) => { if (typeof f === 'function' && !m.has(f)) m.set(f, name); };
  for (const name of ['String', 'Number', 'Boolean', 'BigInt', 'Symbol', 'Object', 'Array', 'Date',
    'parseInt', 'parseFloat', 'isNaN', 'isFinite', 'encodeURI', 'encodeURIComponent', 'decodeURI', 'decodeURIComponent',
    'escape', 'unescape', 'structuredClone']) {
    add((globalThis as Record<string, unknown>)[name], name);
  }
  const statics: Record<string, string[]> = {
    Number: ['isFinite', 'isInteger', 'isNaN', 'isSafeInteger', 'parseFloat', 'parseInt'],
    Object: ['keys', 'values', 'entries', 'fromEntries', 'assign', 'freeze', 'isFrozen', 'getPrototypeOf', 'getOwnPropertyNames', 'is'],
    Array: ['isArray', 'from', 'of'],
    String: ['fromCharCode', 'fromCodePoint', 'raw'],
    JSON: ['stringify', 'parse'],
    Date: ['now', 'parse', 'UTC'],
    Reflect: ['ownKeys', 'has', 'get', 'apply'],
  };
  for (const [ns, names] of Object.entries(statics)) {
    const obj = (globalThis as unknown as Record<string, Record<string, unknown>>)[ns];
    for (const name of names) add(obj[name], `${ns}.${name}`);
  }
  for (const name of Object.getOwnPropertyNames(Math)) add((Math as unknown as Record<string, unknown>)[name], `Math.${name}`);
  return m;
})();

/** The expression naming `fn` when it is a well-known global function (see WELL_KNOWN_GLOBALS), else undefined. */
export function wellKnownGlobalName(fn: unknown): string | undefined {
  return typeof fn === 'function' ? WELL_KNOWN_GLOBALS.get(fn) : undefined;
}

/** Source text of `fn` as an expression, rewriting method shorthand (`m(x) {}`) so it parses. */
function functionSource(fn: Function, op: string): string {
  const known = WELL_KNOWN_GLOBALS.get(fn);
  // globalThis-qualified, so an env value of the same name cannot shadow it.
  if (known !== undefined) return `globalThis.${known}`;
  const text = Function.prototype.toString.call(fn);
  if (/\{\s*\[native code\]\s*\}\s*$/.test(text)) {
    throw engineError('CLOSURE_NOT_SHIPPABLE',
      `${op}: function ${fn.name || '(anonymous)'} is native or bound, so its source cannot travel to executors ` +
      `(well-known globals such as String, Number, Boolean, JSON.stringify, Math.abs and parseFloat travel by name); ` +
      `pass an arrow function, e.g. .${op}(x => f(x)), or reference a module export with moduleRef(pkgOrPath, exportName) in env`);
  }
  if (tryParse(`(${text})`) !== null) return `(${text})`;
  const asMethod = `Object.values({${text}})[0]`;
  if (tryParse(asMethod) !== null) return asMethod;
  try {
    parse(`(${text})`, { ecmaVersion: 'latest', sourceType: 'module' });
  } catch (e) {
    throw engineError('CLOSURE_UNPARSABLE', `${op}: could not parse the function's source text (${(e as Error).message}): ${text.slice(0, 200)}`);
  }
  return `(${text})`;
}

function tryParse(src: string): unknown {
  try {
    return parse(src, { ecmaVersion: 'latest', sourceType: 'module' });
  } catch {
    return null;
  }
}

/**
 * Ships `fn` for operation `op`: checks its free variables against `env` and JS globals, encodes
 * env values (nested functions are shipped too). Throws CLOSURE_FREE_VARIABLE naming every missing
 * variable and the fix, before any job runs.
 */
export function shipFunction(fn: unknown, env: Record<string, unknown> | undefined, op: string, site = callSite()): ShippedFn {
  if (typeof fn !== 'function') {
    throw engineError('BAD_ARGUMENT', `${op} needs a function as its first argument; got ${fn === null ? 'null' : typeof fn}`);
  }
  if (env !== undefined && (typeof env !== 'object' || env === null || Array.isArray(env))) {
    throw engineError('BAD_ARGUMENT', `${op}: the env argument must be a plain object of named values, like { k }; got ${Array.isArray(env) ? 'an array' : typeof env}`);
  }
  const src = functionSource(fn, op);
  const free = cachedFreeVariables(src);
  const envKeys = new Set(Object.keys(env ?? {}));
  const missing = free.filter((n) => !envKeys.has(n) && !isGlobal(n));
  if (missing.includes('this')) {
    const where = site ? ` (at ${site})` : '';
    throw engineError('CLOSURE_FREE_VARIABLE',
      `${op} function${where} uses 'this' of its enclosing scope, which does not travel to executors; ` +
      `copy the fields it reads into env instead: const { scale } = this; .${op}(x => x * scale, { scale })`);
  }
  if (missing.length > 0) {
    const where = site ? ` (at ${site})` : '';
    const list = missing.map((n) => `'${n}'`).join(', ');
    const have = envKeys.size > 0 ? [...envKeys, ...missing].join(', ') : missing.join(', ');
    throw engineError('CLOSURE_FREE_VARIABLE',
      `${op} function${where} uses ${list} from its enclosing scope; functions run on executors and see only their env, ` +
      `so pass ${missing.length === 1 ? 'it' : 'them'} in the env argument: .${op}(fn, { ${have} })` +
      ` (data, Broadcast handles, functions, or moduleRef(pkgOrPath, exportName) for module-level helpers)`);
  }
  const encoded: Record<string, EnvValue> = {};
  const handles: object[] = [];
  for (const [name, value] of Object.entries(env ?? {})) {
    if (!IDENT.test(name)) {
      throw engineError('CLOSURE_NOT_SHIPPABLE', `${op}: env key '${name}' is not a valid identifier; the function sees env values as variables`);
    }
    encoded[name] = encodeEnvValue(value, `${op} env '${name}'`, site);
    if (encoded[name].t === 'bc' || encoded[name].t === 'acc') handles.push(value as object);
  }
  const shipped: ShippedFn = { $fn: true, src, env: encoded, op, site };
  // The shipped function keeps the Broadcast/accumulator handles it names alive (under a symbol key,
  // which plans and structured clone ignore): the context cleaner must not delete a broadcast that
  // an RDD still uses just because the caller dropped the handle.
  if (handles.length > 0) Object.defineProperty(shipped, KEEP_ALIVE, { value: handles });
  return shipped;
}

const KEEP_ALIVE = Symbol('flint.keepAlive');

function encodeEnvValue(value: unknown, what: string, site: string): EnvValue {
  if (typeof value === 'function' && typeof (value as { [SHIP]?: unknown })[SHIP] === 'function') {
    return (value as unknown as { [SHIP]: () => EnvValue })[SHIP]();
  }
  if (typeof value === 'function') return { t: 'fn', fn: shipFunction(value, undefined, what, site) };
  if (typeof value === 'object' && value !== null) {
    const ship = (value as { [SHIP]?: () => EnvValue })[SHIP];
    if (typeof ship === 'function') return ship.call(value);
    if ((value as ShippedFn).$fn === true) return { t: 'fn', fn: value as ShippedFn };
  }
  return { t: 'v', v: value };
}

/** Whether `f` is already a shipped function. */
export function isShipped(f: unknown): f is ShippedFn {
  return typeof f === 'object' && f !== null && (f as ShippedFn).$fn === true;
}

/** Shipping for engine-internal functions: no closure check beyond the env given (they are written to be shippable). */
export function shipInternal(fn: Function, env: Record<string, unknown> = {}, op = 'internal'): ShippedFn {
  return shipFunction(fn, env, op, '');
}

// ---- free-variable analysis over the ESTree acorn produces ----

type Node = { type: string; [k: string]: any };

class Scope {
  readonly names = new Set<string>();
  constructor(readonly parent: Scope | null) {}
  has(name: string): boolean {
    for (let s: Scope | null = this; s !== null; s = s.parent) if (s.names.has(name)) return true;
    return false;
  }
}

/** Parsed free-variable lists by source text: the same functions are shipped again and again (per job, per iteration). */
const freeCache = new Map<string, string[]>();
const FREE_CACHE_MAX = 2000;

function cachedFreeVariables(src: string): string[] {
  let free = freeCache.get(src);
  if (free === undefined) {
    free = freeVariables(src);
    if (freeCache.size >= FREE_CACHE_MAX) freeCache.delete(freeCache.keys().next().value as string);
    freeCache.set(src, free);
  }
  return free;
}

/** Names the expression `src` reads from outside itself, in first-use order. */
export function freeVariables(src: string): string[] {
  const ast = parse(src, { ecmaVersion: 'latest', sourceType: 'module' }) as unknown as Node;
  const free: string[] = [];
  const seen = new Set<string>();
  const root = new Scope(null);
  const use = (name: string, scope: Scope) => {
    if (!scope.has(name) && !seen.has(name)) {
      seen.add(name);
      free.push(name);
    }
  };
  visit(ast, root, use);
  return free;
}

function declarePattern(p: Node | null, scope: Scope, use: (n: string, s: Scope) => void, defaults: Node[]): void {
  if (p === null) return;
  switch (p.type) {
    case 'Identifier': scope.names.add(p.name); break;
    case 'ObjectPattern':
      for (const prop of p.properties) {
        if (prop.type === 'RestElement') declarePattern(prop.argument, scope, use, defaults);
        else {
          if (prop.computed) defaults.push(prop.key);
          declarePattern(prop.value, scope, use, defaults);
        }
      }
      break;
    case 'ArrayPattern': for (const el of p.elements) declarePattern(el, scope, use, defaults); break;
    case 'RestElement': declarePattern(p.argument, scope, use, defaults); break;
    case 'AssignmentPattern': declarePattern(p.left, scope, use, defaults); defaults.push(p.right); break;
    default: defaults.push(p); // member expressions as assignment targets in for-of etc.
  }
}

/** Hoists `var` names and function declarations of a function body (not entering nested functions). */
function hoistVars(node: Node | null, scope: Scope): void {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) { for (const n of node) hoistVars(n, scope); return; }
  switch (node.type) {
    case 'FunctionDeclaration': if (node.id) scope.names.add(node.id.name); return;
    case 'FunctionExpression': case 'ArrowFunctionExpression': case 'ClassDeclaration': case 'ClassExpression': return;
    case 'VariableDeclaration':
      if (node.kind === 'var') for (const d of node.declarations) declarePattern(d.id, scope, () => {}, []);
      break;
  }
  for (const key of Object.keys(node)) {
    if (key === 'type' || key === 'start' || key === 'end' || key === 'loc') continue;
    const child = node[key];
    if (child && typeof child === 'object') hoistVars(child, scope);
  }
}

/** Declares the block-scoped names (let, const, class, function in blocks) directly inside a statement list. */
function hoistBlock(body: Node[], scope: Scope): void {
  for (const st of body) {
    if (st.type === 'VariableDeclaration' && st.kind !== 'var') for (const d of st.declarations) declarePattern(d.id, scope, () => {}, []);
    else if (st.type === 'ClassDeclaration' && st.id) scope.names.add(st.id.name);
    else if (st.type === 'FunctionDeclaration' && st.id) scope.names.add(st.id.name);
  }
}

function visitFunction(node: Node, scope: Scope, use: (n: string, s: Scope) => void): void {
  const fnScope = new Scope(scope);
  if (node.id) fnScope.names.add(node.id.name);
  if (node.type !== 'ArrowFunctionExpression') {
    fnScope.names.add('arguments');
    fnScope.names.add('this');
  }
  const defaults: Node[] = [];
  for (const p of node.params) declarePattern(p, fnScope, use, defaults);
  for (const d of defaults) visit(d, fnScope, use);
  if (node.body.type === 'BlockStatement') {
    hoistVars(node.body.body, fnScope);
    hoistBlock(node.body.body, fnScope);
    for (const st of node.body.body) visit(st, fnScope, use);
  } else {
    visit(node.body, fnScope, use);
  }
}

function visit(node: Node | null, scope: Scope, use: (n: string, s: Scope) => void): void {
  if (node === null || typeof node !== 'object') return;
  switch (node.type) {
    case 'Identifier': use(node.name, scope); return;
    case 'FunctionDeclaration': case 'FunctionExpression': case 'ArrowFunctionExpression':
      visitFunction(node, scope, use); return;
    case 'ClassDeclaration': case 'ClassExpression': {
      const cls = new Scope(scope);
      if (node.id) cls.names.add(node.id.name);
      cls.names.add('this');
      visit(node.superClass, cls, use);
      for (const m of node.body.body) {
        if (m.computed) visit(m.key, cls, use);
        if (m.type === 'StaticBlock') { const b = new Scope(cls); hoistBlock(m.body, b); for (const st of m.body) visit(st, b, use); }
        else visit(m.value, cls, use);
      }
      return;
    }
    case 'BlockStatement': case 'StaticBlock': {
      const b = new Scope(scope);
      hoistBlock(node.body, b);
      for (const st of node.body) visit(st, b, use);
      return;
    }
    case 'Program': {
      const b = new Scope(scope);
      for (const st of node.body) visit(st, b, use);
      return;
    }
    case 'VariableDeclaration': {
      for (const d of node.declarations) {
        const defaults: Node[] = [];
        declarePattern(d.id, scope, use, defaults);
        for (const x of defaults) visit(x, scope, use);
        visit(d.init, scope, use);
      }
      return;
    }
    case 'ForStatement': case 'ForInStatement': case 'ForOfStatement': {
      const b = new Scope(scope);
      const head = node.type === 'ForStatement' ? node.init : node.left;
      if (head && head.type === 'VariableDeclaration' && head.kind !== 'var') {
        for (const d of head.declarations) declarePattern(d.id, b, use, []);
      }
      for (const key of ['init', 'left', 'test', 'update', 'right', 'body']) if (node[key]) visit(node[key], b, use);
      return;
    }
    case 'CatchClause': {
      const b = new Scope(scope);
      const defaults: Node[] = [];
      if (node.param) declarePattern(node.param, b, use, defaults);
      for (const x of defaults) visit(x, b, use);
      visit(node.body, b, use);
      return;
    }
    case 'MemberExpression':
      visit(node.object, scope, use);
      if (node.computed) visit(node.property, scope, use);
      return;
    case 'Property': case 'PropertyDefinition': case 'MethodDefinition':
      if (node.computed) visit(node.key, scope, use);
      if (node.value) visit(node.value, scope, use);
      return;
    case 'LabeledStatement': visit(node.body, scope, use); return;
    case 'ThisExpression': use('this', scope); return;
    case 'BreakStatement': case 'ContinueStatement': case 'MetaProperty': case 'Literal':
    case 'Super': case 'PrivateIdentifier': return;
    case 'AssignmentPattern': case 'ObjectPattern': case 'ArrayPattern': case 'RestElement': {
      // An assignment target outside a declaration: names are uses of existing bindings.
      const defaults: Node[] = [];
      const tmp = new Scope(null);
      declarePattern(node, tmp, use, defaults);
      for (const n of tmp.names) use(n, scope);
      for (const x of defaults) visit(x, scope, use);
      return;
    }
  }
  for (const key of Object.keys(node)) {
    if (key === 'type' || key === 'start' || key === 'end' || key === 'loc') continue;
    const child = node[key];
    if (Array.isArray(child)) for (const c of child) visit(c, scope, use);
    else if (child && typeof child === 'object' && typeof child.type === 'string') visit(child, scope, use);
  }
}
