import type Database from 'better-sqlite3';
import { perConnection } from '../prepared-statements.js';
import { ApplicationError } from '../../application/application-error.js';
import {
  type Area,
  type ControlSummary,
  type FoldReport,
  type FoldedPosition,
  type PositionStanding,
  type Reliability,
  type ReportStatus,
  type SkippedReport,
  type Source,
  type Standing,
  type TimePrecision,
  PositionFold,
  applies,
  foldReports,
  precisionWindowEnd,
  precisionWindowStart,
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
  /** The boundary as recorded (GeoJSON text), if the registration gave one. */
  readonly outline: string | null;
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

/** What a position's registration says of it. */
export interface PositionFields {
  readonly id: string;
  readonly name: string;
  readonly nameAr: string | null;
  readonly kind: string | null;
  readonly weight: number;
  /** [longitude, latitude], when known. */
  readonly coordinates: readonly [number, number] | null;
  /** Its extent on the map (a GeoJSON Polygon or MultiPolygon), when known. */
  readonly area: Area | null;
}

/** One position as it stood at (asOf, knownAt), in a view. */
export interface PositionControl extends PositionFields {
  /** Where it stands in the neighbourhood's order of positions: (log position, index) of its registration. */
  readonly order: readonly [number, number];
  readonly controller: string | null;
  /** The neighbourhood's controlAsOf, or the occurredAt of the report that made `controller` hold it; null before the baseline. */
  readonly since: string | null;
  /** The report that made `controller` hold it; null at the baseline. */
  readonly eventId: string | null;
  readonly contested: boolean;
  readonly contestedBy: readonly string[];
  readonly evidence: Evidence;
  /**
   * asOf lies inside the time-precision window of the report that set the controller, or of the
   * next report of the view that changes it: a report of day precision may have come true at any
   * time that day.
   */
  readonly uncertain: boolean;
}

export interface NeighbourhoodControl {
  readonly neighbourhood: NeighbourhoodRecord;
  readonly positions: readonly PositionControl[];
  readonly summary: ControlSummary;
  /** Reports a perspective's fold could not apply; empty for the default view. */
  readonly skipped: readonly SkippedReport[];
}

/** A capture or retreat with its state at knownAt (for the history of control). */
export interface ClaimReport {
  readonly eventId: string;
  readonly type: 'PositionCaptured' | 'ForcesRetreated';
  readonly actor: string;
  /** Who holds its positions after it, as it claims. */
  readonly controller: string | null;
  readonly positionIds: readonly string[];
  readonly occurredAt: string;
  readonly occurredAtMs: number;
  readonly logPosition: number;
  readonly status: ReportStatus;
  readonly standing: Standing;
  readonly retracted: boolean;
}

/** A position as registered. */
export interface PositionRecord extends PositionFields {
  readonly baselineController: string | null;
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
  readonly area: string | null;
  readonly baselineController: string | null;
  readonly logPosition: number;
  readonly ordinal: number;
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
  readonly timePrecision: TimePrecision;
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
  readonly occurredAtMs: number;
  readonly timePrecision: TimePrecision;
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
  'id, name, name_ar AS nameAr, city, country, control_as_of AS controlAsOf, control_as_of_ms AS controlAsOfMs, outline';
const ACTOR_COLUMNS = 'id, name, name_ar AS nameAr, side, kind';

const CLAIM_COLUMNS = `c.event_id AS eventId, c.type, c.actor, c.controller, c.occurred_at AS occurredAt,
  c.occurred_at_ms AS occurredAtMs, c.time_precision AS timePrecision, c.log_position AS logPosition`;

/**
 * No precision window is longer than a month of 31 days: a report that occurred this long after
 * asOf (or more) has a window that starts after asOf.
 */
const LONGEST_PRECISION_WINDOW_MS = 31 * 86_400_000;

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
  SELECT ${CLAIM_COLUMNS}, ${reportState('c', 'c.standing')}
  FROM claims AS c
  WHERE c.neighbourhood_id = @neighbourhoodId AND c.position_id = @positionId
    AND c.occurred_at_ms <= @asOfMs AND c.recorded_at_ms <= @knownAtMs
  ORDER BY c.occurred_at_ms DESC, c.log_position DESC`;

/**
 * A position's claims known at knownAt after asOf, in order, as far as a precision window that
 * holds asOf can start: the next change of hands after asOf is looked for there.
 */
export const CLAIMS_AFTER_SQL = `
  SELECT ${CLAIM_COLUMNS}, ${reportState('c', 'c.standing')}
  FROM claims AS c
  WHERE c.neighbourhood_id = @neighbourhoodId AND c.position_id = @positionId
    AND c.occurred_at_ms > @asOfMs AND c.occurred_at_ms < @untilMs AND c.recorded_at_ms <= @knownAtMs
  ORDER BY c.occurred_at_ms, c.log_position`;

/** A position's contests known at knownAt after (@afterMs, @afterPosition), up to asOf, in order. */
export const CONTESTS_SINCE_SQL = `
  SELECT t.event_id AS eventId, t.occurred_at_ms AS occurredAtMs, t.log_position AS logPosition,
         i.type, i.actor, i.attackers, ${reportState('t', "'accepted'")}
  FROM contests AS t JOIN incidents AS i ON i.log_position = t.log_position
  WHERE t.neighbourhood_id = @neighbourhoodId AND t.position_id = @positionId
    AND (t.occurred_at_ms, t.log_position) > (@afterMs, @afterPosition)
    AND t.occurred_at_ms <= @asOfMs AND t.recorded_at_ms <= @knownAtMs
  ORDER BY t.occurred_at_ms, t.log_position`;

const INCIDENT_COLUMNS = `i.event_id AS eventId, i.type, i.actor, i.controller, i.positions, i.attackers, i.occurred_at AS occurredAt,
  i.occurred_at_ms AS occurredAtMs, i.time_precision AS timePrecision, i.log_position AS logPosition,
  i.recorded_at_ms AS recordedAtMs, i.sources`;

/** Not retracted at @knownAtMs, for an incident `i`. */
const NOT_RETRACTED = 'NOT EXISTS (SELECT 1 FROM retractions AS r WHERE r.event_id = i.event_id AND r.recorded_at_ms <= @knownAtMs)';

function prepare(db: Database.Database) {
  return {
    neighbourhood: db.prepare<[{ id: string; knownAtMs: number }], NeighbourhoodRecord>(
      `SELECT ${NEIGHBOURHOOD_COLUMNS} FROM neighbourhoods WHERE id = @id AND recorded_at_ms <= @knownAtMs`,
    ),
    neighbourhoodsAfter: db.prepare<[{ knownAtMs: number; city: string | null; afterId: string; limit: number }], NeighbourhoodRecord>(
      `SELECT ${NEIGHBOURHOOD_COLUMNS} FROM neighbourhoods
       WHERE id > @afterId AND recorded_at_ms <= @knownAtMs AND (@city IS NULL OR city = @city)
       ORDER BY id LIMIT @limit`,
    ),
    positions: db.prepare<[{ neighbourhoodId: string; knownAtMs: number }], PositionRow>(
      `SELECT id, name, name_ar AS nameAr, kind, weight, lon, lat, area, baseline_controller AS baselineController,
              log_position AS logPosition, ordinal
       FROM positions WHERE neighbourhood_id = @neighbourhoodId AND recorded_at_ms <= @knownAtMs
       ORDER BY log_position, ordinal`,
    ),
    // The positions a capture, a retreat or an attack names, at any time: the others keep their
    // baseline, known without a seek of their own (two index probes each here, in one statement).
    positionsReported: db
      .prepare<[{ neighbourhoodId: string }], string>(
        `SELECT p.id FROM positions AS p
         WHERE p.neighbourhood_id = @neighbourhoodId
           AND (EXISTS (SELECT 1 FROM claims AS c WHERE c.neighbourhood_id = p.neighbourhood_id AND c.position_id = p.id)
             OR EXISTS (SELECT 1 FROM contests AS k WHERE k.neighbourhood_id = p.neighbourhood_id AND k.position_id = p.id))`,
      )
      .pluck(),
    claimsBackwards: db.prepare<[SeekParams], ClaimRow>(CLAIMS_BACKWARDS_SQL),
    claimsAfter: db.prepare<[SeekParams & { untilMs: number }], ClaimRow>(CLAIMS_AFTER_SQL),
    contestsSince: db.prepare<[SeekParams & { afterMs: number; afterPosition: number }], ContestRow>(CONTESTS_SINCE_SQL),
    sourcesOf: db.prepare<[number], string>('SELECT sources FROM incidents WHERE log_position = ?').pluck(),
    // With @assessedOnly, only reports assessed by knownAt: a perspective of confirmed reports
    // reads no other row's state or sources.
    incidents: db.prepare<[{ neighbourhoodId: string; asOfMs: number; knownAtMs: number; assessedOnly: 0 | 1 }], IncidentRow>(
      `SELECT ${INCIDENT_COLUMNS}, ${reportState('i', 'i.standing')}
       FROM incidents AS i
       WHERE i.neighbourhood_id = @neighbourhoodId AND i.occurred_at_ms <= @asOfMs AND i.recorded_at_ms <= @knownAtMs
         AND i.type <> 'CasualtiesReported'
         AND (@assessedOnly = 0 OR EXISTS (SELECT 1 FROM assessments AS a WHERE a.event_id = i.event_id AND a.recorded_at_ms <= @knownAtMs))
       ORDER BY i.occurred_at_ms, i.log_position`,
    ),
    claimIncidentsAfter: db.prepare<
      [{ neighbourhoodId: string; knownAtMs: number; afterMs: number; afterPosition: number; untilMs: number; limit: number }],
      IncidentRow
    >(
      `SELECT ${INCIDENT_COLUMNS}, ${reportState('i', 'i.standing')}
       FROM incidents AS i
       WHERE i.neighbourhood_id = @neighbourhoodId AND (i.occurred_at_ms, i.log_position) > (@afterMs, @afterPosition)
         AND i.occurred_at_ms < @untilMs AND i.recorded_at_ms <= @knownAtMs
         AND i.type IN ('PositionCaptured', 'ForcesRetreated')
       ORDER BY i.occurred_at_ms, i.log_position
       LIMIT @limit`,
    ),
    lastIncident: db.prepare<[{ neighbourhoodId: string; asOfMs: number; knownAtMs: number }], string>(
      `SELECT i.occurred_at FROM incidents AS i
       WHERE i.neighbourhood_id = @neighbourhoodId AND i.occurred_at_ms <= @asOfMs AND i.recorded_at_ms <= @knownAtMs AND ${NOT_RETRACTED}
       ORDER BY i.occurred_at_ms DESC, i.log_position DESC LIMIT 1`,
    ).pluck(),
    firstIncident: db.prepare<[{ neighbourhoodId: string; knownAtMs: number }], string>(
      `SELECT i.occurred_at FROM incidents AS i
       WHERE i.neighbourhood_id = @neighbourhoodId AND i.recorded_at_ms <= @knownAtMs AND ${NOT_RETRACTED}
       ORDER BY i.occurred_at_ms, i.log_position LIMIT 1`,
    ).pluck(),
    sourcesCited: db.prepare<[{ neighbourhoodId: string; withProtected: number }], string>(
      `SELECT DISTINCT name FROM sources_cited
       WHERE neighbourhood_id = @neighbourhoodId AND (@withProtected = 1 OR protected = 0)
       ORDER BY name`,
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
const statementsOf = perConnection(prepare);
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
    this.statements = statementsOf(db);
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

  /** Neighbourhoods known at knownAt (of one city, when given), by id, after `afterId`: a page of at most `limit`. */
  neighbourhoodsAfter(knownAtMs: number, afterId: string, limit: number, city?: string): NeighbourhoodRecord[] {
    return this.statements.neighbourhoodsAfter.all({ knownAtMs, city: city ?? null, afterId, limit });
  }

  /**
   * Neighbourhoods known at knownAt (of one city, when given) by id, from `firstId` (included) or
   * from the first, read a few at a time as the caller goes on.
   */
  *neighbourhoodsFrom(knownAtMs: number, firstId?: string, city?: string): Generator<NeighbourhoodRecord> {
    if (firstId !== undefined) {
      const first = this.neighbourhood(firstId, knownAtMs);
      if (first !== undefined && (city === undefined || first.city === city)) yield first;
    }
    let afterId = firstId ?? '';
    for (;;) {
      const batch = this.neighbourhoodsAfter(knownAtMs, afterId, NEIGHBOURHOODS_AT_A_TIME, city);
      yield* batch;
      if (batch.length < NEIGHBOURHOODS_AT_A_TIME) return;
      afterId = batch[batch.length - 1]!.id;
    }
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

  /** occurredAt (as recorded) of the latest incident at or before asOf that is not retracted at knownAt, or null. */
  lastEventAt(neighbourhoodId: string, time: Bitemporal): string | null {
    return this.statements.lastIncident.get({ neighbourhoodId, ...time }) ?? null;
  }

  /** occurredAt (as recorded) of the earliest incident not retracted at knownAt, or null. */
  firstEventAt(neighbourhoodId: string, knownAtMs: number): string | null {
    return this.statements.firstIncident.get({ neighbourhoodId, knownAtMs }) ?? null;
  }

  /** The distinct names of the sources the neighbourhood's reports cite, sorted; protected ones only `withProtected`. */
  sourcesCited(neighbourhoodId: string, withProtected: boolean): string[] {
    return this.statements.sourcesCited.all({ neighbourhoodId, withProtected: withProtected ? 1 : 0 });
  }

  /**
   * The captures and retreats of a neighbourhood recorded by knownAt, with their state then, in
   * (occurredAt, log position) order after `after` and before `untilMs`: a page of at most `limit`.
   */
  claimReportsAfter(
    neighbourhoodId: string,
    knownAtMs: number,
    after: { readonly occurredAtMs: number; readonly logPosition: number },
    untilMs: number,
    limit: number,
  ): ClaimReport[] {
    return this.statements.claimIncidentsAfter
      .all({ neighbourhoodId, knownAtMs, afterMs: after.occurredAtMs, afterPosition: after.logPosition, untilMs, limit })
      .map((row) => ({
        eventId: row.eventId,
        type: row.type as ClaimReport['type'],
        actor: row.actor!,
        controller: row.controller,
        positionIds: JSON.parse(row.positions ?? '[]') as string[],
        occurredAt: row.occurredAt,
        occurredAtMs: row.occurredAtMs,
        logPosition: row.logPosition,
        ...stateOf(row),
      }));
  }

  /** The positions of a neighbourhood known at knownAt, in their order. */
  positionRows(neighbourhoodId: string, knownAtMs: number): PositionRecord[] {
    return this.statements.positions.all({ neighbourhoodId, knownAtMs }).map((row) => ({
      id: row.id,
      name: row.name,
      nameAr: row.nameAr,
      kind: row.kind,
      weight: row.weight,
      coordinates: coordinatesOf(row),
      area: areaOf(row),
      baselineController: row.baselineController,
    }));
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
    let uncertain: (id: string) => boolean;
    if (beforeBaseline) {
      folded = new Map(rows.map((row) => [row.id, unknownPosition]));
      sourcesOf = () => [];
      uncertain = () => false;
    } else if (perspective === undefined) {
      const sources = new Map<string, number>();
      const doubts = new Set<string>();
      const reported = new Set(this.statements.positionsReported.all({ neighbourhoodId: neighbourhood.id }));
      folded = new Map(
        rows.map((row) => {
          const { position, doubtful } = this.defaultFold(neighbourhood, row, time, sources, reported.has(row.id));
          if (doubtful) doubts.add(row.id);
          return [row.id, position];
        }),
      );
      sourcesOf = (eventId) => parseSources(this.statements.sourcesOf.get(sources.get(eventId)!) ?? '[]');
      uncertain = (id) => doubts.has(id);
    } else {
      const result = this.perspectiveFold(neighbourhood, rows, time, perspective);
      folded = result.positions;
      skipped = result.skipped;
      sourcesOf = (eventId) => result.sources.get(eventId) ?? [];
      uncertain = (id) => result.doubts.has(id);
    }
    const positions = rows.map((row) => positionControl(row, folded.get(row.id)!, sourcesOf, uncertain(row.id)));
    const summary = summarizeControl(positions, (actorId) => actors.get(actorId)?.side);
    return { neighbourhood, positions, summary, skipped };
  }

  /**
   * The accepted timeline on one position. Every report of it leaves the position as it says
   * (the decider keeps it so), so the controller at asOf is what the last one says, and whoever
   * held it before that run of agreeing reports is what the report before the run says: the fold
   * starts there, after which only the claims and contests read on the way back matter.
   * `doubtful`: asOf lies in the precision window of the report that set the controller, or of
   * the next report of the accepted timeline that gives the position to someone else.
   */
  private defaultFold(
    neighbourhood: NeighbourhoodRecord,
    row: PositionRow,
    time: Bitemporal,
    sources: Map<string, number>,
    reported: boolean,
  ): { position: FoldedPosition; doubtful: boolean } {
    const baseline = { controller: row.baselineController, since: neighbourhood.controlAsOf, eventId: null };
    // No report names it: what the seeks below find for it is nothing.
    if (!reported) return { position: new PositionFold(baseline).result(), doubtful: false };
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
    const fold = new PositionFold(start === undefined ? baseline : { controller: start.controller, since: start.occurredAt, eventId: start.eventId });
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
    const position = fold.result();
    const setter = position.eventId === null ? undefined : position.eventId === start?.eventId ? start : later.find((claim) => claim.eventId === position.eventId);
    let doubtful = setter !== undefined && windowHolds(setter, time.asOfMs);
    if (!doubtful) {
      const untilMs = time.asOfMs + LONGEST_PRECISION_WINDOW_MS;
      for (const claim of this.statements.claimsAfter.iterate({ ...params, untilMs })) {
        if (!acceptedTimeline(stateOf(claim)) || claim.controller === position.controller) continue;
        doubtful = windowHolds(claim, time.asOfMs);
        break;
      }
    }
    return { position, doubtful };
  }

  /**
   * Folds every report of the neighbourhood that the perspective lets through, from the baseline,
   * up to asOf; then on past asOf, as far as a precision window that holds asOf can start, for
   * the next report of the perspective that changes each position's controller.
   */
  private perspectiveFold(
    neighbourhood: NeighbourhoodRecord,
    rows: readonly PositionRow[],
    time: Bitemporal,
    perspective: Perspective,
  ): { positions: Map<string, FoldedPosition>; skipped: SkippedReport[]; sources: Map<string, readonly Source[]>; doubts: Set<string> } {
    const starts = new Map<string, PositionStanding>(
      rows.map((row) => [row.id, { controller: row.baselineController, since: neighbourhood.controlAsOf, eventId: null }]),
    );
    const sources = new Map<string, readonly Source[]>();
    const windows = new Map<string, IncidentRow>();
    const reports: FoldReport[] = [];
    const assessedOnly = perspective.status === 'confirmed' ? 1 : 0;
    for (const incident of this.statements.incidents.iterate({ neighbourhoodId: neighbourhood.id, asOfMs: time.asOfMs, knownAtMs: time.knownAtMs, assessedOnly })) {
      const report = foldReportOf(incident, perspective);
      if (report === undefined) continue;
      if (report.kind === 'claim') {
        sources.set(incident.eventId, parseSources(incident.sources));
        windows.set(incident.eventId, incident);
      }
      reports.push(report);
    }
    const { positions, skipped } = foldReports(starts, reports);
    const doubts = new Set<string>();
    const undecided = new Map<string, string | null>();
    for (const [id, position] of positions) {
      const setter = position.eventId === null ? undefined : windows.get(position.eventId);
      if (setter !== undefined && windowHolds(setter, time.asOfMs)) doubts.add(id);
      else undecided.set(id, position.controller);
    }
    const untilMs = time.asOfMs + LONGEST_PRECISION_WINDOW_MS;
    let after = { occurredAtMs: time.asOfMs, logPosition: Number.MAX_SAFE_INTEGER };
    while (undecided.size > 0) {
      const page = this.statements.claimIncidentsAfter.all({
        neighbourhoodId: neighbourhood.id,
        knownAtMs: time.knownAtMs,
        afterMs: after.occurredAtMs,
        afterPosition: after.logPosition,
        untilMs,
        limit: FOLD_AHEAD_PAGE,
      });
      for (const incident of page) {
        const report = foldReportOf(incident, perspective);
        if (report?.kind !== 'claim' || !report.folds) continue;
        for (const id of report.positionIds) {
          if (!undecided.has(id) || !applies(undecided.get(id)!, report)) continue;
          undecided.delete(id);
          if (windowHolds(incident, time.asOfMs)) doubts.add(id);
        }
      }
      if (page.length < FOLD_AHEAD_PAGE) break;
      const last = page[page.length - 1]!;
      after = { occurredAtMs: last.occurredAtMs, logPosition: last.logPosition };
    }
    return { positions, skipped, sources, doubts };
  }
}

/** Neighbourhoods read at a time by `neighbourhoodsFrom`. */
const NEIGHBOURHOODS_AT_A_TIME = 50;

/** Reports read at a time while a perspective folds past asOf. */
const FOLD_AHEAD_PAGE = 256;

/** What a perspective makes of an incident: the report its fold takes, or undefined when it does not pass. */
function foldReportOf(incident: IncidentRow, perspective: Perspective): FoldReport | undefined {
  const state = stateOf(incident);
  if (state.retracted || state.status === 'refuted') return undefined;
  if (perspective.status === 'confirmed' && state.status !== 'confirmed') return undefined;
  const cited = parseSources(incident.sources);
  if (!cited.some((source) => sourcePasses(source, incident.recordedAtMs, perspective))) return undefined;
  const positionIds = JSON.parse(incident.positions ?? '[]') as string[];
  if (incident.type === 'PositionCaptured' || incident.type === 'ForcesRetreated') {
    return {
      kind: 'claim',
      eventId: incident.eventId,
      type: incident.type,
      actor: incident.actor!,
      controller: incident.controller,
      occurredAt: incident.occurredAt,
      positionIds,
      folds: state.standing === 'accepted' || perspective.claims === 'all',
      evidence: state.standing !== 'conflicting' || perspective.claims === 'all',
    };
  }
  return { kind: 'contest', eventId: incident.eventId, attackers: attackersOf(incident), positionIds, folds: true };
}

/** Whether asOf lies in [occurredAt truncated in UTC to the report's precision, + one unit). */
function windowHolds(report: { readonly occurredAtMs: number; readonly timePrecision: TimePrecision }, asOfMs: number): boolean {
  return (
    precisionWindowStart(report.occurredAtMs, report.timePrecision) <= asOfMs && asOfMs < precisionWindowEnd(report.occurredAtMs, report.timePrecision)
  );
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

/** Whether one source meets every source-level criterion of the perspective (rule 8: one and the same source). */
export function sourcePasses(source: Source, recordedAtMs: number, perspective: Perspective): boolean {
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
function positionControl(
  row: PositionRow,
  folded: FoldedPosition,
  sourcesOf: (eventId: string) => readonly Source[],
  uncertain: boolean,
): PositionControl {
  return {
    id: row.id,
    name: row.name,
    nameAr: row.nameAr,
    kind: row.kind,
    weight: row.weight,
    coordinates: coordinatesOf(row),
    area: areaOf(row),
    order: [row.logPosition, row.ordinal],
    controller: folded.controller,
    since: folded.since,
    eventId: folded.eventId,
    contested: folded.contested,
    contestedBy: folded.contestedBy,
    evidence: evidenceOf(folded.evidence, sourcesOf),
    uncertain,
  };
}

function coordinatesOf(row: { readonly lon: number | null; readonly lat: number | null }): readonly [number, number] | null {
  return row.lon !== null && row.lat !== null ? [row.lon, row.lat] : null;
}

function areaOf(row: { readonly area: string | null }): Area | null {
  return row.area === null ? null : (JSON.parse(row.area) as Area);
}
