/** Input path expansion, the one every file format uses: lists of paths, comma-separated paths, file: URLs, directories and globs (*, ?, [..], {a,b}, **). */
import fs from 'node:fs';
import path from 'node:path';
import { inputNotFound } from './errors.ts';

/** One input file with its size in bytes. */
export interface InputFile {
  path: string;
  size: number;
}

const GLOB_CHARS = /[*?[{]/;

/** Hidden files (Hadoop's rule: names starting with '.' or '_', such as _SUCCESS) are skipped in directories and glob matches. */
function isHidden(name: string): boolean {
  return name.startsWith('.') || name.startsWith('_');
}

/** Splits "a.txt,b/*.txt" on commas outside braces (Spark's textFile takes comma-separated paths). */
function splitCommas(s: string): string[] {
  const out: string[] = [];
  let depth = 0, from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '{') depth++;
    else if (c === '}') depth = Math.max(0, depth - 1);
    else if (c === ',' && depth === 0) {
      out.push(s.slice(from, i));
      from = i + 1;
    }
  }
  out.push(s.slice(from));
  return out.map((p) => p.trim()).filter((p) => p !== '');
}

/** A regular expression for one path segment of a glob. */
function segmentRegex(seg: string): RegExp {
  let re = '';
  let inClass = false;
  let braces = 0;
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i];
    if (inClass) {
      if (c === ']') { re += ']'; inClass = false; }
      else if (c === '\\') re += '\\\\';
      else re += c;
      continue;
    }
    switch (c) {
      case '*': re += '[^/]*'; break;
      case '?': re += '[^/]'; break;
      case '[':
        inClass = true;
        re += '[';
        if (seg[i + 1] === '!' || seg[i + 1] === '^') { re += '^'; i++; }
        break;
      case '{': braces++; re += '(?:'; break;
      case '}': if (braces > 0) { braces--; re += ')'; } else re += '\\}'; break;
      case ',': re += braces > 0 ? '|' : ','; break;
      case '\\': re += '\\' + (seg[++i] ?? '\\'); break;
      default: re += c.replace(/[.+^$()|\\]/g, '\\$&');
    }
  }
  if (inClass || braces > 0) throw inputNotFound(seg, 'is not a valid glob (an unclosed [ or {)');
  return new RegExp(`^${re}$`);
}

function statOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch {
    return undefined;
  }
}

/** Files of a directory (not recursive, hidden ones skipped), as Hadoop's FileInputFormat lists them. */
function listDir(dir: string): InputFile[] {
  const out: InputFile[] = [];
  for (const name of fs.readdirSync(dir)) {
    if (isHidden(name)) continue;
    const p = path.join(dir, name);
    const st = statOrUndefined(p);
    if (st?.isFile()) out.push({ path: p, size: st.size });
  }
  return out;
}

/** Paths matching an absolute glob pattern. */
function expandGlob(pattern: string): string[] {
  const root = path.parse(pattern).root;
  const segments = pattern.slice(root.length).split(/[\\/]+/).filter((s) => s !== '');
  let current = [root];
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i];
    const next: string[] = [];
    if (seg === '**') {
      // Any number of directories, including none.
      for (const base of current) collectDirs(base, next);
    } else if (!GLOB_CHARS.test(seg)) {
      for (const base of current) {
        const p = path.join(base, seg);
        if (statOrUndefined(p) !== undefined) next.push(p);
      }
    } else {
      const re = segmentRegex(seg);
      for (const base of current) {
        let names: string[];
        try {
          if (!statOrUndefined(base)?.isDirectory()) continue;
          names = fs.readdirSync(base);
        } catch {
          continue;
        }
        for (const name of names) if (!isHidden(name) && re.test(name)) next.push(path.join(base, name));
      }
    }
    current = next;
    if (current.length === 0) break;
  }
  return current;
}

function collectDirs(base: string, out: string[]): void {
  out.push(base);
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(base, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) if (e.isDirectory() && !isHidden(e.name)) collectDirs(path.join(base, e.name), out);
}

/** Accepts `file:` URLs (file:///data/x.txt, as Spark users write them) besides plain paths. */
function toLocalPath(p: string): string {
  if (!p.startsWith('file:')) return p;
  const rest = p.replace(/^file:(\/\/[^/]*)?/, '');
  try {
    return decodeURIComponent(rest);
  } catch {
    return rest; // a stray '%' that is not an escape: take the path as written
  }
}

/**
 * The files named by `input`: a path or an array of paths, each a file, a directory (its visible
 * files) or a glob, as a path or a file: URL; a string may hold several comma-separated paths.
 * Paths resolve against the
 * working directory; the result is absolute, deduplicated and sorted within each pattern. A pattern
 * that names no file fails with INPUT_NOT_FOUND naming it.
 */
export function expandInputPaths(input: string | readonly string[]): InputFile[] {
  const patterns = typeof input === 'string'
    ? (statOrUndefined(input) !== undefined ? [input] : splitCommas(input))
    : [...input];
  if (patterns.length === 0) throw inputNotFound(String(input), 'names no path');
  const seen = new Set<string>();
  const out: InputFile[] = [];
  for (const pattern of patterns) {
    if (typeof pattern !== 'string' || pattern === '') throw inputNotFound(String(pattern), 'is not a path');
    const abs = path.resolve(toLocalPath(pattern));
    let files: InputFile[] = [];
    const st = statOrUndefined(abs);
    if (st?.isFile()) files = [{ path: abs, size: st.size }];
    else if (st?.isDirectory()) {
      files = listDir(abs);
      if (files.length === 0) throw inputNotFound(pattern, 'is a directory with no visible files');
    } else if (GLOB_CHARS.test(pattern)) {
      for (const p of expandGlob(abs)) {
        const s = statOrUndefined(p);
        if (s?.isFile()) files.push({ path: p, size: s.size });
        else if (s?.isDirectory()) files.push(...listDir(p));
      }
      if (files.length === 0) throw inputNotFound(pattern, 'matches no file');
    } else {
      throw inputNotFound(pattern, 'does not exist');
    }
    files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    for (const f of files) {
      if (seen.has(f.path)) continue;
      seen.add(f.path);
      out.push(f);
    }
  }
  return out;
}
