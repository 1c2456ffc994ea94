/**
 * Broadcast variables: a read-only value written once by the driver and fetched at most once per
 * executor, which keeps it for later tasks and jobs; and the pluggable broadcast factories (Spark's
 * BroadcastFactory) by the short name `flint.broadcast.factory` selects.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serialize } from 'node:v8';
import { engineError, namedImplementation } from '../catalogue.ts';
import { SHIP, type EnvValue } from '../serde/closure.ts';

/**
 * How a broadcast's bytes travel from the driver to executors. The driver publishes and removes;
 * an executor fetches (once per broadcast: it keeps the value). `file` writes them where every local
 * executor reads; the cluster adds a network implementation under its own name.
 */
export interface BroadcastFactory {
  /** The short name `flint.broadcast.factory` selects it by. */
  readonly name: string;
  /** Driver: publishes the serialized value; returns where executors fetch it (it travels in the task's env). */
  publish(id: number, bytes: Uint8Array): string;
  /** Driver: deletes the published value. */
  remove(location: string): void;
  /** Executor: the published bytes, or undefined when they are gone (destroyed, or the context stopped). */
  fetch(id: number, location: string): Uint8Array | undefined;
}

/** The local broadcast factory: one file per broadcast under the application's local directory. */
export class FileBroadcastFactory implements BroadcastFactory {
  readonly name = 'file';
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }
  publish(id: number, bytes: Uint8Array): string {
    const file = join(this.dir, `broadcast_${id}.bin`);
    writeFileSync(`${file}.tmp`, bytes);
    renameSync(`${file}.tmp`, file);
    return file;
  }
  remove(location: string): void {
    if (existsSync(location)) rmSync(location, { force: true });
  }
  fetch(_id: number, location: string): Uint8Array | undefined {
    try {
      return readFileSync(location);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }
}

/** Builds a factory for an application whose local directory is `localDir` (on the driver and on each executor). */
export type BroadcastFactoryMaker = (localDir: string) => BroadcastFactory;

/**
 * The broadcast factories by name. Every executor thread and process loads this module, so a name in
 * this table resolves the same everywhere; an implementation is added here (the cluster's network
 * factory will be).
 */
export const BROADCAST_FACTORIES = new Map<string, BroadcastFactoryMaker>([['file', (localDir) => new FileBroadcastFactory(join(localDir, 'broadcast'))]]);

/** The maker of the factory named `name`; BAD_CONF naming the conf key and the known names otherwise. */
export function checkBroadcastFactory(name: string): BroadcastFactoryMaker {
  return namedImplementation(BROADCAST_FACTORIES, 'flint.broadcast.factory', 'broadcast factory', name);
}

/** The factory named `name`, for the application at `localDir`. */
export function createBroadcastFactory(name: string, localDir: string): BroadcastFactory {
  return checkBroadcastFactory(name)(localDir);
}

/**
 * A broadcast handle. Pass it in `env` and read `.value` inside tasks; on the driver `.value` is the
 * original. `destroy()` removes it everywhere; using it afterwards fails with BROADCAST_DESTROYED.
 */
export class Broadcast<T> {
  private destroyed = false;
  private readonly location_: string;

  constructor(readonly id: number, private readonly v: T, private readonly factory: BroadcastFactory, private readonly onDestroy: (id: number) => Promise<void>) {
    let bytes: Uint8Array;
    try {
      bytes = serialize(v);
    } catch (e) {
      throw engineError('BAD_ARGUMENT', `broadcast(value): the value cannot be serialized (${(e as Error).message}); broadcast plain data (objects, arrays, typed arrays, Maps), not functions or class instances with methods`, { cause: e });
    }
    this.location_ = factory.publish(id, bytes);
  }

  get value(): T {
    if (this.destroyed) throw engineError('BROADCAST_DESTROYED', `broadcast ${this.id} was destroyed; create a new one with ctx.broadcast(value)`);
    return this.v;
  }

  /** Where executors fetch it (the context cleaner removes it when this handle is garbage collected). */
  get location(): string {
    return this.location_;
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }

  /** Removes the value from the driver's store and every executor's cache. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    this.factory.remove(this.location_);
    await this.onDestroy(this.id);
  }

  [SHIP](): EnvValue {
    if (this.destroyed) throw engineError('BROADCAST_DESTROYED', `broadcast ${this.id} was destroyed and cannot be passed to a task; create a new one`);
    return { t: 'bc', id: this.id, path: this.location_ };
  }

  toString(): string {
    return `Broadcast(${this.id})`;
  }
}
