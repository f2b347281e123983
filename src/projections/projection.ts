import type Database from 'better-sqlite3';
import type { ActorEvent, NeighbourhoodEvent } from '../domain/index.js';
import type { RecordedEvent } from '../event-store/index.js';

/** Every event type a projection of this service can handle. */
export type KnownEvent = NeighbourhoodEvent | ActorEvent;
export type KnownEventType = KnownEvent['type'];

/** A logged event as a projection handler receives it: typed data, and where and when it was recorded. */
export interface ProjectedEvent<E extends KnownEvent = KnownEvent> {
  readonly eventId: string;
  readonly type: E['type'];
  readonly streamId: string;
  /** Global log position: the checkpoint, and the tie-break between events at the same instant. */
  readonly position: number;
  readonly data: E['data'];
  /** `data` as stored, JSON text, when the event store keeps it as text (see `RecordedEvent.dataJson`). */
  readonly dataJson: string | undefined;
  /** `metadata.recordedAt` as the server wrote it. */
  readonly recordedAt: string;
  /** `recordedAt` in epoch milliseconds: what `knownAt` compares against. */
  readonly recordedAtMs: number;
}

/** One handler per event type; a type a projection does not list is skipped (but still checkpointed). */
export type ProjectionHandlers = {
  readonly [K in KnownEventType]?: (event: ProjectedEvent<Extract<KnownEvent, { type: K }>>) => void;
};

/**
 * A read model fed from the global log. It owns its tables; the engine owns the file, the
 * checkpoint and the transaction around each batch.
 *
 * Handlers must be idempotent on their own (rows keyed by event id, `ON CONFLICT DO NOTHING`),
 * so that a batch applied twice leaves the tables as applying it once did.
 */
export interface ProjectionDefinition {
  readonly name: string;
  /** Bump it whenever the tables or the handlers change meaning: the engine then rebuilds from position 0. */
  readonly version: number;
  /**
   * The oldest stored version whose tables this build's queries can still read. While a
   * version bump is rebuilding, a live generation older than this serves no queries (they wait
   * for the swap, then answer PROJECTION_LAGGING). Defaults to `version`: assume nothing is compatible.
   */
  readonly readableFromVersion?: number;
  /**
   * Revision of the physical layout (tables, keys, indexes) that `schema` creates and the
   * handlers write; 0 when omitted. Unlike `version`, it changes nothing a query can see: a
   * generation of another layout is rebuilt beside the live one, which keeps answering
   * queries until the swap.
   */
  readonly layout?: number;
  /** Every table the projection writes, for comparing a model with a rebuild. */
  readonly tables: readonly string[];
  /** DDL run once when a generation file is created. */
  readonly schema: string;
  /**
   * DDL of the secondary indexes that only queries use (no handler reads through them). A
   * generation is created without them and builds them in one go once it has caught up with
   * the log: sorting every row once costs less than keeping each index ordered insert by
   * insert through a whole replay (measured: a 200k-event rebuild went from 6.7 to 5.0-6.0 s). Until then, queries on a first build still answer, by
   * scanning. The built file is the same as if `schema` had held them.
   */
  readonly indexes?: string;
  /** Prepares the projection's statements on a generation file and returns its handlers. */
  handlers(db: Database.Database): ProjectionHandlers;
  /**
   * The handlers again, as SQL, for a writer that can read the embedded store's file itself:
   * statements that file, in one go, every event of the log window (@after, @until] that the
   * handlers would, reading `log.events` (the store's table, attached) and writing the rows
   * they write, in log order. Instants go through `instant_ms(text)`, which is `instantMs` and
   * gives NULL for what it refuses, so that the NOT NULL columns refuse the window; an event of
   * another shape than the handlers expect calls `unfileable(position)`, which throws (see
   * `log-window-sql.ts`). A window that fails is rolled back and handed to the handlers, which
   * stay the reference: they file it, or fail on the event that cannot be filed, as they
   * always did. Measured on 100k events of a 200k-event log, in one process, alternating: the
   * control model took 7.2 µs an event this way against 11.8 through the handlers, the
   * timeline 7.7 against 15.8 (medians of four).
   */
  readonly fromLog?: readonly string[];
}

/**
 * Epoch milliseconds of an ISO 8601 instant the domain has already validated. The message
 * names `field` of event `eventId`; it is only built when the instant is unusable, since this
 * runs several times per event.
 */
export function instantMs(value: string, field: string, eventId: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new Error(`${field} of event ${eventId} is not an ISO 8601 instant: ${JSON.stringify(value)}`);
  return ms;
}

/** `instantMs` for SQL (see `ProjectionDefinition.fromLog`): NULL for anything it would refuse. */
export function instantMsOrNull(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

export function toProjectedEvent(event: RecordedEvent): ProjectedEvent {
  const recordedAt = event.metadata.recordedAt;
  // knownAt answers depend on it: an event without a usable recordedAt fails the projection
  // loudly rather than being filed at some invented instant.
  if (typeof recordedAt !== 'string') {
    throw new Error(`event ${event.eventId} at position ${event.position} has no metadata.recordedAt`);
  }
  return {
    eventId: event.eventId,
    type: event.type as KnownEventType,
    streamId: event.streamId,
    position: event.position,
    data: event.data as KnownEvent['data'],
    dataJson: event.dataJson,
    recordedAt,
    recordedAtMs: instantMs(recordedAt, 'metadata.recordedAt', event.eventId),
  };
}

/** Calls the handler for the event's type, if the projection has one. */
export function dispatch(handlers: ProjectionHandlers, event: RecordedEvent): void {
  const handler = handlers[event.type as KnownEventType] as ((event: ProjectedEvent) => void) | undefined;
  if (handler !== undefined) handler(toProjectedEvent(event));
}
