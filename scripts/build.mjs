// Builds the package into dist/: compiles the TypeScript sources (JS, .d.ts, source maps) and copies the executor
// bootstraps (.mjs files, which the compiler neither emits nor rewrites).
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('..', import.meta.url);
const dist = new URL('dist/', root);
rmSync(dist, { recursive: true, force: true });
const tsc = fileURLToPath(new URL('node_modules/typescript/bin/tsc', root));
execFileSync(process.execPath, [tsc, '-p', fileURLToPath(new URL('tsconfig.build.json', root))], { stdio: 'inherit' });
for (const dir of ['engine/executor/']) {
  for (const f of readdirSync(new URL(dir, root)).filter((n) => n.endsWith('.mjs'))) {
    cpSync(new URL(dir + f, root), new URL(dir + f, dist));
  }
}
