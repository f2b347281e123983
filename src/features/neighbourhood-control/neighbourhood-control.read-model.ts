import { type ReadModelDeclaration, type RowMapping, type Value, coalesce, constant, data, event, item } from '../../projections/read-model.js';

export const NEIGHBOURHOOD_CONTROL = 'neighbourhood-control';

/**
 * Bitemporal control, claims included. Nothing is folded when filing: every report is a row
 * placed in time by (occurred_at_ms, log_position) and in knowledge by recorded_at_ms, with the
 * standing it was recorded with; assessments and retractions are rows of their own with the
 * instant they became known. A query for (asOf, knownAt) walks each position's claims backwards
 * from asOf to the last change of hands (see the reader); a perspective folds the incidents.
 *
 * Rows are keyed by log position: the log only grows, so inserts append to the keys' b-trees.
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
    outline TEXT,
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
    area TEXT,
    baseline_controller TEXT,
    recorded_at_ms INTEGER NOT NULL,
    event_id TEXT NOT NULL,
    log_position INTEGER NOT NULL,
    ordinal INTEGER NOT NULL,
    PRIMARY KEY (neighbourhood_id, id)
  ) STRICT;
  CREATE INDEX positions_in_order ON positions (neighbourhood_id, log_position, ordinal);

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

  -- Every incident, with what a perspective's fold needs: who claims what of which positions
  -- (the targets, for attacks), who attacks, and the sources as JSON.
  CREATE TABLE incidents (
    log_position INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL,
    neighbourhood_id TEXT NOT NULL,
    type TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    occurred_at_ms INTEGER NOT NULL,
    time_precision TEXT NOT NULL,
    recorded_at_ms INTEGER NOT NULL,
    standing TEXT NOT NULL,
    actor TEXT,
    controller TEXT,
    positions TEXT,
    attackers TEXT,
    sources TEXT NOT NULL
  ) STRICT;

  -- What each capture or retreat, of any standing, says of each of its positions.
  CREATE TABLE claims (
    log_position INTEGER NOT NULL,
    position_id TEXT NOT NULL,
    neighbourhood_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    type TEXT NOT NULL,
    actor TEXT NOT NULL,
    controller TEXT,
    occurred_at TEXT NOT NULL,
    occurred_at_ms INTEGER NOT NULL,
    time_precision TEXT NOT NULL,
    recorded_at_ms INTEGER NOT NULL,
    standing TEXT NOT NULL,
    PRIMARY KEY (log_position, position_id)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE contests (
    log_position INTEGER NOT NULL,
    position_id TEXT NOT NULL,
    neighbourhood_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    occurred_at_ms INTEGER NOT NULL,
    recorded_at_ms INTEGER NOT NULL,
    PRIMARY KEY (log_position, position_id)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE retractions (
    event_id TEXT PRIMARY KEY,
    neighbourhood_id TEXT NOT NULL,
    retraction_event_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    recorded_at_ms INTEGER NOT NULL,
    log_position INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX retractions_in_neighbourhood ON retractions (neighbourhood_id);

  CREATE TABLE assessments (
    log_position INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL,
    neighbourhood_id TEXT NOT NULL,
    status TEXT NOT NULL,
    standing TEXT NOT NULL,
    recorded_at_ms INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX assessments_of_report ON assessments (event_id, log_position);
  CREATE INDEX assessments_in_neighbourhood ON assessments (neighbourhood_id, log_position);

  -- The distinct sources a neighbourhood's reports cite, by name (a name cited both protected and
  -- not has a row of each).
  CREATE TABLE sources_cited (
    neighbourhood_id TEXT NOT NULL,
    name TEXT NOT NULL,
    protected INTEGER NOT NULL,
    PRIMARY KEY (neighbourhood_id, name, protected)
  ) STRICT, WITHOUT ROWID;
`;

/** The time-ordered indexes queries seek through; a generation built from scratch creates them once caught up. */
const INDEXES = `
  CREATE INDEX claims_in_time ON claims (neighbourhood_id, position_id, occurred_at_ms, log_position);
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
    outline: data.json('outline'),
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
    area: item.json('area'),
    baseline_controller: item.text('controller'),
    ...recorded,
    ordinal: item.index,
  },
  key: ['neighbourhood_id', 'id'],
};

/** Reports recorded before claims existed carry no standing: they were accepted. */
const standing = coalesce(data.text('standing'), constant('accepted'));

const inTime = {
  neighbourhood_id: data.text('neighbourhoodId'),
  event_id: event.id,
  log_position: event.position,
  occurred_at_ms: data.instantMs('occurredAt'),
  recorded_at_ms: event.recordedAtMs,
};

const incident = (columns: Readonly<Record<string, Value>>): RowMapping => ({
  into: 'incidents',
  columns: {
    ...inTime,
    type: event.type,
    occurred_at: data.text('occurredAt'),
    time_precision: data.text('timePrecision'),
    sources: data.json('sources'),
    standing: constant('accepted'),
    ...columns,
  },
  key: ['log_position'],
});

const contests: RowMapping = {
  into: 'contests',
  each: { path: 'targets', items: 'text' },
  columns: { ...inTime, position_id: item.text() },
  key: ['log_position', 'position_id'],
};

const claims = (controller: Value): RowMapping => ({
  into: 'claims',
  each: { path: 'positions', items: 'text' },
  columns: {
    ...inTime,
    position_id: item.text(),
    type: event.type,
    actor: data.text('by'),
    controller,
    occurred_at: data.text('occurredAt'),
    time_precision: data.text('timePrecision'),
    standing,
  },
  key: ['log_position', 'position_id'],
});

const sourcesCited: RowMapping = {
  into: 'sources_cited',
  each: { path: 'sources', items: 'object' },
  columns: {
    neighbourhood_id: data.text('neighbourhoodId'),
    name: item.text('name'),
    protected: coalesce(item.boolean('protected'), constant(0)),
  },
  key: ['neighbourhood_id', 'name', 'protected'],
};

const capture = data.text('by');
const yieldedTo = data.text('yieldedTo');

export const neighbourhoodControlReadModel: ReadModelDeclaration = {
  name: NEIGHBOURHOOD_CONTROL,
  version: 3,
  tables: ['neighbourhoods', 'positions', 'actors', 'incidents', 'claims', 'contests', 'retractions', 'assessments', 'sources_cited'],
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
    AttackLaunched: [incident({ positions: data.json('targets'), attackers: data.json('attackers') }), contests, sourcesCited],
    CounterattackLaunched: [incident({ actor: data.text('by'), positions: data.json('targets') }), contests, sourcesCited],
    PositionCaptured: [
      incident({ actor: capture, controller: capture, positions: data.json('positions'), standing }),
      claims(capture),
      sourcesCited,
    ],
    ForcesRetreated: [
      incident({ actor: data.text('by'), controller: yieldedTo, positions: data.json('positions'), standing }),
      claims(yieldedTo),
      sourcesCited,
    ],
    CasualtiesReported: [incident({}), sourcesCited],
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
    ReportAssessed: [
      {
        into: 'assessments',
        columns: {
          event_id: data.text('eventId'),
          neighbourhood_id: data.text('neighbourhoodId'),
          status: data.text('status'),
          standing: data.text('standing'),
          recorded_at_ms: event.recordedAtMs,
          log_position: event.position,
        },
        key: ['log_position'],
      },
    ],
  },
};
