import type { StoredDatasetEvent } from './timeline-client.js';

export type VersionDecision =
  /** A newer version of the row is stored: the row is skipped. */
  | { readonly kind: 'older'; readonly stored: string }
  /** Import the row, after retracting the events of older versions still standing. */
  | { readonly kind: 'import'; readonly retract: readonly StoredDatasetEvent[] };

/** Versions are ACLED timestamps: whole seconds, compared as numbers. */
export function decideVersion(stored: readonly StoredDatasetEvent[], version: string): VersionDecision {
  const mine = Number(version);
  const newest = stored.reduce<StoredDatasetEvent | undefined>((best, e) => (best === undefined || Number(e.version) > Number(best.version) ? e : best), undefined);
  if (newest !== undefined && Number(newest.version) > mine) return { kind: 'older', stored: newest.version };
  const seen = new Set<string>();
  const retract = stored.filter((e) => Number(e.version) < mine && !e.retracted && !seen.has(e.eventId) && seen.add(e.eventId));
  return { kind: 'import', retract };
}

/**
 * What the timeline holds of each dataset row, per neighbourhood: loaded from the server the
 * first time a neighbourhood that existed before the run is met, kept up to date with this
 * run's acknowledged commands. Least recently used neighbourhoods are forgotten past
 * `maxEvents` events, and loaded again when met again, so memory stays bounded.
 */
export class DatasetVersionIndex {
  private readonly byNeighbourhood = new Map<string, Map<string, StoredDatasetEvent[]>>();
  private events = 0;

  constructor(private readonly maxEvents = 100_000) {}

  has(neighbourhoodId: string): boolean {
    const rows = this.byNeighbourhood.get(neighbourhoodId);
    if (rows === undefined) return false;
    this.byNeighbourhood.delete(neighbourhoodId);
    this.byNeighbourhood.set(neighbourhoodId, rows);
    return true;
  }

  load(neighbourhoodId: string, events: readonly StoredDatasetEvent[]): void {
    this.forget(neighbourhoodId);
    const rows = new Map<string, StoredDatasetEvent[]>();
    for (const event of events) {
      const list = rows.get(event.rowId);
      if (list === undefined) rows.set(event.rowId, [event]);
      else list.push(event);
    }
    this.byNeighbourhood.set(neighbourhoodId, rows);
    this.events += events.length;
    this.evict(neighbourhoodId);
  }

  versionsOf(neighbourhoodId: string, rowId: string): readonly StoredDatasetEvent[] {
    return this.byNeighbourhood.get(neighbourhoodId)?.get(rowId) ?? [];
  }

  /** An event this run wrote; ignored for a neighbourhood not held (it is loaded when needed). */
  record(neighbourhoodId: string, event: StoredDatasetEvent): void {
    const rows = this.byNeighbourhood.get(neighbourhoodId);
    if (rows === undefined) return;
    const list = rows.get(event.rowId) ?? [];
    if (list.some((e) => e.eventId === event.eventId)) return;
    list.push(event);
    rows.set(event.rowId, list);
    this.events += 1;
    this.evict(neighbourhoodId);
  }

  markRetracted(neighbourhoodId: string, eventId: string): void {
    for (const list of this.byNeighbourhood.get(neighbourhoodId)?.values() ?? []) {
      const at = list.findIndex((e) => e.eventId === eventId);
      if (at !== -1) list[at] = { ...list[at]!, retracted: true };
    }
  }

  private forget(neighbourhoodId: string): void {
    const rows = this.byNeighbourhood.get(neighbourhoodId);
    if (rows === undefined) return;
    for (const list of rows.values()) this.events -= list.length;
    this.byNeighbourhood.delete(neighbourhoodId);
  }

  private evict(keep: string): void {
    for (const neighbourhoodId of this.byNeighbourhood.keys()) {
      if (this.events <= this.maxEvents) return;
      if (neighbourhoodId !== keep) this.forget(neighbourhoodId);
    }
  }
}
