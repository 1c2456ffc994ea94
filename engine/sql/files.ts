/** Input path expansion shared by the columnar connectors: a file, a directory of part files, or a glob in the last path component. */
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { SqlUserError } from './errors.ts';

/** One input file and its size. */
export interface InputFile {
  path: string;
  size: number;
}

function globToRegExp(glob: string): RegExp {
  const esc = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${esc}$`);
}

/**
 * The files a path names, sorted: a file itself; a directory's files whose names start with neither
 * '_' nor '.' (so _SUCCESS and temporary files are skipped); or the matches of a glob (* and ?) in the
 * last component. Fails naming the path when nothing matches.
 */
export function listInputFiles(paths: string | string[]): InputFile[] {
  const out: InputFile[] = [];
  for (const p of Array.isArray(paths) ? paths : [paths]) {
    if (/[*?]/.test(basename(p))) {
      const dir = dirname(p);
      const re = globToRegExp(basename(p));
      let names: string[];
      try { names = readdirSync(dir); } catch { names = []; }
      const matched = names.filter(n => re.test(n)).sort().map(n => join(dir, n)).filter(f => statSync(f).isFile());
      if (matched.length === 0) throw new SqlUserError('PATH_NOT_FOUND', `no file matches '${p}'`);
      for (const f of matched) out.push({ path: f, size: statSync(f).size });
      continue;
    }
    let st;
    try { st = statSync(p); } catch {
      throw new SqlUserError('PATH_NOT_FOUND', `path '${p}' does not exist`);
    }
    if (st.isDirectory()) {
      const files = readdirSync(p).filter(n => !n.startsWith('_') && !n.startsWith('.')).sort().map(n => join(p, n)).filter(f => statSync(f).isFile());
      for (const f of files) out.push({ path: f, size: statSync(f).size });
    } else out.push({ path: p, size: st.size });
  }
  return out;
}
