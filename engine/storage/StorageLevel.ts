/** Storage levels for persist(): where a cached partition may live (memory, disk, or memory spilling to disk). */
import { registerShippable } from '../serde/plan.ts';

/** How a persisted RDD's partitions are kept. Instances are immutable; compare with `equals`. */
export class StorageLevel {
  constructor(
    /** Kept in the executor's memory store (counted against flint.storage.memoryBytes). */
    readonly useMemory: boolean,
    /** Written to the executor's disk store (when memory is off, or when evicted or too big for memory). */
    readonly useDisk: boolean,
    readonly name: string,
  ) {}

  static readonly NONE = new StorageLevel(false, false, 'NONE');
  static readonly MEMORY_ONLY = new StorageLevel(true, false, 'MEMORY_ONLY');
  static readonly MEMORY_AND_DISK = new StorageLevel(true, true, 'MEMORY_AND_DISK');
  static readonly DISK_ONLY = new StorageLevel(false, true, 'DISK_ONLY');

  get isValid(): boolean {
    return this.useMemory || this.useDisk;
  }

  equals(other: unknown): boolean {
    return other instanceof StorageLevel && other.useMemory === this.useMemory && other.useDisk === this.useDisk;
  }

  toString(): string {
    return this.name;
  }
}

registerShippable('StorageLevel', StorageLevel);
