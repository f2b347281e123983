import type Database from 'better-sqlite3';
import { perConnection } from '../prepared-statements.js';
import type { IncidentType, ReportStatus, Standing } from '../../domain/index.js';

/** Where a page ends: the (occurredAt, log position) of its last report. */
export interface TimelineCursor {
  readonly occurredAtMs: number;
  readonly logPosition: number;
}

/** Which reports a timeline query takes; every criterion is optional and they combine with AND. */
export interface TimelineFilter {
  /** One neighbourhood, or every neighbourhood of a city, or (neither) the whole timeline. */
  readonly neighbourhoodId?: string;
  readonly city?: string;
  /** Inclusive bounds on occurredAt, epoch milliseconds. */
  readonly fromMs?: number;
  readonly toMs?: number;
  readonly types?: readonly IncidentType[];
  /** An actor named in any role. */
  readonly actor?: string;
  /** Only reports recorded by this instant count, with their status, standing and retraction as they were then. */
  readonly knownAtMs?: number;
  /** Only reports published (their reportedAt) by this instant. */
  readonly reportedByMs?: number;
  readonly standing?: Standing;
  readonly status?: ReportStatus;
  /** A source of exactly this name; a protected source matches only with `matchProtected`. */
  readonly source?: string;
  readonly matchProtected?: boolean;
  readonly eventIds?: readonly string[];
  readonly after?: TimelineCursor;
}

export interface TimelineEntry {
  readonly eventId: string;
  readonly neighbourhoodId: string;
  readonly type: IncidentType;
  readonly occurredAt: string;
  readonly occurredAtMs: number;
  readonly logPosition: number;
  readonly timePrecision: string;
  readonly recordedAt: string;
  readonly reportedAt: string;
  /** The data exactly as recorded: protected sources are still in it. */
  readonly data: Record<string, unknown>;
  readonly standing: Standing;
  readonly status: ReportStatus;
  /** The accepted events it corroborates, as its latest promotion found them, else as it was recorded. */
  readonly corroborates: readonly string[] | undefined;
  readonly assessments: readonly TimelineAssessment[];
  readonly retraction: { readonly eventId: string; readonly reason: string; readonly recordedAt: string } | null;
}

export interface TimelineAssessment {
  readonly status: string;
  readonly reason: string;
  readonly recordedAt: string;
  readonly recordedBy: string | null;
}

interface ReportRow {
  readonly eventId: string;
  readonly neighbourhoodId: string;
  readonly type: IncidentType;
  readonly occurredAt: string;
  readonly occurredAtMs: number;
  readonly logPosition: number;
  readonly timePrecision: string;
  readonly recordedAt: string;
  readonly reportedAt: string;
  readonly data: string;
  readonly standing: Standing;
  readonly status: ReportStatus;
  readonly retractionEventId: string | null;
  readonly retractionReason: string | null;
  readonly retractionRecordedAt: string | null;
}

interface AssessmentRow {
  readonly status: string;
  readonly reason: string;
  readonly promoted: number | null;
  readonly corroborates: string | null;
  readonly recordedAt: string;
  readonly recordedBy: string | null;
}

const LATEST_ASSESSMENT = (column: string): string => `(SELECT a.${column} FROM assessments AS a
  WHERE a.event_id = r.event_id AND a.recorded_at_ms <= @knownAtMs ORDER BY a.log_position DESC LIMIT 1)`;
const STANDING = `coalesce(${LATEST_ASSESSMENT('standing')}, r.standing)`;
const STATUS = `coalesce(${LATEST_ASSESSMENT('status')}, 'unverified')`;

/** The statement for a filter's shape (which criteria it has), prepared once per connection. */
function statementSql(filter: TimelineFilter): string {
  const where = ['r.recorded_at_ms <= @knownAtMs'];
  if (filter.neighbourhoodId !== undefined) where.push('r.neighbourhood_id = @neighbourhoodId');
  if (filter.city !== undefined) where.push('r.neighbourhood_id IN (SELECT n.id FROM neighbourhoods AS n WHERE n.city = @city)');
  if (filter.fromMs !== undefined) where.push('r.occurred_at_ms >= @fromMs');
  if (filter.toMs !== undefined) where.push('r.occurred_at_ms <= @toMs');
  if (filter.types !== undefined) where.push('r.type IN (SELECT value FROM json_each(@types))');
  if (filter.actor !== undefined) where.push('EXISTS (SELECT 1 FROM report_actors AS x WHERE x.log_position = r.log_position AND x.actor = @actor)');
  if (filter.reportedByMs !== undefined) where.push('r.reported_at_ms <= @reportedByMs');
  if (filter.standing !== undefined) where.push(`${STANDING} = @standing`);
  if (filter.status !== undefined) where.push(`${STATUS} = @status`);
  if (filter.source !== undefined) {
    where.push(`EXISTS (SELECT 1 FROM json_each(r.data, '$.sources') AS s
      WHERE s.value ->> '$.name' = @source AND (@matchProtected = 1 OR coalesce(s.value ->> '$.protected', 0) = 0))`);
  }
  if (filter.eventIds !== undefined) where.push('r.event_id IN (SELECT value FROM json_each(@eventIds))');
  if (filter.after !== undefined) where.push('(r.occurred_at_ms, r.log_position) > (@afterMs, @afterPosition)');
  return `
    SELECT r.event_id AS eventId, r.neighbourhood_id AS neighbourhoodId, r.type, r.occurred_at AS occurredAt,
           r.occurred_at_ms AS occurredAtMs, r.log_position AS logPosition, r.time_precision AS timePrecision,
           r.recorded_at AS recordedAt, r.reported_at AS reportedAt, r.data,
           ${STANDING} AS standing, ${STATUS} AS status,
           x.retraction_event_id AS retractionEventId, x.reason AS retractionReason, x.recorded_at AS retractionRecordedAt
    FROM reports AS r
    LEFT JOIN retractions AS x ON x.event_id = r.event_id AND x.recorded_at_ms <= @knownAtMs
    WHERE ${where.join(' AND ')}
    ORDER BY r.occurred_at_ms, r.log_position
    LIMIT @limit`;
}

/** The report queries of a connection, by their SQL: a filter's shape makes its statement. */
const reportStatements = perConnection(() => new Map<string, Database.Statement<[Record<string, unknown>], ReportRow>>());
const assessmentStatement = perConnection((db) =>
  db.prepare<[{ eventId: string; knownAtMs: number }], AssessmentRow>(
    `SELECT status, reason, promoted, corroborates, recorded_at AS recordedAt, recorded_by AS recordedBy FROM assessments
     WHERE event_id = @eventId AND recorded_at_ms <= @knownAtMs ORDER BY log_position`,
  ),
);

export class NeighbourhoodTimelineReader {
  private readonly statements: Map<string, Database.Statement<[Record<string, unknown>], ReportRow>>;
  private readonly assessments: Database.Statement<[{ eventId: string; knownAtMs: number }], AssessmentRow>;

  constructor(private readonly db: Database.Database) {
    this.statements = reportStatements(db);
    this.assessments = assessmentStatement(db);
  }

  hasNeighbourhood(id: string): boolean {
    return this.db.prepare<[string], number>('SELECT count(*) FROM neighbourhoods WHERE id = ?').pluck().get(id) !== 0;
  }

  /** At most `limit` reports after the cursor, in (occurredAt, log position) order. */
  entries(filter: TimelineFilter, limit: number): TimelineEntry[] {
    return [...this.eachEntry(filter, limit)];
  }

  /**
   * The same reports, read one at a time: a caller that stops early (a page cut by size) has read
   * no report beyond it. It must be done with them before the read transaction ends.
   */
  *eachEntry(filter: TimelineFilter, limit: number): Generator<TimelineEntry> {
    const sql = statementSql(filter);
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare<[Record<string, unknown>], ReportRow>(sql);
      this.statements.set(sql, statement);
    }
    const knownAtMs = filter.knownAtMs ?? Number.MAX_SAFE_INTEGER;
    const rows = statement.iterate({
      knownAtMs,
      limit,
      ...(filter.neighbourhoodId !== undefined && { neighbourhoodId: filter.neighbourhoodId }),
      ...(filter.city !== undefined && { city: filter.city }),
      ...(filter.fromMs !== undefined && { fromMs: filter.fromMs }),
      ...(filter.toMs !== undefined && { toMs: filter.toMs }),
      ...(filter.types !== undefined && { types: JSON.stringify(filter.types) }),
      ...(filter.actor !== undefined && { actor: filter.actor }),
      ...(filter.reportedByMs !== undefined && { reportedByMs: filter.reportedByMs }),
      ...(filter.standing !== undefined && { standing: filter.standing }),
      ...(filter.status !== undefined && { status: filter.status }),
      ...(filter.source !== undefined && { source: filter.source, matchProtected: filter.matchProtected === true ? 1 : 0 }),
      ...(filter.eventIds !== undefined && { eventIds: JSON.stringify(filter.eventIds) }),
      ...(filter.after !== undefined && { afterMs: filter.after.occurredAtMs, afterPosition: filter.after.logPosition }),
    });
    for (const row of rows) yield this.entry(row, knownAtMs);
  }

  private entry(row: ReportRow, knownAtMs: number): TimelineEntry {
    const data = JSON.parse(row.data) as Record<string, unknown>;
    const assessments = this.assessments.all({ eventId: row.eventId, knownAtMs });
    const promoted = assessments.findLast((assessment) => assessment.promoted === 1);
    return {
      eventId: row.eventId,
      neighbourhoodId: row.neighbourhoodId,
      type: row.type,
      occurredAt: row.occurredAt,
      occurredAtMs: row.occurredAtMs,
      logPosition: row.logPosition,
      timePrecision: row.timePrecision,
      recordedAt: row.recordedAt,
      reportedAt: row.reportedAt,
      data,
      standing: row.standing,
      status: row.status,
      corroborates:
        promoted === undefined
          ? (data.corroborates as readonly string[] | undefined)
          : promoted.corroborates === null
            ? undefined
            : (JSON.parse(promoted.corroborates) as string[]),
      assessments: assessments.map(({ status, reason, recordedAt, recordedBy }) => ({ status, reason, recordedAt, recordedBy })),
      retraction:
        row.retractionEventId === null
          ? null
          : { eventId: row.retractionEventId, reason: row.retractionReason ?? '', recordedAt: row.retractionRecordedAt ?? '' },
    };
  }
}
