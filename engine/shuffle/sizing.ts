/** Memory estimates for the shuffle's in-memory collections, sampled so that tracking stays off the hot path. */
import { estimateSize } from '../serde/keys.ts';
import type { Pair } from './codec.ts';

/** Bytes a [key, value] pair takes on the heap: exact for string/number pairs, estimateSize otherwise. */
export function pairSize(k: unknown, v: unknown): number {
  // 32: the two-slot array holding the pair, plus a heap number for a non-small-integer value.
  return 32
    + (typeof k === 'string' ? 16 + ((k.length + 7) & ~7) : typeof k === 'number' ? 16 : estimateSize(k))
    + (typeof v === 'number' ? 16 : typeof v === 'string' ? 16 + ((v.length + 7) & ~7) : estimateSize(v));
}

/**
 * Size of an append-only list of pairs: every pair of the first 64, then every 16th, is measured,
 * and the list is taken to be `count` pairs of the measured mean size.
 */
export class ListSizer {
  private count = 0;
  private sampled = 0;
  private sampledBytes = 0;

  add(r: Pair): void {
    const n = this.count++;
    if (n < 64 || (n & 15) === 0) {
      this.sampled++;
      this.sampledBytes += pairSize(r[0], r[1]) + 8;
    }
  }

  get bytes(): number {
    return this.sampled === 0 ? 0 : (this.count * this.sampledBytes) / this.sampled;
  }

  reset(): void {
    this.count = this.sampled = this.sampledBytes = 0;
  }
}

/**
 * Size of a key -> combiner map, as bytes of the entries when created plus bytes the combiners
 * grew since. New entries are measured (all of the first 64, then every 8th); every 64th update of
 * an existing key is measured before and after the merge (`sampleUpdate` / `grew`), which follows
 * combiners that grow (groupByKey's lists), including one hot key that takes most updates: the
 * sampling is per update, so a key's weight is its share of updates. Constant-size combiners
 * (sums, counts) measure zero growth.
 */
export class MapSizer {
  private newKeys = 0;
  private newSampled = 0;
  private newBytes = 0;
  private updates = 0;
  private growthSampled = 0;
  private growthBytes = 0;

  /** Call when `k` became a new key with combiner `c`. */
  added(k: unknown, c: unknown): void {
    const n = this.newKeys++;
    if (n < 64 || (n & 7) === 0) {
      this.newSampled++;
      this.newBytes += pairSize(k, c) + 48; // + the map's own slot
    }
  }

  /** Call before merging into an existing key: true when this update is to be measured with `grew`. */
  sampleUpdate(): boolean {
    return (++this.updates & 63) === 0;
  }

  /** Reports the estimated size of a combiner before and after a sampled update. */
  grew(before: number, after: number): void {
    this.growthSampled++;
    this.growthBytes += after - before;
  }

  get bytes(): number {
    const entries = this.newSampled === 0 ? 0 : (this.newKeys * this.newBytes) / this.newSampled;
    const growth = this.growthSampled === 0 ? 0 : (this.updates * this.growthBytes) / this.growthSampled;
    return entries + Math.max(0, growth);
  }

  /** Forget everything (after the map was spilled and cleared). */
  reset(): void {
    this.newKeys = this.newSampled = this.newBytes = 0;
    this.updates = this.growthSampled = this.growthBytes = 0;
  }
}
