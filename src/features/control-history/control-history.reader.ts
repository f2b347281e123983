import type Database from 'better-sqlite3';
import { perConnection } from '../prepared-statements.js';
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
import { type Perspective, sourcePasses } from '../neighbourhood-control/neighbourhood-control.reader.js';

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

/**
 * An incident as the scan reads it: a plain array (better-sqlite3's raw rows), since making an
 * object of each of thousands of rows costs more than reading them.
 */
type IncidentRow = readonly [
  eventId: string,
  type: string,
  actor: string | null,
  controller: string | null,
  /** JSON: the positions it claims, or targets. */
  positions: string | null,
  occurredAtMs: number,
  logPosition: number,
  recordedAtMs: number,
  /** JSON, read only when a perspective needs it. */
  sources: string | null,
  recordedStanding: Standing,
];

/** What retractions and assessments known at knownAt make of the neighbourhood's reports. */
interface ReportStates {
  readonly retracted: ReadonlySet<string>;
  /** The latest assessment of each assessed report: its status and the standing it left. */
  readonly assessed: ReadonlyMap<string, { readonly status: ReportStatus; readonly standing: Standing }>;
}

/** What a view folds of one incident. */
type ViewReport =
  | { readonly kind: 'claim'; readonly type: 'PositionCaptured' | 'ForcesRetreated'; readonly actor: string; readonly controller: string | null; readonly positionIds: readonly string[] }
  | { readonly kind: 'contest'; readonly positionIds: readonly string[] };

const incidentsSql = (withSources: boolean): string => `
  SELECT i.event_id, i.type, i.actor, i.controller, i.positions, i.occurred_at_ms, i.log_position, i.recorded_at_ms,
         ${withSources ? 'i.sources' : 'NULL'}, i.standing
  FROM incidents AS i
  WHERE i.neighbourhood_id = @neighbourhoodId AND i.occurred_at_ms <= @toMs AND i.recorded_at_ms <= @knownAtMs
    AND i.type <> 'CasualtiesReported'
  ORDER BY i.occurred_at_ms, i.log_position`;

interface IncidentParams {
  readonly neighbourhoodId: string;
  readonly toMs: number;
  readonly knownAtMs: number;
}

interface KnownParams {
  readonly neighbourhoodId: string;
  readonly knownAtMs: number;
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
    incidents: db.prepare<[IncidentParams], IncidentRow>(incidentsSql(false)).raw(),
    incidentsWithSources: db.prepare<[IncidentParams], IncidentRow>(incidentsSql(true)).raw(),
    // The states of the whole neighbourhood in two reads, instead of two lookups per report.
    retracted: db
      .prepare<[KnownParams], string>('SELECT event_id FROM retractions WHERE neighbourhood_id = @neighbourhoodId AND recorded_at_ms <= @knownAtMs')
      .pluck(),
    assessments: db.prepare<[KnownParams], { eventId: string; status: ReportStatus; standing: Standing }>(
      `SELECT event_id AS eventId, status, standing FROM assessments
       WHERE neighbourhood_id = @neighbourhoodId AND recorded_at_ms <= @knownAtMs ORDER BY log_position`,
    ),
  };
}

type Statements = ReturnType<typeof prepare>;
const statementsOf = perConnection(prepare);

export class ControlHistoryReader {
  private readonly statements: Statements;

  constructor(db: Database.Database) {
    this.statements = statementsOf(db);
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
    // Up to where the page starts, the fold only notes what each step changed (a summary per
    // report would cost more than the scan); the state there, and the report that made it, are
    // worked out once, from the end of that journal.
    const journal: JournalStep[] = [];
    let state: { eventId: string | null; summary: ControlSummary } | undefined;
    let more = false;
    for (const step of this.steps(neighbourhood, question, fold, skipped)) {
      if (state === undefined && compareKeys(step.key, start) > 0) {
        state = fold.settle(journal);
        if (first) points.push({ atMs: question.fromMs, ...state, key: start });
      }
      if (state === undefined) {
        const changes = fold.journaled(step.apply);
        if (changes.length > 0) journal.push({ eventId: step.eventId, changes });
        continue;
      }
      if (!step.apply()) continue;
      const summary = fold.summary();
      if (sameSummary(summary, state.summary)) continue;
      state = { eventId: step.eventId, summary };
      if (points.length >= question.limit) {
        more = true;
        break;
      }
      points.push({ atMs: step.key.occurredAtMs, ...state, key: step.key });
    }
    // Every step came at or before `from`: the page is the state there alone.
    if (state === undefined && first) points.push({ atMs: question.fromMs, ...fold.settle(journal), key: start });
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
    const known: KnownParams = { neighbourhoodId: neighbourhood.id, knownAtMs: question.knownAtMs };
    const states: ReportStates = {
      retracted: new Set(this.statements.retracted.all(known)),
      // In log order: the last assessment of a report is the one that stands.
      assessed: new Map(this.statements.assessments.all(known).map((a) => [a.eventId, { status: a.status, standing: a.standing }])),
    };
    for (const row of statement.iterate({ ...known, toMs: question.toMs })) {
      const report = viewReport(row, states, perspective);
      if (report === undefined) continue;
      const [eventId, , , , , occurredAtMs, logPosition] = row;
      const key: FoldKey = { occurredAtMs, logPosition };
      yield {
        key,
        eventId,
        apply: () => {
          if (report.kind === 'contest') return fold.contest(report.positionIds);
          const { applied, changed } = fold.claim(report);
          if (!applied && perspective !== undefined) {
            skipped.push({ eventId, code: report.type === 'PositionCaptured' ? 'ALREADY_CONTROLLED' : 'NOT_CONTROLLED', key });
          }
          return changed;
        },
      };
    }
  }
}

/** What a step changed of one position: its index and what it held before. */
type Change = readonly [index: number, controller: string | null, contested: boolean];

interface JournalStep {
  readonly eventId: string | null;
  readonly changes: readonly Change[];
}

/** The positions' controllers and contests as the fold goes, and their summary. */
class SummaryFold {
  private readonly index = new Map<string, number>();
  private readonly positions: { weight: number; controller: string | null; contested: boolean }[];
  private journal: Change[] | undefined;

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
    this.rows.forEach((row, i) => this.set(i, row.baselineController, false));
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
      this.set(i, report.controller, false);
    }
    return { applied, changed };
  }

  contest(positionIds: readonly string[]): boolean {
    let changed = false;
    for (const id of positionIds) {
      const i = this.index.get(id);
      if (i === undefined || this.positions[i]!.contested) continue;
      this.set(i, this.positions[i]!.controller, true);
      changed = true;
    }
    return changed;
  }

  summary(): ControlSummary {
    return summarizeControl(this.positions, (actorId) => this.sides.get(actorId));
  }

  /** Runs a step, returning what it changed. */
  journaled(apply: () => boolean): Change[] {
    const changes: Change[] = [];
    this.journal = changes;
    try {
      apply();
    } finally {
      this.journal = undefined;
    }
    return changes;
  }

  /**
   * The summary now, and the latest journalled step that changed it (null: the baseline, or
   * nothing yet): undoing the steps from the last, on a copy, until the summary differs.
   */
  settle(journal: readonly JournalStep[]): { eventId: string | null; summary: ControlSummary } {
    const summary = this.summary();
    const copy = this.positions.map((p) => ({ ...p }));
    let after = summary;
    for (let k = journal.length - 1; k >= 0; k -= 1) {
      const step = journal[k]!;
      for (let c = step.changes.length - 1; c >= 0; c -= 1) {
        const [i, controller, contested] = step.changes[c]!;
        copy[i] = { weight: copy[i]!.weight, controller, contested };
      }
      const before = summarizeControl(copy, (actorId) => this.sides.get(actorId));
      if (!sameSummary(before, after)) return { eventId: step.eventId, summary };
      after = before;
    }
    return { eventId: null, summary };
  }

  private set(i: number, controller: string | null, contested: boolean): void {
    const position = this.positions[i]!;
    if (position.controller === controller && position.contested === contested) return;
    this.journal?.push([i, position.controller, position.contested]);
    position.controller = controller;
    position.contested = contested;
  }
}

/**
 * What a view folds of an incident (DESIGN.md, "Perspectives" and "Precise rules for claims" 4
 * and 8): retracted and refuted reports never; in the default view, claims whose standing at
 * knownAt is accepted, and every attack and counterattack; in a perspective, the reports with
 * one source meeting all its source criteria (and confirmed, with status=confirmed), claims of
 * any standing with claims=all.
 */
function viewReport(row: IncidentRow, states: ReportStates, perspective: Perspective | undefined): ViewReport | undefined {
  const [eventId, type, actor, controller, positions, , , recordedAtMs, sources, recordedStanding] = row;
  const assessed = states.assessed.get(eventId);
  const status = assessed?.status ?? 'unverified';
  const standing = assessed?.standing ?? recordedStanding;
  if (states.retracted.has(eventId) || status === 'refuted') return undefined;
  const positionIds = JSON.parse(positions ?? '[]') as string[];
  const claim = type === 'PositionCaptured' || type === 'ForcesRetreated';
  if (perspective === undefined) {
    if (!claim) return { kind: 'contest', positionIds };
    return foldsInAcceptedTimeline({ standing, status, retracted: false })
      ? { kind: 'claim', type: type as 'PositionCaptured' | 'ForcesRetreated', actor: actor!, controller, positionIds }
      : undefined;
  }
  if (perspective.status === 'confirmed' && status !== 'confirmed') return undefined;
  if (sources !== null) {
    const cited = JSON.parse(sources) as Source[];
    if (!cited.some((source) => sourcePasses(source, recordedAtMs, perspective))) return undefined;
  }
  if (!claim) return { kind: 'contest', positionIds };
  if (standing !== 'accepted' && perspective.claims !== 'all') return undefined;
  return { kind: 'claim', type: type as 'PositionCaptured' | 'ForcesRetreated', actor: actor!, controller, positionIds };
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
