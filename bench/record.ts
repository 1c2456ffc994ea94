/** Keeps the raw output of a benchmark run, so that every figure in bench/RESULTS.md can be traced to a run: what the program printed, with its command line, commit, date and the machine's load, in a file under bench/results/raw/. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { basename, extname, join, relative } from 'node:path';

const RAW_DIR = join(import.meta.dirname, 'results', 'raw');

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: import.meta.dirname, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

const load = (): string => os.loadavg().map((x) => x.toFixed(2)).join(' ');

/**
 * Records this benchmark process from now on: everything it writes to stdout and stderr is kept, and at
 * exit it is written, after a header (program, command line, commit, date, Node, CPUs, load average at
 * start and end, exit code), to bench/results/raw/<program>-<UTC date and time>.txt. Call once, at the
 * start of the program (not in child processes that report to a parent); returns the file's path.
 */
export function recordRun(): string {
  const started = new Date();
  const loadAtStart = load();
  const program = basename(process.argv[1] ?? 'bench', extname(process.argv[1] ?? ''));
  const stamp = started.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const file = join(RAW_DIR, `${program}-${stamp}.txt`);
  const head = git(['rev-parse', 'HEAD']) || 'unknown';
  const dirty = git(['status', '--porcelain', '--untracked-files=no']) !== '' ? ' (with uncommitted changes)' : '';
  const chunks: string[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return write(chunk, ...rest);
    }) as typeof stream.write;
  }
  process.on('exit', (code) => {
    const cpus = os.cpus();
    const header = [
      `program: bench/${program}.ts`,
      `command: ${[basename(process.execPath), ...process.execArgv, relative(process.cwd(), process.argv[1] ?? ''), ...process.argv.slice(2)].join(' ')}`,
      `commit: ${head}${dirty}`,
      `started: ${started.toISOString()}`,
      `ended: ${new Date().toISOString()}`,
      `node: ${process.version}; ${cpus.length} x ${cpus[0]?.model ?? 'unknown CPU'}; ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
      `load average (1, 5, 15 min) at start: ${loadAtStart}`,
      `load average (1, 5, 15 min) at end: ${load()}`,
      `exit code: ${code}`,
    ];
    mkdirSync(RAW_DIR, { recursive: true });
    writeFileSync(file, `${header.join('\n')}\n--- output ---\n${chunks.join('')}`);
  });
  return file;
}
