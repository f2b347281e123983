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
 *
 * A row's events are kept as one string (`<version> <event id> <0|1>` per event, one per line):
 * about a tenth of the memory of an object per event, so that the index holds the versions of
 * a whole country's export before it has to forget any.
 */
export class DatasetVersionIndex {
  private readonly byNeighbourhood = new Map<string, Map<string, string>>();
  private events = 0;

  constructor(private readonly maxEvents = DEFAULT_MAX_INDEXED_EVENTS) {}

  has(neighbourhoodId: string): boolean {
    const rows = this.byNeighbourhood.get(neighbourhoodId);
    if (rows === undefined) return false;
    this.byNeighbourhood.delete(neighbourhoodId);
    this.byNeighbourhood.set(neighbourhoodId, rows);
    return true;
  }

  load(neighbourhoodId: string, events: readonly StoredDatasetEvent[]): void {
    this.forget(neighbourhoodId);
    const rows = new Map<string, string>();
    for (const event of events) {
      const packed = rows.get(event.rowId);
      rows.set(event.rowId, packed === undefined ? pack(event) : `${packed}\n${pack(event)}`);
    }
    this.byNeighbourhood.set(neighbourhoodId, rows);
    this.events += events.length;
    this.evict(neighbourhoodId);
  }

  versionsOf(neighbourhoodId: string, rowId: string): readonly StoredDatasetEvent[] {
    const packed = this.byNeighbourhood.get(neighbourhoodId)?.get(rowId);
    return packed === undefined ? [] : unpack(rowId, packed);
  }

  /** An event this run wrote; ignored for a neighbourhood not held (it is loaded when needed). */
  record(neighbourhoodId: string, event: StoredDatasetEvent): void {
    const rows = this.byNeighbourhood.get(neighbourhoodId);
    if (rows === undefined) return;
    const packed = rows.get(event.rowId);
    if (packed !== undefined && unpack(event.rowId, packed).some((e) => e.eventId === event.eventId)) return;
    rows.set(event.rowId, packed === undefined ? pack(event) : `${packed}\n${pack(event)}`);
    this.events += 1;
    this.evict(neighbourhoodId);
  }

  markRetracted(neighbourhoodId: string, eventId: string): void {
    const rows = this.byNeighbourhood.get(neighbourhoodId);
    for (const [rowId, packed] of rows ?? []) {
      if (!packed.includes(eventId)) continue;
      rows!.set(rowId, unpack(rowId, packed).map((e) => pack(e.eventId === eventId ? { ...e, retracted: true } : e)).join('\n'));
    }
  }

  private forget(neighbourhoodId: string): void {
    const rows = this.byNeighbourhood.get(neighbourhoodId);
    if (rows === undefined) return;
    for (const packed of rows.values()) this.events -= packed.split('\n').length;
    this.byNeighbourhood.delete(neighbourhoodId);
  }

  private evict(keep: string): void {
    for (const neighbourhoodId of this.byNeighbourhood.keys()) {
      if (this.events <= this.maxEvents) return;
      if (neighbourhoodId !== keep) this.forget(neighbourhoodId);
    }
  }
}

/** Events the version index holds before it forgets neighbourhoods: about 100 MB of heap (about 250 bytes an event). */
export const DEFAULT_MAX_INDEXED_EVENTS = 400_000;

/** Versions are digits and event ids are the server's UUIDs: neither holds a space or a line break. */
function pack(event: StoredDatasetEvent): string {
  if (/\s/.test(event.version) || /\s/.test(event.eventId)) throw new Error(`cannot index version ${JSON.stringify(event.version)} of event ${JSON.stringify(event.eventId)}`);
  return `${event.version} ${event.eventId} ${event.retracted ? 1 : 0}`;
}

function unpack(rowId: string, packed: string): StoredDatasetEvent[] {
  return packed.split('\n').map((line) => {
    const [version, eventId, retracted] = line.split(' ');
    return { rowId, version: version!, eventId: eventId!, retracted: retracted === '1' };
  });
}
