/** The per-executor object cache: keyed values (compiled sessions, model replicas, parsed lookup tables) that outlive tasks and jobs, disposed when dropped. */

interface Entry {
  value: Promise<unknown>;
  dispose?: (value: any) => void | Promise<void>;
}

/**
 * One per executor. `getOrCreate` runs `create` once per key even when tasks ask concurrently; a
 * failed create leaves no entry. `delete`/`clear` call the entry's `dispose`. The engine clears it
 * when the context stops.
 */
export class ObjectCache {
  private readonly entries = new Map<string, Entry>();

  /** The cached value for `key`, creating it with `create` (once) when absent. */
  getOrCreate<T>(key: string, create: () => T | Promise<T>, dispose?: (value: T) => void | Promise<void>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit.value as Promise<T>;
    const value = Promise.resolve().then(create);
    const entry: Entry = { value, dispose: dispose as Entry['dispose'] };
    this.entries.set(key, entry);
    value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return value;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** The value for `key` if present (a Promise, since creation may be in flight). */
  get<T>(key: string): Promise<T> | undefined {
    return this.entries.get(key)?.value as Promise<T> | undefined;
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  /** Drops `key`, awaiting its disposal. Returns whether it was present. */
  async delete(key: string): Promise<boolean> {
    const e = this.entries.get(key);
    if (e === undefined) return false;
    this.entries.delete(key);
    await disposeEntry(e);
    return true;
  }

  /** Drops every entry whose key starts with `prefix` (all when omitted). */
  async clear(prefix = ''): Promise<void> {
    for (const key of [...this.entries.keys()]) if (key.startsWith(prefix)) await this.delete(key);
  }
}

async function disposeEntry(e: Entry): Promise<void> {
  if (e.dispose === undefined) return;
  let v: unknown;
  try {
    v = await e.value;
  } catch {
    return;
  }
  await e.dispose(v);
}
