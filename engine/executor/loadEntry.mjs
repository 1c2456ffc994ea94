// Loads an executor entry module (worker, processMain) for the bootstraps: the .ts file in Flint's sources, the .js file in
// the built package (dist/), registering the TypeScript loader (tsx) first wherever it is resolvable.
// Why: with Node 20, a loader inherited through execArgv does not reliably serve dynamic import() of .ts files inside worker
// threads, and slots start with an empty execArgv; registering tsx here serves Flint's sources and a user's TypeScript
// modules (moduleRef targets, format modules). tsx is no runtime dependency: without it, the built package runs plain JS.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Imports the entry `name` beside this file, after registering tsx where needed (sources) or available (a user's project). */
export async function importEntry(name) {
  const source = new URL(`./${name}.ts`, import.meta.url);
  const fromSources = existsSync(fileURLToPath(source));
  try {
    const { register } = await import('tsx/esm/api');
    register();
  } catch (e) {
    if (fromSources || e?.code !== 'ERR_MODULE_NOT_FOUND') throw e;
  }
  return import(fromSources ? source.href : new URL(`./${name}.js`, import.meta.url).href);
}
