import type Database from 'better-sqlite3';
import type { IncidentType, TimePrecision } from '../../domain/index.js';

export interface TimelineFilter {
  readonly neighbourhoodId: string;
  /** Inclusive bounds on occurredAt, epoch milliseconds. */
  readonly fromMs?: number;
  readonly toMs?: number;
  readonly type?: IncidentType;
}

export interface TimelineEntry {
  readonly eventId: string;
  readonly type: IncidentType;
  readonly occurredAt: string;
  readonly timePrecision: TimePrecision;
  readonly recordedAt: string;
  /** The event's data exactly as recorded: protected sources are still in it. */
  readonly data: Record<string, unknown>;
  readonly retraction: { readonly eventId: string; readonly reason: string; readonly recordedAt: string } | null;
}

interface IncidentRow {
  readonly eventId: string;
  readonly type: IncidentType;
  readonly occurredAt: string;
  readonly timePrecision: TimePrecision;
  readonly recordedAt: string;
  readonly data: string;
  readonly retractionEventId: string | null;
  readonly retractionReason: string | null;
  readonly retractionRecordedAt: string | null;
}

interface RangeParams {
  readonly neighbourhoodId: string;
  readonly fromMs: number;
  readonly toMs: number;
}

const SELECT = `
  SELECT event_id AS eventId, type, occurred_at AS occurredAt, time_precision AS timePrecision, recorded_at AS recordedAt, data,
         retraction_event_id AS retractionEventId, retraction_reason AS retractionReason, retraction_recorded_at AS retractionRecordedAt
  FROM incidents`;

function prepare(db: Database.Database) {
  return {
    exists: db.prepare<[string], number>('SELECT count(*) FROM neighbourhoods WHERE id = ?').pluck(),
    // Two statements rather than "@type IS NULL OR type = @type", so that each gets its own index.
    all: db.prepare<[RangeParams], IncidentRow>(
      `${SELECT} WHERE neighbourhood_id = @neighbourhoodId AND occurred_at_ms BETWEEN @fromMs AND @toMs
       ORDER BY occurred_at_ms, log_position`,
    ),
    ofType: db.prepare<[RangeParams & { type: string }], IncidentRow>(
      `${SELECT} WHERE neighbourhood_id = @neighbourhoodId AND type = @type AND occurred_at_ms BETWEEN @fromMs AND @toMs
       ORDER BY occurred_at_ms, log_position`,
    ),
  };
}

type Statements = ReturnType<typeof prepare>;
const statementsByDb = new WeakMap<Database.Database, Statements>();

export class NeighbourhoodTimelineReader {
  private readonly statements: Statements;

  constructor(db: Database.Database) {
    let statements = statementsByDb.get(db);
    if (statements === undefined) {
      statements = prepare(db);
      statementsByDb.set(db, statements);
    }
    this.statements = statements;
  }

  hasNeighbourhood(id: string): boolean {
    return this.statements.exists.get(id) !== 0;
  }

  /** Incidents in (occurredAt, log position) order, bounds inclusive. */
  entries(filter: TimelineFilter): TimelineEntry[] {
    const range: RangeParams = {
      neighbourhoodId: filter.neighbourhoodId,
      fromMs: filter.fromMs ?? Number.MIN_SAFE_INTEGER,
      toMs: filter.toMs ?? Number.MAX_SAFE_INTEGER,
    };
    const rows = filter.type === undefined ? this.statements.all.all(range) : this.statements.ofType.all({ ...range, type: filter.type });
    return rows.map((row) => ({
      eventId: row.eventId,
      type: row.type,
      occurredAt: row.occurredAt,
      timePrecision: row.timePrecision,
      recordedAt: row.recordedAt,
      data: JSON.parse(row.data) as Record<string, unknown>,
      retraction:
        row.retractionEventId === null
          ? null
          : { eventId: row.retractionEventId, reason: row.retractionReason ?? '', recordedAt: row.retractionRecordedAt ?? '' },
    }));
  }
}
