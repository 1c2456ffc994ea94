/** The npm package: `npm pack` gives a tarball of compiled JS and .d.ts files that a fresh project outside the repository installs and runs with plain node, and with TypeScript. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const FIXTURES = fileURLToPath(new URL('fixtures/package/', import.meta.url));

/** The environment of the npm commands: no npm_* variables of an enclosing `npm test` (npm reads them as its config), no CUDA download. */
function npmEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  return { ...env, ONNXRUNTIME_NODE_INSTALL: 'skip' };
}

function run(cmd: string, args: string[], cwd: string, timeout: number): string {
  try {
    return execFileSync(cmd, args, { cwd, env: npmEnv(), encoding: 'utf8', timeout, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  }
}

/** Installs into `project` from the local npm cache where it can (the registry otherwise). */
function npmInstall(project: string, specs: string[]): void {
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', ...specs], project, 240_000);
}

/** The version of a devDependency as installed in the repository, so the temporary project hits the npm cache. */
function installedVersion(pkg: string): string {
  return (JSON.parse(readFileSync(join(REPO, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
}

function parseLastLine(out: string): Record<string, unknown> {
  const lines = out.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
}

test('the packed tarball installs into a fresh project and runs a JavaScript and a TypeScript app', { timeout: 420_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'flint-package-'));
  try {
    // npm pack runs the prepack build (dist/) and lists the tarball's files
    const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', root], REPO, 120_000)) as
      { filename: string; files: { path: string }[] }[];
    const files = packed[0].files.map((f) => f.path);
    assert.deepEqual(files.filter((f) => /\.(c|m)?tsx?$/.test(f) && !f.endsWith('.d.ts')), [], 'no TypeScript source but .d.ts');
    assert.deepEqual(files.filter((f) => !f.startsWith('dist/')).sort(), ['README.md', 'package.json']);
    for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/engine/executor/bootstrap.mjs', 'dist/engine/executor/processBootstrap.mjs', 'dist/connectors/csv/format.js']) {
      assert.ok(files.includes(f), `the tarball holds ${f}`);
    }
    const tarball = join(root, packed[0].filename);

    const data = join(root, 'data');
    mkdirSync(join(data, 'text'), { recursive: true });
    const texts = ['a b a\nc a b\n', 'b d\n\nd e\n'];
    texts.forEach((t, i) => writeFileSync(join(data, 'text', `${i}.txt`), t));
    const sales = [['eu', 1.5], ['us', 2], ['eu', 3], ['us', 4.5], ['ap', 7]] as const;
    writeFileSync(join(data, 'sales.csv'), 'region,amount\n' + sales.map((r) => r.join(',')).join('\n') + '\n');

    // A plain JavaScript project: flint only (tsx is no dependency of it), run with plain node
    const project = join(root, 'app');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    cpSync(join(FIXTURES, 'app.mjs'), join(project, 'app.mjs'));
    npmInstall(project, [tarball]);
    assert.ok(existsSync(join(project, 'node_modules', 'flint', 'dist', 'index.js')));
    assert.ok(!existsSync(join(project, 'node_modules', 'tsx')), 'tsx is not installed with flint');

    const js = parseLastLine(run(process.execPath, ['app.mjs', data], project, 120_000));
    const words = new Map<string, number>();
    for (const w of texts.join('\n').split(/\s+/).filter((x) => x !== '')) words.set(w, (words.get(w) ?? 0) + 1);
    assert.deepEqual(new Map(js.words as [string, number][]), words);
    const groups = new Map<string, number[]>();
    for (const [r, a] of sales) groups.set(r, [...(groups.get(r) ?? []), a]);
    const expected = [...groups].sort(([a], [b]) => a.localeCompare(b)).map(([region, v]) => {
      const total = v.reduce((x, y) => x + y, 0);
      return { region, total, mean: total / v.length, n: v.length };
    });
    assert.deepEqual(js.sales, expected);
    // the model learns y = 2 x0 - 3 x1 + 1; local and RDD (map stage on executors) inference agree
    const truth = [2 * 0.5 - 3 * 0.25 + 1, 2 * 0 - 3 * 1 + 1];
    (js.predictLocal as number[]).forEach((y, i) => assert.ok(Math.abs(y - truth[i]) < 0.05, `prediction ${y} for ${truth[i]}`));
    assert.deepEqual(js.predictRdd, js.predictLocal);
    assert.equal(js.distMode, 'distributed');
    (js.predictDist as number[]).forEach((y, i) => assert.ok(Math.abs(y - truth[i]) < 0.05, `distributed prediction ${y} for ${truth[i]}`));
    assert.equal(js.clusterSum, 55);

    // TypeScript: the package's .d.ts files type-check a user's app, and tsx runs it with a TypeScript moduleRef target
    for (const f of ['app.ts', 'tsconfig.json', 'lib']) cpSync(join(FIXTURES, f), join(project, f), { recursive: true });
    npmInstall(project, [tarball, `typescript@${installedVersion('typescript')}`, `@types/node@${installedVersion('@types/node')}`, `tsx@${installedVersion('tsx')}`]);
    run(process.execPath, [join(project, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], project, 120_000);
    const ts = parseLastLine(run(process.execPath, ['--import', 'tsx', 'app.ts', data], project, 120_000));
    const lines = texts.join('').split('\n').slice(0, -1);
    assert.deepEqual((ts.shouted as string[]).slice().sort(), lines.map((l) => `${l.toUpperCase()}!`).sort());
    assert.deepEqual(ts.rows, [{ k: 'a', s: 4 }, { k: 'b', s: 2 }]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
