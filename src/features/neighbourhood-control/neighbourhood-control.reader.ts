import type Database from 'better-sqlite3';
import { ApplicationError } from '../../application/application-error.js';
import { type ControlSummary, summarizeControl } from '../../domain/index.js';

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

/** One position as it stood at (asOf, knownAt). */
export interface PositionControl {
  readonly id: string;
  readonly name: string;
  readonly nameAr: string | null;
  readonly kind: string | null;
  readonly weight: number;
  /** [longitude, latitude], when known. */
  readonly coordinates: readonly [number, number] | null;
  readonly controller: string | null;
  /** The neighbourhood's controlAsOf, or the occurredAt of the event that made `controller` hold it; null before the baseline. */
  readonly since: string | null;
  /** The event that made `controller` hold it; null at the baseline. */
  readonly eventId: string | null;
  readonly contested: boolean;
}

export interface NeighbourhoodControl {
  readonly neighbourhood: NeighbourhoodRecord;
  readonly positions: readonly PositionControl[];
  readonly summary: ControlSummary;
}

/** Instants in epoch milliseconds, both inclusive. */
export interface Bitemporal {
  readonly asOfMs: number;
  readonly knownAtMs: number;
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

interface TimelineRow {
  readonly eventId: string;
  readonly occurredAt: string;
  readonly occurredAtMs: number;
  readonly logPosition: number;
}

interface ChangeRow extends TimelineRow {
  readonly controller: string | null;
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

/**
 * The newest row at or before asOf, by (occurred_at_ms, log_position), that was known at
 * knownAt and not yet retracted then. It walks the composite index backwards from asOf: rows
 * after asOf are never read, and rows before the hit only when they were late or retracted.
 */
const seek = (table: 'control_changes' | 'contests', extra: string): string => `
  SELECT t.event_id AS eventId, t.occurred_at AS occurredAt, t.occurred_at_ms AS occurredAtMs, t.log_position AS logPosition${extra}
  FROM ${table} AS t
  WHERE t.neighbourhood_id = @neighbourhoodId AND t.position_id = @positionId
    AND t.occurred_at_ms <= @asOfMs
    AND t.recorded_at_ms <= @knownAtMs
    AND NOT EXISTS (SELECT 1 FROM retractions AS r WHERE r.event_id = t.event_id AND r.recorded_at_ms <= @knownAtMs)
  ORDER BY t.occurred_at_ms DESC, t.log_position DESC
  LIMIT 1`;

/** Exposed so that a test can check the plan is an index seek. */
export const CONTROL_SEEK_SQL = seek('control_changes', ', t.controller AS controller');
export const CONTEST_SEEK_SQL = seek('contests', '');

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
    lastChange: db.prepare<[SeekParams], ChangeRow>(CONTROL_SEEK_SQL),
    lastContest: db.prepare<[SeekParams], TimelineRow>(CONTEST_SEEK_SQL),
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

/** Queries of the neighbourhood-control read model. Synchronous: a read never spans two batches. */
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
   * Every registered actor by id. Every control query needs the actors' sides; reading and
   * mapping the whole registry each time was most of a query's cost, so it is read again only
   * once an actor was added.
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

  /** Every position known at knownAt, as it stood at asOf; two index seeks each. */
  control(neighbourhood: NeighbourhoodRecord, time: Bitemporal, actors: ReadonlyMap<string, ActorRecord>): NeighbourhoodControl {
    const rows = this.statements.positions.all({ neighbourhoodId: neighbourhood.id, knownAtMs: time.knownAtMs });
    const positions = rows.map((row) => this.positionControl(neighbourhood, row, time));
    const summary = summarizeControl(positions, (actorId) => actors.get(actorId)?.side);
    return { neighbourhood, positions, summary };
  }

  private positionControl(neighbourhood: NeighbourhoodRecord, row: PositionRow, time: Bitemporal): PositionControl {
    // Before the baseline nothing is known: a baseline states who held what from controlAsOf on.
    if (time.asOfMs < neighbourhood.controlAsOfMs) return positionControl(row, null, null, null, false);
    const params: SeekParams = { neighbourhoodId: neighbourhood.id, positionId: row.id, asOfMs: time.asOfMs, knownAtMs: time.knownAtMs };
    const change = this.statements.lastChange.get(params);
    const contest = this.statements.lastContest.get(params);
    // An attack contests its targets until a capture or retreat on the position comes after it.
    const contested = contest !== undefined && (change === undefined || isAfter(contest, change));
    return change === undefined
      ? positionControl(row, row.baselineController, neighbourhood.controlAsOf, null, contested)
      : positionControl(row, change.controller, change.occurredAt, change.eventId, contested);
  }
}

/**
 * One object literal, so one shape. Built as `{ ...base, controller, ... }` instead, these
 * objects outlived the young generation: V8's scavenges then copied about 2.5 MB each and
 * paused 3-4 ms instead of 0.2 ms, which is what set the tail latency of control queries.
 */
function positionControl(
  row: PositionRow,
  controller: string | null,
  since: string | null,
  eventId: string | null,
  contested: boolean,
): PositionControl {
  return {
    id: row.id,
    name: row.name,
    nameAr: row.nameAr,
    kind: row.kind,
    weight: row.weight,
    coordinates: row.lon !== null && row.lat !== null ? [row.lon, row.lat] : null,
    controller,
    since,
    eventId,
    contested,
  };
}

function isAfter(a: TimelineRow, b: TimelineRow): boolean {
  return a.occurredAtMs !== b.occurredAtMs ? a.occurredAtMs > b.occurredAtMs : a.logPosition > b.logPosition;
}
