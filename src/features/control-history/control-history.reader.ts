import type Database from 'better-sqlite3';
import {
  type ControlSummary,
  type ReportStatus,
  type SkippedReport,
  type Source,
  type Standing,
  applies,
  foldsInAcceptedTimeline,
  summarizeControl,
} from '../../domain/index.js';
import type { Perspective } from '../neighbourhood-control/neighbourhood-control.reader.js';

/**
 * The history of a neighbourhood's control summary, read from the neighbourhood-control read
 * model's tables. Its incidents are indexed in time (`incidents_in_time`: neighbourhood,
 * occurredAt, log position); a history is one ordered range scan of that index, folding the
 * positions' controllers and contests as it goes, with the same effects as every control view
 * (`applies` from the domain's control fold). Nothing is replayed from the event log.
 */

/** A point of the fold's order: (occurredAt, log position). The baseline sits at (controlAsOf, -1), before any report. */
export interface FoldKey {
  readonly occurredAtMs: number;
  readonly logPosition: number;
}

/** One change of the summary, or the state a page starts from. */
export interface HistoryPoint {
  /** Epoch ms of the instant it describes: the report's occurredAt, the baseline, or `from`. */
  readonly atMs: number;
  /** The report that made the change; null for the baseline and for a state the baseline still stands in. */
  readonly eventId: string | null;
  readonly summary: ControlSummary;
  /** Where it sits in fold order: a page ends here. */
  readonly key: FoldKey;
}

export interface HistoryQuestion {
  readonly neighbourhoodId: string;
  readonly knownAtMs: number;
  /** The first page starts with the state at this instant (inclusive). */
  readonly fromMs: number;
  /** No change after this instant (inclusive). */
  readonly toMs: number;
  /** A later page: the changes strictly after this key. */
  readonly after?: FoldKey;
  /** The changes a page holds at most, the state at `from` included. */
  readonly limit: number;
  readonly perspective?: Perspective;
}

export interface HistoryPage {
  readonly points: readonly HistoryPoint[];
  /** Another change follows the last point (within `to`). */
  readonly more: boolean;
  /**
   * Reports the perspective's fold could not apply, with where they sit: on the first page from
   * the baseline on, on a later one after its cursor, up to where the scan stopped.
   */
  readonly skipped: readonly (SkippedReport & { readonly key: FoldKey })[];
}

export interface HistoryNeighbourhood {
  readonly id: string;
  readonly controlAsOfMs: number;
}

interface PositionRow {
  readonly id: string;
  readonly weight: number;
  readonly baselineController: string | null;
}

interface IncidentRow {
  readonly eventId: string;
  readonly type: string;
  readonly actor: string | null;
  readonly controller: string | null;
  readonly positions: string | null;
  readonly attackers: string | null;
  readonly occurredAtMs: number;
  readonly logPosition: number;
  readonly recordedAtMs: number;
  /** JSON, read only when a perspective needs it. */
  readonly sources: string | null;
  readonly recordedStanding: Standing;
  readonly retracted: number;
  /** `<status> <standing>` of the latest assessment known at knownAt. */
  readonly assessed: string | null;
}

/** What a view folds of one incident. */
type ViewReport =
  | { readonly kind: 'claim'; readonly type: 'PositionCaptured' | 'ForcesRetreated'; readonly actor: string; readonly controller: string | null; readonly positionIds: readonly string[] }
  | { readonly kind: 'contest'; readonly positionIds: readonly string[] };

const incidentsSql = (withSources: boolean): string => `
  SELECT i.event_id AS eventId, i.type, i.actor, i.controller, i.positions, i.attackers, i.occurred_at_ms AS occurredAtMs,
         i.log_position AS logPosition, i.recorded_at_ms AS recordedAtMs, ${withSources ? 'i.sources' : 'NULL'} AS sources,
         i.standing AS recordedStanding,
         EXISTS (SELECT 1 FROM retractions AS r WHERE r.event_id = i.event_id AND r.recorded_at_ms <= @knownAtMs) AS retracted,
         (SELECT a.status || ' ' || a.standing FROM assessments AS a
          WHERE a.event_id = i.event_id AND a.recorded_at_ms <= @knownAtMs ORDER BY a.log_position DESC LIMIT 1) AS assessed
  FROM incidents AS i
  WHERE i.neighbourhood_id = @neighbourhoodId AND i.occurred_at_ms <= @toMs AND i.recorded_at_ms <= @knownAtMs
    AND i.type <> 'CasualtiesReported'
    AND (@assessedOnly = 0 OR EXISTS (SELECT 1 FROM assessments AS a WHERE a.event_id = i.event_id AND a.recorded_at_ms <= @knownAtMs))
  ORDER BY i.occurred_at_ms, i.log_position`;

interface IncidentParams {
  readonly neighbourhoodId: string;
  readonly toMs: number;
  readonly knownAtMs: number;
  readonly assessedOnly: 0 | 1;
}

function prepare(db: Database.Database) {
  return {
    neighbourhood: db.prepare<[{ id: string; knownAtMs: number }], HistoryNeighbourhood>(
      'SELECT id, control_as_of_ms AS controlAsOfMs FROM neighbourhoods WHERE id = @id AND recorded_at_ms <= @knownAtMs',
    ),
    // In the order /control lists them: the summary adds weights in this order.
    positions: db.prepare<[{ neighbourhoodId: string; knownAtMs: number }], PositionRow>(
      `SELECT id, weight, baseline_controller AS baselineController FROM positions
       WHERE neighbourhood_id = @neighbourhoodId AND recorded_at_ms <= @knownAtMs ORDER BY log_position, ordinal`,
    ),
    sides: db.prepare<[], { id: string; side: string }>('SELECT id, side FROM actors'),
    incidents: db.prepare<[IncidentParams], IncidentRow>(incidentsSql(false)),
    incidentsWithSources: db.prepare<[IncidentParams], IncidentRow>(incidentsSql(true)),
  };
}

type Statements = ReturnType<typeof prepare>;
const statementsByDb = new WeakMap<Database.Database, Statements>();

export class ControlHistoryReader {
  private readonly statements: Statements;

  constructor(db: Database.Database) {
    let statements = statementsByDb.get(db);
    if (statements === undefined) {
      statements = prepare(db);
      statementsByDb.set(db, statements);
    }
    this.statements = statements;
  }

  /** The neighbourhood as known at knownAt; one registered later is unknown then. */
  neighbourhood(id: string, knownAtMs: number): HistoryNeighbourhood | undefined {
    return this.statements.neighbourhood.get({ id, knownAtMs });
  }

  /**
   * A page of the history. The fold starts before the baseline (nobody holds anything), takes
   * the baseline at (controlAsOf, -1), then every report of the view in order. The first page
   * begins with the state at `from`; every page then lists each report (or the baseline) after
   * where it starts whose fold changes the shares, side shares, majority controller or number
   * of contested positions, up to `limit` points.
   */
  page(neighbourhood: HistoryNeighbourhood, question: HistoryQuestion): HistoryPage {
    const rows = this.statements.positions.all({ neighbourhoodId: neighbourhood.id, knownAtMs: question.knownAtMs });
    const fold = new SummaryFold(rows, new Map(this.statements.sides.all().map((actor) => [actor.id, actor.side])));
    // The first page states where it starts; a later one starts right after its cursor.
    const start: FoldKey = question.after ?? { occurredAtMs: question.fromMs, logPosition: Number.MAX_SAFE_INTEGER };
    const first = question.after === undefined;
    const points: HistoryPoint[] = [];
    const skipped: (SkippedReport & { key: FoldKey })[] = [];
    let state: { eventId: string | null; summary: ControlSummary } = { eventId: null, summary: fold.summary() };
    let started = false;
    let more = false;
    for (const step of this.steps(neighbourhood, question, fold, skipped)) {
      if (!started && compareKeys(step.key, start) > 0) {
        started = true;
        if (first) points.push({ atMs: question.fromMs, ...state, key: start });
      }
      if (!step.apply()) continue;
      const summary = fold.summary();
      if (sameSummary(summary, state.summary)) continue;
      state = { eventId: step.eventId, summary };
      if (!started) continue;
      if (points.length >= question.limit) {
        more = true;
        break;
      }
      points.push({ atMs: step.key.occurredAtMs, ...state, key: step.key });
    }
    // Every step came at or before `from`: the page is the state there alone.
    if (!started && first) points.push({ atMs: question.fromMs, ...state, key: start });
    return { points, more, skipped: first ? skipped : skipped.filter((report) => compareKeys(report.key, start) > 0) };
  }

  /**
   * The fold's steps in order up to `to`: the baseline at (controlAsOf, -1), then each report of
   * the view. A step's `apply` folds it and says whether the summary may have changed; a claim
   * that applies nowhere in a perspective is noted in `skipped`.
   */
  private *steps(
    neighbourhood: HistoryNeighbourhood,
    question: HistoryQuestion,
    fold: SummaryFold,
    skipped: (SkippedReport & { key: FoldKey })[],
  ): Generator<{ readonly key: FoldKey; readonly eventId: string | null; readonly apply: () => boolean }> {
    if (neighbourhood.controlAsOfMs > question.toMs) return;
    yield { key: { occurredAtMs: neighbourhood.controlAsOfMs, logPosition: -1 }, eventId: null, apply: () => fold.baseline() };
    const perspective = question.perspective;
    const sourceCriteria =
      perspective !== undefined &&
      (perspective.source !== undefined ||
        perspective.minReliability !== undefined ||
        perspective.minCredibility !== undefined ||
        perspective.reportedByMs !== undefined);
    const statement = sourceCriteria ? this.statements.incidentsWithSources : this.statements.incidents;
    const params: IncidentParams = {
      neighbourhoodId: neighbourhood.id,
      toMs: question.toMs,
      knownAtMs: question.knownAtMs,
      assessedOnly: perspective?.status === 'confirmed' ? 1 : 0,
    };
    for (const row of statement.iterate(params)) {
      const report = viewReport(row, perspective);
      if (report === undefined) continue;
      const key: FoldKey = { occurredAtMs: row.occurredAtMs, logPosition: row.logPosition };
      yield {
        key,
        eventId: row.eventId,
        apply: () => {
          if (report.kind === 'contest') return fold.contest(report.positionIds);
          const { applied, changed } = fold.claim(report);
          if (!applied && perspective !== undefined) {
            skipped.push({ eventId: row.eventId, code: report.type === 'PositionCaptured' ? 'ALREADY_CONTROLLED' : 'NOT_CONTROLLED', key });
          }
          return changed;
        },
      };
    }
  }
}

/** The positions' controllers and contests as the fold goes, and their summary. */
class SummaryFold {
  private readonly index = new Map<string, number>();
  private readonly positions: { weight: number; controller: string | null; contested: boolean }[];

  constructor(
    private readonly rows: readonly PositionRow[],
    private readonly sides: ReadonlyMap<string, string>,
  ) {
    // Before the baseline nothing is known: nobody holds anything.
    this.positions = rows.map((row, i) => {
      this.index.set(row.id, i);
      return { weight: row.weight, controller: null, contested: false };
    });
  }

  baseline(): boolean {
    this.rows.forEach((row, i) => (this.positions[i]!.controller = row.baselineController));
    return true;
  }

  /** Applies a claim where it applies (a contest ends where the controller changes). */
  claim(report: Extract<ViewReport, { kind: 'claim' }>): { applied: boolean; changed: boolean } {
    let applied = false;
    let changed = false;
    for (const id of report.positionIds) {
      const i = this.index.get(id);
      if (i === undefined) continue;
      const position = this.positions[i]!;
      if (!applies(position.controller, report)) continue;
      applied = true;
      if (position.controller !== report.controller || position.contested) changed = true;
      position.controller = report.controller;
      position.contested = false;
    }
    return { applied, changed };
  }

  contest(positionIds: readonly string[]): boolean {
    let changed = false;
    for (const id of positionIds) {
      const position = this.positions[this.index.get(id) ?? -1];
      if (position === undefined || position.contested) continue;
      position.contested = true;
      changed = true;
    }
    return changed;
  }

  summary(): ControlSummary {
    return summarizeControl(this.positions, (actorId) => this.sides.get(actorId));
  }
}

/**
 * What a view folds of an incident (DESIGN.md, "Perspectives" and "Precise rules for claims" 4
 * and 8): retracted and refuted reports never; in the default view, claims whose standing at
 * knownAt is accepted, and every attack and counterattack; in a perspective, the reports with
 * one source meeting all its source criteria (and confirmed, with status=confirmed), claims of
 * any standing with claims=all.
 */
function viewReport(row: IncidentRow, perspective: Perspective | undefined): ViewReport | undefined {
  const state = stateOf(row);
  if (state.retracted || state.status === 'refuted') return undefined;
  const positionIds = JSON.parse(row.positions ?? '[]') as string[];
  const claim = row.type === 'PositionCaptured' || row.type === 'ForcesRetreated';
  if (perspective === undefined) {
    if (!claim) return { kind: 'contest', positionIds };
    return foldsInAcceptedTimeline(state) ? { kind: 'claim', type: row.type as 'PositionCaptured' | 'ForcesRetreated', actor: row.actor!, controller: row.controller, positionIds } : undefined;
  }
  if (perspective.status === 'confirmed' && state.status !== 'confirmed') return undefined;
  if (row.sources !== null) {
    const cited = JSON.parse(row.sources) as Source[];
    if (!cited.some((source) => sourcePasses(source, row.recordedAtMs, perspective))) return undefined;
  }
  if (!claim) return { kind: 'contest', positionIds };
  if (state.standing !== 'accepted' && perspective.claims !== 'all') return undefined;
  return { kind: 'claim', type: row.type as 'PositionCaptured' | 'ForcesRetreated', actor: row.actor!, controller: row.controller, positionIds };
}

function stateOf(row: IncidentRow): { readonly status: ReportStatus; readonly standing: Standing; readonly retracted: boolean } {
  if (row.assessed === null) return { status: 'unverified', standing: row.recordedStanding, retracted: row.retracted === 1 };
  const [status, standing] = row.assessed.split(' ') as [ReportStatus, Standing];
  return { status, standing, retracted: row.retracted === 1 };
}

/** One source meets every source-level criterion of the perspective (rule 8: one and the same source). */
function sourcePasses(source: Source, recordedAtMs: number, perspective: Perspective): boolean {
  if (perspective.source !== undefined && (source.name !== perspective.source || (source.protected === true && !perspective.matchProtected))) {
    return false;
  }
  if (perspective.minReliability !== undefined && source.reliability > perspective.minReliability) return false;
  if (perspective.minCredibility !== undefined && source.credibility > perspective.minCredibility) return false;
  if (perspective.reportedByMs !== undefined) {
    const reportedAtMs = source.reportedAt === undefined ? recordedAtMs : Date.parse(source.reportedAt);
    if (reportedAtMs > perspective.reportedByMs) return false;
  }
  return true;
}

export function compareKeys(a: FoldKey, b: FoldKey): number {
  return a.occurredAtMs !== b.occurredAtMs ? a.occurredAtMs - b.occurredAtMs : a.logPosition - b.logPosition;
}

function sameSummary(a: ControlSummary, b: ControlSummary): boolean {
  return (
    a.majorityController === b.majorityController &&
    a.contestedPositions === b.contestedPositions &&
    sameFractions(a.shares, b.shares) &&
    sameFractions(a.sideShares, b.sideShares)
  );
}

function sameFractions(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => a[key] === b[key]);
}
