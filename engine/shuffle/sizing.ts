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

const RESERVOIR = 32;

/**
 * Size of a key -> combiner map. The mean entry size is re-measured on a reservoir sample of the
 * map's keys (uniform over the keys inserted so far) at update counts about 10% apart, at most 64k
 * updates apart, so combiners that grow (groupByKey's lists) are followed; between measurements
 * size = entries x mean entry size.
 */
export class MapSizer<K, C> {
  private readonly reservoir: K[] = [];
  private inserted = 0;
  private updates = 0;
  private nextMeasure = 64;
  private meanEntry = 0;

  constructor(private readonly lookup: (k: K) => C | undefined) {}

  /** Call when `k` became a new key of the map. */
  added(k: K): void {
    const n = this.inserted++;
    if (n < RESERVOIR) this.reservoir.push(k);
    else {
      const j = Math.floor(Math.random() * (n + 1));
      if (j < RESERVOIR) this.reservoir[j] = k;
    }
  }

  /** Estimated bytes of a map of `entries` entries, after `updates` more updates (call every few updates). */
  bytesAfterUpdates(entries: number, updates: number): number {
    this.updates += updates;
    if (this.updates >= this.nextMeasure) this.measure();
    return entries * this.meanEntry;
  }

  private measure(): void {
    let sum = 0;
    for (const k of this.reservoir) sum += pairSize(k, this.lookup(k)) + 48; // + the map's own slot
    this.meanEntry = this.reservoir.length === 0 ? 0 : sum / this.reservoir.length;
    this.nextMeasure = this.updates + Math.min(65536, Math.max(64, Math.floor(this.updates / 10)));
  }

  /** Forget everything (after the map was spilled and cleared). */
  reset(): void {
    this.reservoir.length = 0;
    this.inserted = 0;
    this.nextMeasure = this.updates + 64;
    this.meanEntry = 0;
  }
}
