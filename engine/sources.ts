/** The source registry: a data format names a module that plans input splits on the driver and reads one split on an executor. */
import { engineError } from './catalogue.ts';

/**
 * One unit of input read by one task. It must be structured-clonable: it travels to executors.
 * `index` is the split's position in the planned list (the RDD partition index).
 */
export interface InputSplit {
  index: number;
  [field: string]: unknown;
}

/**
 * What a format module exports. The driver imports it to call `planSplits`; an executor imports the
 * same module by URL and calls `readSplit` for its partition, so both functions must be top-level exports.
 */
export interface SourceModule<T = unknown> {
  planSplits(path: string | string[], minPartitions: number, options: Record<string, unknown>): Promise<InputSplit[]>;
  readSplit(split: InputSplit, options: Record<string, unknown>): Iterator<T> | AsyncIterator<T>;
}

const formats = new Map<string, string>();

/** Registers `name` (e.g. 'text', 'csv') as read by the module at `moduleUrl` (a file: URL, usually import.meta.url of the format's module). */
export function registerFormat(name: string, moduleUrl: string): void {
  const existing = formats.get(name);
  if (existing !== undefined && existing !== moduleUrl) {
    throw engineError('FORMAT_ALREADY_REGISTERED',
      `format '${name}' is already registered by ${existing}; pick another name for ${moduleUrl}`);
  }
  formats.set(name, moduleUrl);
}

/** The module URL registered for `name`; fails naming the registered formats when there is none. */
export function lookupFormat(name: string): string {
  const url = formats.get(name);
  if (url === undefined) {
    const known = [...formats.keys()].sort().join(', ') || 'none';
    throw engineError('UNKNOWN_FORMAT',
      `no data format '${name}' is registered (registered: ${known}); import 'flint' (index.ts), which loads connectors/, or register the format with registerFormat`);
  }
  return url;
}

/** The module URLs of every registered format (executors preload them when they start). */
export function registeredFormatUrls(): string[] {
  return [...new Set(formats.values())];
}

/** Imports the module of a registered format (or a module URL) and returns its SourceModule exports. */
export async function loadFormat<T = unknown>(nameOrUrl: string): Promise<SourceModule<T>> {
  const url = nameOrUrl.includes(':') && !formats.has(nameOrUrl) ? nameOrUrl : lookupFormat(nameOrUrl);
  return (await import(url)) as SourceModule<T>;
}
