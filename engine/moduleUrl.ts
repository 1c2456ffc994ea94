/** The URL of one of Flint's own modules beside another: a .ts file in the sources (run through tsx), a .js file in the built package (dist/). */

// Why: the compiler rewrites the extensions of import specifiers, but not of URLs built at run time,
// and executors import these URLs (format modules, moduleRef targets) themselves.
const COMPILED = !import.meta.url.endsWith('.ts');

/**
 * The URL of the Flint module `relative` (named by its source file, `./format.ts`) resolved against
 * `base` (the caller's `import.meta.url`): `.ts` when Flint runs from its sources, `.js` when it runs
 * from dist/. Other extensions (`.mjs` bootstraps) are kept.
 */
export function moduleUrl(relative: string, base: string): string {
  const url = new URL(relative, base).href;
  return COMPILED && url.endsWith('.ts') ? url.slice(0, -3) + '.js' : url;
}
