import type Database from 'better-sqlite3';
import type { PositionSpec } from '../../domain/index.js';
import { type ProjectionDefinition, type ProjectionHandlers, instantMs } from '../projection.js';

export const NEIGHBOURHOOD_CONTROL = 'neighbourhood-control';

/**
 * Bitemporal control history. Nothing here is folded: every control change and every contest
 * is a row placed in time by (occurred_at_ms, log_position) and in knowledge by
 * recorded_at_ms, and retractions are rows of their own with the instant they became known.
 * A query for (asOf, knownAt) is then one index seek per position, whatever the history's length.
 */
const SCHEMA = `
  CREATE TABLE neighbourhoods (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_ar TEXT,
    city TEXT NOT NULL,
    country TEXT NOT NULL,
    control_as_of TEXT NOT NULL,
    control_as_of_ms INTEGER NOT NULL,
    recorded_at_ms INTEGER NOT NULL,
    event_id TEXT NOT NULL,
    log_position INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE positions (
    neighbourhood_id TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    name_ar TEXT,
    kind TEXT,
    weight REAL NOT NULL,
    lon REAL,
    lat REAL,
    baseline_controller TEXT,
    recorded_at_ms INTEGER NOT NULL,
    event_id TEXT NOT NULL,
    log_position INTEGER NOT NULL,
    ordinal INTEGER NOT NULL,
    PRIMARY KEY (neighbourhood_id, id)
  ) STRICT;
  CREATE INDEX positions_in_order ON positions (neighbourhood_id, log_position, ordinal);

  CREATE TABLE control_changes (
    event_id TEXT NOT NULL,
    position_id TEXT NOT NULL,
    neighbourhood_id TEXT NOT NULL,
    type TEXT NOT NULL,
    actor TEXT NOT NULL,
    controller TEXT,
    occurred_at TEXT NOT NULL,
    occurred_at_ms INTEGER NOT NULL,
    log_position INTEGER NOT NULL,
    recorded_at_ms INTEGER NOT NULL,
    PRIMARY KEY (event_id, position_id)
  ) STRICT;
  CREATE INDEX control_changes_in_time ON control_changes (neighbourhood_id, position_id, occurred_at_ms, log_position);

  CREATE TABLE contests (
    event_id TEXT NOT NULL,
    position_id TEXT NOT NULL,
    neighbourhood_id TEXT NOT NULL,
    type TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    occurred_at_ms INTEGER NOT NULL,
    log_position INTEGER NOT NULL,
    recorded_at_ms INTEGER NOT NULL,
    PRIMARY KEY (event_id, position_id)
  ) STRICT;
  CREATE INDEX contests_in_time ON contests (neighbourhood_id, position_id, occurred_at_ms, log_position);

  CREATE TABLE incidents (
    event_id TEXT PRIMARY KEY,
    neighbourhood_id TEXT NOT NULL,
    type TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    occurred_at_ms INTEGER NOT NULL,
    log_position INTEGER NOT NULL,
    recorded_at_ms INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX incidents_in_time ON incidents (neighbourhood_id, occurred_at_ms, log_position);

  CREATE TABLE retractions (
    event_id TEXT PRIMARY KEY,
    neighbourhood_id TEXT NOT NULL,
    retraction_event_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    recorded_at_ms INTEGER NOT NULL,
    log_position INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE actors (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_ar TEXT,
    side TEXT NOT NULL,
    kind TEXT,
    recorded_at_ms INTEGER NOT NULL,
    event_id TEXT NOT NULL,
    log_position INTEGER NOT NULL
  ) STRICT;
`;

function handlers(db: Database.Database): ProjectionHandlers {
  // ON CONFLICT DO NOTHING rather than INSERT OR IGNORE: a replayed event hits the key and
  // changes nothing, while a malformed one (a NOT NULL violation) still fails the projection.
  const insertNeighbourhood = db.prepare(
    `INSERT INTO neighbourhoods (id, name, name_ar, city, country, control_as_of, control_as_of_ms, recorded_at_ms, event_id, log_position)
     VALUES (@id, @name, @nameAr, @city, @country, @controlAsOf, @controlAsOfMs, @recordedAtMs, @eventId, @logPosition)
     ON CONFLICT (id) DO NOTHING`,
  );
  const insertPosition = db.prepare(
    `INSERT INTO positions (neighbourhood_id, id, name, name_ar, kind, weight, lon, lat, baseline_controller, recorded_at_ms, event_id, log_position, ordinal)
     VALUES (@neighbourhoodId, @id, @name, @nameAr, @kind, @weight, @lon, @lat, @controller, @recordedAtMs, @eventId, @logPosition, @ordinal)
     ON CONFLICT (neighbourhood_id, id) DO NOTHING`,
  );
  const insertIncident = db.prepare(
    `INSERT INTO incidents (event_id, neighbourhood_id, type, occurred_at, occurred_at_ms, log_position, recorded_at_ms)
     VALUES (@eventId, @neighbourhoodId, @type, @occurredAt, @occurredAtMs, @logPosition, @recordedAtMs)
     ON CONFLICT (event_id) DO NOTHING`,
  );
  const insertChange = db.prepare(
    `INSERT INTO control_changes (event_id, position_id, neighbourhood_id, type, actor, controller, occurred_at, occurred_at_ms, log_position, recorded_at_ms)
     VALUES (@eventId, @positionId, @neighbourhoodId, @type, @actor, @controller, @occurredAt, @occurredAtMs, @logPosition, @recordedAtMs)
     ON CONFLICT (event_id, position_id) DO NOTHING`,
  );
  const insertContest = db.prepare(
    `INSERT INTO contests (event_id, position_id, neighbourhood_id, type, occurred_at, occurred_at_ms, log_position, recorded_at_ms)
     VALUES (@eventId, @positionId, @neighbourhoodId, @type, @occurredAt, @occurredAtMs, @logPosition, @recordedAtMs)
     ON CONFLICT (event_id, position_id) DO NOTHING`,
  );
  const insertRetraction = db.prepare(
    `INSERT INTO retractions (event_id, neighbourhood_id, retraction_event_id, reason, recorded_at_ms, log_position)
     VALUES (@eventId, @neighbourhoodId, @retractionEventId, @reason, @recordedAtMs, @logPosition)
     ON CONFLICT (event_id) DO NOTHING`,
  );
  const insertActor = db.prepare(
    `INSERT INTO actors (id, name, name_ar, side, kind, recorded_at_ms, event_id, log_position)
     VALUES (@id, @name, @nameAr, @side, @kind, @recordedAtMs, @eventId, @logPosition)
     ON CONFLICT (id) DO NOTHING`,
  );

  const addPositions = (
    neighbourhoodId: string,
    positions: readonly PositionSpec[],
    event: { eventId: string; position: number; recordedAtMs: number },
  ): void => {
    positions.forEach((spec, ordinal) =>
      insertPosition.run({
        neighbourhoodId,
        id: spec.id,
        name: spec.name,
        nameAr: spec.nameAr ?? null,
        kind: spec.kind ?? null,
        weight: spec.weight,
        lon: spec.coordinates?.[0] ?? null,
        lat: spec.coordinates?.[1] ?? null,
        controller: spec.controller,
        recordedAtMs: event.recordedAtMs,
        eventId: event.eventId,
        logPosition: event.position,
        ordinal,
      }),
    );
  };

  const incident = (
    event: { eventId: string; type: string; position: number; recordedAtMs: number },
    data: { neighbourhoodId: string; occurredAt: string },
  ) => {
    const row = {
      eventId: event.eventId,
      neighbourhoodId: data.neighbourhoodId,
      type: event.type,
      occurredAt: data.occurredAt,
      occurredAtMs: instantMs(data.occurredAt, `occurredAt of event ${event.eventId}`),
      logPosition: event.position,
      recordedAtMs: event.recordedAtMs,
    };
    insertIncident.run(row);
    return row;
  };

  const contest = (row: ReturnType<typeof incident>, targets: readonly string[]): void => {
    for (const positionId of targets) insertContest.run({ ...row, positionId });
  };

  const change = (
    row: ReturnType<typeof incident>,
    positions: readonly string[],
    actor: string,
    controller: string | null,
  ): void => {
    for (const positionId of positions) insertChange.run({ ...row, positionId, actor, controller });
  };

  return {
    ActorRegistered: (event) =>
      insertActor.run({
        id: event.data.actorId,
        name: event.data.name,
        nameAr: event.data.nameAr ?? null,
        side: event.data.side,
        kind: event.data.kind ?? null,
        recordedAtMs: event.recordedAtMs,
        eventId: event.eventId,
        logPosition: event.position,
      }),
    NeighbourhoodRegistered: (event) => {
      const { data } = event;
      insertNeighbourhood.run({
        id: data.neighbourhoodId,
        name: data.name,
        nameAr: data.nameAr ?? null,
        city: data.city,
        country: data.country,
        controlAsOf: data.controlAsOf,
        controlAsOfMs: instantMs(data.controlAsOf, `controlAsOf of event ${event.eventId}`),
        recordedAtMs: event.recordedAtMs,
        eventId: event.eventId,
        logPosition: event.position,
      });
      addPositions(data.neighbourhoodId, data.positions, event);
    },
    PositionsAdded: (event) => addPositions(event.data.neighbourhoodId, event.data.positions, event),
    AttackLaunched: (event) => contest(incident(event, event.data), event.data.targets),
    CounterattackLaunched: (event) => contest(incident(event, event.data), event.data.targets),
    PositionCaptured: (event) => change(incident(event, event.data), event.data.positions, event.data.by, event.data.by),
    ForcesRetreated: (event) =>
      change(incident(event, event.data), event.data.positions, event.data.by, event.data.yieldedTo ?? null),
    CasualtiesReported: (event) => {
      incident(event, event.data);
    },
    ReportRetracted: (event) =>
      insertRetraction.run({
        eventId: event.data.eventId,
        neighbourhoodId: event.data.neighbourhoodId,
        retractionEventId: event.eventId,
        reason: event.data.reason,
        recordedAtMs: event.recordedAtMs,
        logPosition: event.position,
      }),
  };
}

export const neighbourhoodControlProjection: ProjectionDefinition = {
  name: NEIGHBOURHOOD_CONTROL,
  version: 1,
  tables: ['neighbourhoods', 'positions', 'control_changes', 'contests', 'incidents', 'retractions', 'actors'],
  schema: SCHEMA,
  handlers,
};
