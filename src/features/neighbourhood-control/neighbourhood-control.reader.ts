import type Database from 'better-sqlite3';
import { ApplicationError } from '../../application/application-error.js';
import {
  type ControlSummary,
  type FoldReport,
  type FoldedPosition,
  type PositionStanding,
  type Reliability,
  type ReportStatus,
  type SkippedReport,
  type Source,
  type Standing,
  PositionFold,
  foldReports,
  summarizeControl,
} from '../../domain/index.js';

export interface NeighbourhoodRecord {
  readonly id: string;
  readonly name: string;
  readonly nameAr: string | null;
  readonly city: string;
  readonly country: string;
  readonly controlAsOf: string;
  readonly controlAsOfMs: number;
}

export interface ActorRecord {
  readonly id: string;
  readonly name: string;
  readonly nameAr: string | null;
  readonly side: string;
  readonly kind: string | null;
}

/** The reports behind a position's controller (see DESIGN.md, "Evidence"). */
export interface Evidence {
  readonly reports: number;
  /** Distinct source names among them. */
  readonly sources: number;
  readonly bestReliability: Reliability | null;
  readonly bestCredibility: number | null;
}

/** One position as it stood at (asOf, knownAt), in a view. */
export interface PositionControl {
  readonly id: string;
  readonly name: string;
  readonly nameAr: string | null;
  readonly kind: string | null;
  readonly weight: number;
  /** [longitude, latitude], when known. */
  readonly coordinates: readonly [number, number] | null;
  readonly controller: string | null;
  /** The neighbourhood's controlAsOf, or the occurredAt of the report that made `controller` hold it; null before the baseline. */
  readonly since: string | null;
  /** The report that made `controller` hold it; null at the baseline. */
  readonly eventId: string | null;
  readonly contested: boolean;
  readonly contestedBy: readonly string[];
  readonly evidence: Evidence;
}

export interface NeighbourhoodControl {
  readonly neighbourhood: NeighbourhoodRecord;
  readonly positions: readonly PositionControl[];
  readonly summary: ControlSummary;
  /** Reports a perspective's fold could not apply; empty for the default view. */
  readonly skipped: readonly SkippedReport[];
}

/** Instants in epoch milliseconds, both inclusive. */
export interface Bitemporal {
  readonly asOfMs: number;
  readonly knownAtMs: number;
}

/**
 * Which reports a view counts (DESIGN.md, "Perspectives"). Source-level criteria must all hold
 * for one and the same source of a report.
 */
export interface Perspective {
  readonly reportedByMs?: number;
  readonly status?: 'confirmed';
  readonly minReliability?: Reliability;
  readonly minCredibility?: number;
  readonly source?: string;
  readonly claims: 'accepted' | 'all';
  /** Admins only: a protected source matches `source`. */
  readonly matchProtected: boolean;
}

interface PositionRow {
  readonly id: string;
  readonly name: string;
  readonly nameAr: string | null;
  readonly kind: string | null;
  readonly weight: number;
  readonly lon: number | null;
  readonly lat: number | null;
  readonly baselineController: string | null;
}

/** A report's state as known at knownAt: its standing and status then, and whether it was retracted by then. */
interface ReportState {
  readonly recordedStanding: Standing;
  /** `<status> <standing>` of its latest assessment known then, if any. */
  readonly assessed: string | null;
  readonly retracted: number;
}

interface ClaimRow extends ReportState {
  readonly eventId: string;
  readonly type: 'PositionCaptured' | 'ForcesRetreated';
  readonly actor: string;
  readonly controller: string | null;
  readonly occurredAt: string;
  readonly occurredAtMs: number;
  readonly logPosition: number;
}

interface ContestRow extends ReportState {
  readonly eventId: string;
  readonly occurredAtMs: number;
  readonly logPosition: number;
  readonly type: string;
  readonly actor: string | null;
  readonly attackers: string | null;
}

interface IncidentRow extends ReportState {
  readonly eventId: string;
  readonly type: string;
  readonly actor: string | null;
  readonly controller: string | null;
  readonly positions: string | null;
  readonly attackers: string | null;
  readonly occurredAt: string;
  readonly logPosition: number;
  readonly recordedAtMs: number;
  readonly sources: string;
}

interface SeekParams {
  readonly neighbourhoodId: string;
  readonly positionId: string;
  readonly asOfMs: number;
  readonly knownAtMs: number;
}

const NEIGHBOURHOOD_COLUMNS =
  'id, name, name_ar AS nameAr, city, country, control_as_of AS controlAsOf, control_as_of_ms AS controlAsOfMs';
const ACTOR_COLUMNS = 'id, name, name_ar AS nameAr, side, kind';

/** A report's state at @knownAtMs (`ReportState`), for a row `t` that has its event_id. */
const reportState = (t: string, standing: string): string => `
  ${standing} AS recordedStanding,
  EXISTS (SELECT 1 FROM retractions AS r WHERE r.event_id = ${t}.event_id AND r.recorded_at_ms <= @knownAtMs) AS retracted,
  (SELECT a.status || ' ' || a.standing FROM assessments AS a
   WHERE a.event_id = ${t}.event_id AND a.recorded_at_ms <= @knownAtMs ORDER BY a.log_position DESC LIMIT 1) AS assessed`;

/**
 * A position's claims known at knownAt, from asOf backwards, through the time-ordered index:
 * rows after asOf are never read, and a query reads back only to the last change of hands.
 */
export const CLAIMS_BACKWARDS_SQL = `
  SELECT c.event_id AS eventId, c.type, c.actor, c.controller, c.occurred_at AS occurredAt, c.occurred_at_ms AS occurredAtMs,
         c.log_position AS logPosition, ${reportState('c', 'c.standing')}
  FROM claims AS c
  WHERE c.neighbourhood_id = @neighbourhoodId AND c.position_id = @positionId
    AND c.occurred_at_ms <= @asOfMs AND c.recorded_at_ms <= @knownAtMs
  ORDER BY c.occurred_at_ms DESC, c.log_position DESC`;

/** A position's contests known at knownAt after (@afterMs, @afterPosition), up to asOf, in order. */
export const CONTESTS_SINCE_SQL = `
  SELECT t.event_id AS eventId, t.occurred_at_ms AS occurredAtMs, t.log_position AS logPosition,
         i.type, i.actor, i.attackers, ${reportState('t', "'accepted'")}
  FROM contests AS t JOIN incidents AS i ON i.log_position = t.log_position
  WHERE t.neighbourhood_id = @neighbourhoodId AND t.position_id = @positionId
    AND (t.occurred_at_ms, t.log_position) > (@afterMs, @afterPosition)
    AND t.occurred_at_ms <= @asOfMs AND t.recorded_at_ms <= @knownAtMs
  ORDER BY t.occurred_at_ms, t.log_position`;

function prepare(db: Database.Database) {
  return {
    neighbourhood: db.prepare<[{ id: string; knownAtMs: number }], NeighbourhoodRecord>(
      `SELECT ${NEIGHBOURHOOD_COLUMNS} FROM neighbourhoods WHERE id = @id AND recorded_at_ms <= @knownAtMs`,
    ),
    neighbourhoods: db.prepare<[{ knownAtMs: number }], NeighbourhoodRecord>(
      `SELECT ${NEIGHBOURHOOD_COLUMNS} FROM neighbourhoods WHERE recorded_at_ms <= @knownAtMs ORDER BY id`,
    ),
    positions: db.prepare<[{ neighbourhoodId: string; knownAtMs: number }], PositionRow>(
      `SELECT id, name, name_ar AS nameAr, kind, weight, lon, lat, baseline_controller AS baselineController
       FROM positions WHERE neighbourhood_id = @neighbourhoodId AND recorded_at_ms <= @knownAtMs
       ORDER BY log_position, ordinal`,
    ),
    claimsBackwards: db.prepare<[SeekParams], ClaimRow>(CLAIMS_BACKWARDS_SQL),
    contestsSince: db.prepare<[SeekParams & { afterMs: number; afterPosition: number }], ContestRow>(CONTESTS_SINCE_SQL),
    sourcesOf: db.prepare<[number], string>('SELECT sources FROM incidents WHERE log_position = ?').pluck(),
    // With @assessedOnly, only reports assessed by knownAt: a perspective of confirmed reports
    // reads no other row's state or sources.
    incidents: db.prepare<[{ neighbourhoodId: string; asOfMs: number; knownAtMs: number; assessedOnly: 0 | 1 }], IncidentRow>(
      `SELECT i.event_id AS eventId, i.type, i.actor, i.controller, i.positions, i.attackers, i.occurred_at AS occurredAt,
              i.log_position AS logPosition, i.recorded_at_ms AS recordedAtMs, i.sources, ${reportState('i', 'i.standing')}
       FROM incidents AS i
       WHERE i.neighbourhood_id = @neighbourhoodId AND i.occurred_at_ms <= @asOfMs AND i.recorded_at_ms <= @knownAtMs
         AND i.type <> 'CasualtiesReported'
         AND (@assessedOnly = 0 OR EXISTS (SELECT 1 FROM assessments AS a WHERE a.event_id = i.event_id AND a.recorded_at_ms <= @knownAtMs))
       ORDER BY i.occurred_at_ms, i.log_position`,
    ),
    lastIncident: db.prepare<[{ neighbourhoodId: string; knownAtMs: number }], string>(
      `SELECT i.occurred_at FROM incidents AS i
       WHERE i.neighbourhood_id = @neighbourhoodId AND i.recorded_at_ms <= @knownAtMs
         AND NOT EXISTS (SELECT 1 FROM retractions AS r WHERE r.event_id = i.event_id AND r.recorded_at_ms <= @knownAtMs)
       ORDER BY i.occurred_at_ms DESC, i.log_position DESC LIMIT 1`,
    ).pluck(),
    actor: db.prepare<[{ id: string; knownAtMs: number }], ActorRecord>(
      `SELECT ${ACTOR_COLUMNS} FROM actors WHERE id = @id AND recorded_at_ms <= @knownAtMs`,
    ),
    actors: db.prepare<[], ActorRecord>(`SELECT ${ACTOR_COLUMNS} FROM actors ORDER BY id`),
    // Actors are only ever inserted, so the highest rowid tells whether the registry changed.
    actorsStamp: db.prepare<[], number | null>('SELECT max(rowid) FROM actors').pluck(),
  };
}

type Statements = ReturnType<typeof prepare>;
const statementsByDb = new WeakMap<Database.Database, Statements>();
/** The actor registry as last read from each file, and the stamp it was read at. */
const actorsByDb = new WeakMap<Database.Database, { stamp: number | null; actors: ReadonlyMap<string, ActorRecord> }>();

/** The two instants of a bitemporal question, as sent (echoed in answers) and in epoch ms. */
export interface QuestionInstants {
  readonly asOf: string;
  readonly knownAt: string;
  readonly asOfMs: number;
  readonly knownAtMs: number;
}

/** Both instants default to now: "who holds what now, as far as we know now". */
export function questionInstants(asOf: string | undefined, knownAt: string | undefined, now: Date): QuestionInstants {
  const nowIso = now.toISOString();
  const resolvedAsOf = asOf ?? nowIso;
  const resolvedKnownAt = knownAt ?? nowIso;
  return { asOf: resolvedAsOf, knownAt: resolvedKnownAt, asOfMs: Date.parse(resolvedAsOf), knownAtMs: Date.parse(resolvedKnownAt) };
}

/** Status and standing of a report at knownAt. */
function stateOf(row: ReportState): { readonly status: ReportStatus; readonly standing: Standing; readonly retracted: boolean } {
  if (row.assessed === null) return { status: 'unverified', standing: row.recordedStanding, retracted: row.retracted === 1 };
  const [status, standing] = row.assessed.split(' ') as [ReportStatus, Standing];
  return { status, standing, retracted: row.retracted === 1 };
}

/** Queries of the neighbourhood-control read model. Synchronous: a read never spans two batches. */
export class NeighbourhoodControlReader {
  private readonly statements: Statements;

  constructor(private readonly db: Database.Database) {
    let statements = statementsByDb.get(db);
    if (statements === undefined) {
      statements = prepare(db);
      statementsByDb.set(db, statements);
    }
    this.statements = statements;
  }

  /** The neighbourhood as known at knownAt: one registered later is unknown then. */
  neighbourhood(id: string, knownAtMs: number): NeighbourhoodRecord | undefined {
    return this.statements.neighbourhood.get({ id, knownAtMs });
  }

  /** The neighbourhood as known at `knownAt`; one registered later is not found either. */
  requireNeighbourhood(id: string, instants: QuestionInstants): NeighbourhoodRecord {
    const neighbourhood = this.neighbourhood(id, instants.knownAtMs);
    if (neighbourhood === undefined) {
      throw new ApplicationError('NEIGHBOURHOOD_NOT_FOUND', `no neighbourhood ${id} known at ${instants.knownAt}`);
    }
    return neighbourhood;
  }

  neighbourhoods(knownAtMs: number): NeighbourhoodRecord[] {
    return this.statements.neighbourhoods.all({ knownAtMs });
  }

  actor(id: string, knownAtMs: number): ActorRecord | undefined {
    return this.statements.actor.get({ id, knownAtMs });
  }

  /**
   * Every registered actor by id. Every control query needs the actors' sides, so the registry
   * is read again only once an actor was added.
   */
  actors(): ReadonlyMap<string, ActorRecord> {
    const stamp = this.statements.actorsStamp.get() ?? null;
    const cached = actorsByDb.get(this.db);
    if (cached !== undefined && cached.stamp === stamp) return cached.actors;
    const actors = new Map(this.statements.actors.all().map((actor) => [actor.id, actor]));
    actorsByDb.set(this.db, { stamp, actors });
    return actors;
  }

  /** occurredAt of the latest incident that counts at knownAt, or null. */
  lastEventAt(neighbourhoodId: string, knownAtMs: number): string | null {
    return this.statements.lastIncident.get({ neighbourhoodId, knownAtMs }) ?? null;
  }

  /**
   * Every position known at knownAt, as it stood at asOf: in the default view (the accepted
   * timeline) from the time-ordered indexes, in a perspective by folding the neighbourhood's
   * reports that pass it.
   */
  control(
    neighbourhood: NeighbourhoodRecord,
    time: Bitemporal,
    actors: ReadonlyMap<string, ActorRecord>,
    perspective?: Perspective,
  ): NeighbourhoodControl {
    const rows = this.statements.positions.all({ neighbourhoodId: neighbourhood.id, knownAtMs: time.knownAtMs });
    // Before the baseline nothing is known: a baseline states who held what from controlAsOf on.
    const beforeBaseline = time.asOfMs < neighbourhood.controlAsOfMs;
    let folded: ReadonlyMap<string, FoldedPosition>;
    let skipped: readonly SkippedReport[] = [];
    let sourcesOf: (eventId: string) => readonly Source[];
    if (beforeBaseline) {
      folded = new Map(rows.map((row) => [row.id, unknownPosition]));
      sourcesOf = () => [];
    } else if (perspective === undefined) {
      const sources = new Map<string, number>();
      folded = new Map(rows.map((row) => [row.id, this.defaultFold(neighbourhood, row, time, sources)]));
      sourcesOf = (eventId) => parseSources(this.statements.sourcesOf.get(sources.get(eventId)!) ?? '[]');
    } else {
      const result = this.perspectiveFold(neighbourhood, rows, time, perspective);
      folded = result.positions;
      skipped = result.skipped;
      sourcesOf = (eventId) => result.sources.get(eventId) ?? [];
    }
    const positions = rows.map((row) => positionControl(row, folded.get(row.id)!, sourcesOf));
    const summary = summarizeControl(positions, (actorId) => actors.get(actorId)?.side);
    return { neighbourhood, positions, summary, skipped };
  }

  /**
   * The accepted timeline on one position. Every report of it leaves the position as it says
   * (the decider keeps it so), so the controller at asOf is what the last one says, and whoever
   * held it before that run of agreeing reports is what the report before the run says: the fold
   * starts there, after which only the claims and contests read on the way back matter.
   */
  private defaultFold(neighbourhood: NeighbourhoodRecord, row: PositionRow, time: Bitemporal, sources: Map<string, number>): FoldedPosition {
    const params: SeekParams = { neighbourhoodId: neighbourhood.id, positionId: row.id, asOfMs: time.asOfMs, knownAtMs: time.knownAtMs };
    const later: ClaimRow[] = [];
    let holder: { controller: string | null } | undefined;
    let start: ClaimRow | undefined;
    for (const claim of this.statements.claimsBackwards.iterate(params)) {
      if (acceptedTimeline(stateOf(claim))) {
        if (holder === undefined) holder = { controller: claim.controller };
        else if (claim.controller !== holder.controller) {
          start = claim;
          break;
        }
      }
      later.push(claim);
    }
    const fold = new PositionFold(
      start === undefined
        ? { controller: row.baselineController, since: neighbourhood.controlAsOf, eventId: null }
        : { controller: start.controller, since: start.occurredAt, eventId: start.eventId },
    );
    const contests = this.statements.contestsSince.all({
      ...params,
      afterMs: start?.occurredAtMs ?? Number.MIN_SAFE_INTEGER,
      afterPosition: start?.logPosition ?? 0,
    });
    let next = 0;
    for (let index = later.length - 1; index >= 0; index -= 1) {
      const claim = later[index]!;
      for (; next < contests.length && before(contests[next]!, claim); next += 1) contestInto(fold, contests[next]!);
      const state = stateOf(claim);
      if (acceptedTimeline(state)) fold.fold(claim);
      else if (evidenceInDefaultView(state)) fold.witness(claim);
      sources.set(claim.eventId, claim.logPosition);
    }
    for (; next < contests.length; next += 1) contestInto(fold, contests[next]!);
    return fold.result();
  }

  /** Folds every report of the neighbourhood that the perspective lets through, from the baseline. */
  private perspectiveFold(
    neighbourhood: NeighbourhoodRecord,
    rows: readonly PositionRow[],
    time: Bitemporal,
    perspective: Perspective,
  ): { positions: Map<string, FoldedPosition>; skipped: SkippedReport[]; sources: Map<string, readonly Source[]> } {
    const starts = new Map<string, PositionStanding>(
      rows.map((row) => [row.id, { controller: row.baselineController, since: neighbourhood.controlAsOf, eventId: null }]),
    );
    const sources = new Map<string, readonly Source[]>();
    const reports: FoldReport[] = [];
    const assessedOnly = perspective.status === 'confirmed' ? 1 : 0;
    for (const incident of this.statements.incidents.iterate({ neighbourhoodId: neighbourhood.id, asOfMs: time.asOfMs, knownAtMs: time.knownAtMs, assessedOnly })) {
      const state = stateOf(incident);
      if (state.retracted || state.status === 'refuted') continue;
      if (perspective.status === 'confirmed' && state.status !== 'confirmed') continue;
      const cited = parseSources(incident.sources);
      if (!cited.some((source) => sourcePasses(source, incident.recordedAtMs, perspective))) continue;
      const positionIds = JSON.parse(incident.positions ?? '[]') as string[];
      if (incident.type === 'PositionCaptured' || incident.type === 'ForcesRetreated') {
        const folds = state.standing === 'accepted' || perspective.claims === 'all';
        const evidence = state.standing !== 'conflicting' || perspective.claims === 'all';
        sources.set(incident.eventId, cited);
        reports.push({
          kind: 'claim',
          eventId: incident.eventId,
          type: incident.type,
          actor: incident.actor!,
          controller: incident.controller,
          occurredAt: incident.occurredAt,
          positionIds,
          folds,
          evidence,
        });
      } else {
        reports.push({ kind: 'contest', eventId: incident.eventId, attackers: attackersOf(incident), positionIds, folds: true });
      }
    }
    const { positions, skipped } = foldReports(starts, reports);
    return { positions, skipped, sources };
  }
}

const unknownPosition: FoldedPosition = { controller: null, since: null, eventId: null, contested: false, contestedBy: [], evidence: [] };

function acceptedTimeline(state: ReturnType<typeof stateOf>): boolean {
  return state.standing === 'accepted' && state.status !== 'refuted' && !state.retracted;
}

/** Corroborating reports count as evidence in every view; conflicting ones only with claims=all. */
function evidenceInDefaultView(state: ReturnType<typeof stateOf>): boolean {
  return state.standing === 'corroborating' && state.status !== 'refuted' && !state.retracted;
}

function contestInto(fold: PositionFold, contest: ContestRow): void {
  const state = stateOf(contest);
  if (!state.retracted && state.status !== 'refuted') fold.contest(attackersOf(contest));
}

function attackersOf(row: { readonly type: string; readonly actor: string | null; readonly attackers: string | null }): string[] {
  return row.type === 'CounterattackLaunched' ? [row.actor!] : (JSON.parse(row.attackers ?? '[]') as string[]);
}

function before(a: { occurredAtMs: number; logPosition: number }, b: { occurredAtMs: number; logPosition: number }): boolean {
  return a.occurredAtMs !== b.occurredAtMs ? a.occurredAtMs < b.occurredAtMs : a.logPosition < b.logPosition;
}

function parseSources(text: string): Source[] {
  return JSON.parse(text) as Source[];
}

/** Whether one source meets every source-level criterion of the perspective. */
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

function evidenceOf(reports: readonly string[], sourcesOf: (eventId: string) => readonly Source[]): Evidence {
  const names = new Set<string>();
  let bestReliability: Reliability | null = null;
  let bestCredibility: number | null = null;
  for (const eventId of reports) {
    for (const source of sourcesOf(eventId)) {
      names.add(source.name);
      if (bestReliability === null || source.reliability < bestReliability) bestReliability = source.reliability;
      if (bestCredibility === null || source.credibility < bestCredibility) bestCredibility = source.credibility;
    }
  }
  return { reports: reports.length, sources: names.size, bestReliability, bestCredibility };
}

/** One object literal, so one shape for V8: answers built by spreading a base object outlive the young generation. */
function positionControl(row: PositionRow, folded: FoldedPosition, sourcesOf: (eventId: string) => readonly Source[]): PositionControl {
  return {
    id: row.id,
    name: row.name,
    nameAr: row.nameAr,
    kind: row.kind,
    weight: row.weight,
    coordinates: row.lon !== null && row.lat !== null ? [row.lon, row.lat] : null,
    controller: folded.controller,
    since: folded.since,
    eventId: folded.eventId,
    contested: folded.contested,
    contestedBy: folded.contestedBy,
    evidence: evidenceOf(folded.evidence, sourcesOf),
  };
}
