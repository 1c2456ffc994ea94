/** MapOutputTracker: the driver's record of every shuffle's map outputs, which outlive jobs so later jobs skip finished map stages. */
import type { MapStatus } from '../shuffle/api.ts';

/**
 * Per shuffle: one slot per map partition (undefined until that map task succeeds) and an epoch that
 * grows on every change, so executors know when their copy is stale.
 */
export class MapOutputTracker {
  private readonly shuffles = new Map<number, { statuses: (MapStatus | undefined)[]; epoch: number }>();

  /** Declares shuffle `shuffleId` with `numMaps` map partitions (no-op when known). */
  register(shuffleId: number, numMaps: number): void {
    if (!this.shuffles.has(shuffleId)) this.shuffles.set(shuffleId, { statuses: new Array(numMaps).fill(undefined), epoch: 0 });
  }

  has(shuffleId: number): boolean {
    return this.shuffles.has(shuffleId);
  }

  add(status: MapStatus): void {
    const s = this.shuffles.get(status.shuffleId);
    if (s === undefined) return;
    s.statuses[status.mapId] = status;
    s.epoch++;
  }

  /** Forgets the outputs of map `mapId` (lost file). */
  removeOutput(shuffleId: number, mapId: number): void {
    const s = this.shuffles.get(shuffleId);
    if (s === undefined || s.statuses[mapId] === undefined) return;
    s.statuses[mapId] = undefined;
    s.epoch++;
  }

  /** Map partitions without an output yet. */
  missing(shuffleId: number): number[] {
    const s = this.shuffles.get(shuffleId);
    if (s === undefined) return [];
    const out: number[] = [];
    s.statuses.forEach((st, i) => { if (st === undefined) out.push(i); });
    return out;
  }

  isAvailable(shuffleId: number): boolean {
    const s = this.shuffles.get(shuffleId);
    return s !== undefined && s.statuses.every((x) => x !== undefined);
  }

  /** All statuses of a complete shuffle, with its epoch. */
  get(shuffleId: number): { epoch: number; statuses: MapStatus[] } | undefined {
    const s = this.shuffles.get(shuffleId);
    if (s === undefined || !s.statuses.every((x) => x !== undefined)) return undefined;
    return { epoch: s.epoch, statuses: s.statuses as MapStatus[] };
  }

  epoch(shuffleId: number): number {
    return this.shuffles.get(shuffleId)?.epoch ?? -1;
  }

  unregister(shuffleId: number): void {
    this.shuffles.delete(shuffleId);
  }

  shuffleIds(): number[] {
    return [...this.shuffles.keys()];
  }
}
