import { type ReadModelDeclaration, type RowMapping, type Value, data, event, item } from '../../projections/read-model.js';

export const NEIGHBOURHOOD_CONTROL = 'neighbourhood-control';

/**
 * Bitemporal control history. Nothing here is folded: every control change and every contest
 * is a row placed in time by (occurred_at_ms, log_position) and in knowledge by
 * recorded_at_ms, and retractions are rows of their own with the instant they became known.
 * A query for (asOf, knownAt) is then one index seek per position, whatever the history's length.
 *
 * Layout 1: rows are keyed by log position (one event, one position), not by event id. The
 * log only grows, so inserts append to the keys' b-trees; layout 0's UUID keys put every
 * insert on a random page, and each batch rewrote most of those indexes. The columns, and so
 * every query, are the same in both layouts.
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
    PRIMARY KEY (log_position, position_id)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE contests (
    event_id TEXT NOT NULL,
    position_id TEXT NOT NULL,
    neighbourhood_id TEXT NOT NULL,
    type TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    occurred_at_ms INTEGER NOT NULL,
    log_position INTEGER NOT NULL,
    recorded_at_ms INTEGER NOT NULL,
    PRIMARY KEY (log_position, position_id)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE incidents (
    event_id TEXT NOT NULL,
    neighbourhood_id TEXT NOT NULL,
    type TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    occurred_at_ms INTEGER NOT NULL,
    log_position INTEGER PRIMARY KEY,
    recorded_at_ms INTEGER NOT NULL
  ) STRICT;

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

/** The time-ordered indexes queries seek through; a generation built from scratch creates them once caught up. */
const INDEXES = `
  CREATE INDEX control_changes_in_time ON control_changes (neighbourhood_id, position_id, occurred_at_ms, log_position);
  CREATE INDEX contests_in_time ON contests (neighbourhood_id, position_id, occurred_at_ms, log_position);
  CREATE INDEX incidents_in_time ON incidents (neighbourhood_id, occurred_at_ms, log_position);
`;

const recorded = { recorded_at_ms: event.recordedAtMs, event_id: event.id, log_position: event.position };

const neighbourhood: RowMapping = {
  into: 'neighbourhoods',
  columns: {
    id: data.text('neighbourhoodId'),
    name: data.text('name'),
    name_ar: data.text('nameAr'),
    city: data.text('city'),
    country: data.text('country'),
    control_as_of: data.text('controlAsOf'),
    control_as_of_ms: data.instantMs('controlAsOf'),
    ...recorded,
  },
  key: ['id'],
};

const positions: RowMapping = {
  into: 'positions',
  each: { path: 'positions', items: 'object' },
  columns: {
    neighbourhood_id: data.text('neighbourhoodId'),
    id: item.text('id'),
    name: item.text('name'),
    name_ar: item.text('nameAr'),
    kind: item.text('kind'),
    weight: item.number('weight'),
    lon: item.number('coordinates[0]'),
    lat: item.number('coordinates[1]'),
    baseline_controller: item.text('controller'),
    ...recorded,
    ordinal: item.index,
  },
  key: ['neighbourhood_id', 'id'],
};

const inTime = {
  neighbourhood_id: data.text('neighbourhoodId'),
  type: event.type,
  occurred_at: data.text('occurredAt'),
  occurred_at_ms: data.instantMs('occurredAt'),
  log_position: event.position,
  recorded_at_ms: event.recordedAtMs,
};

const incident: RowMapping = { into: 'incidents', columns: { event_id: event.id, ...inTime }, key: ['log_position'] };

const contests: RowMapping = {
  into: 'contests',
  each: { path: 'targets', items: 'text' },
  columns: { event_id: event.id, position_id: item.text(), ...inTime },
  key: ['log_position', 'position_id'],
};

const changes = (controller: Value): RowMapping => ({
  into: 'control_changes',
  each: { path: 'positions', items: 'text' },
  columns: { event_id: event.id, position_id: item.text(), actor: data.text('by'), controller, ...inTime },
  key: ['log_position', 'position_id'],
});

export const neighbourhoodControlReadModel: ReadModelDeclaration = {
  name: NEIGHBOURHOOD_CONTROL,
  version: 1,
  layout: 1,
  tables: ['neighbourhoods', 'positions', 'control_changes', 'contests', 'incidents', 'retractions', 'actors'],
  schema: SCHEMA,
  indexes: INDEXES,
  events: {
    ActorRegistered: [
      {
        into: 'actors',
        columns: {
          id: data.text('actorId'),
          name: data.text('name'),
          name_ar: data.text('nameAr'),
          side: data.text('side'),
          kind: data.text('kind'),
          ...recorded,
        },
        key: ['id'],
      },
    ],
    NeighbourhoodRegistered: [neighbourhood, positions],
    PositionsAdded: [positions],
    AttackLaunched: [incident, contests],
    CounterattackLaunched: [incident, contests],
    PositionCaptured: [incident, changes(data.text('by'))],
    ForcesRetreated: [incident, changes(data.text('yieldedTo'))],
    CasualtiesReported: [incident],
    ReportRetracted: [
      {
        into: 'retractions',
        columns: {
          event_id: data.text('eventId'),
          neighbourhood_id: data.text('neighbourhoodId'),
          retraction_event_id: event.id,
          reason: data.text('reason'),
          recorded_at_ms: event.recordedAtMs,
          log_position: event.position,
        },
        key: ['event_id'],
      },
    ],
  },
};
