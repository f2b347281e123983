import type Database from 'better-sqlite3';
import type { IncidentEvent, PositionSpec } from '../../domain/index.js';
import {
  NOT_OBJECT_ITEM,
  NOT_TEXT_ITEM,
  RECORDED_AT_MS,
  field,
  fromWindow,
  inWindow,
  instantMsSql,
  notList,
  notNumber,
  notText,
  notTexts,
  refusingItems,
} from '../log-window-sql.js';
import { type ProjectedEvent, type ProjectionDefinition, type ProjectionHandlers, instantMs } from '../projection.js';

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

type Incident = ProjectedEvent<IncidentEvent>;

function handlers(db: Database.Database): ProjectionHandlers {
  // ON CONFLICT DO NOTHING rather than INSERT OR IGNORE: a replayed event hits the key and
  // changes nothing, while a malformed one (a NOT NULL violation) still fails the projection.
  // Positional parameters: binding by name costs a lookup per parameter, per row.
  const insertNeighbourhood = db.prepare<[string, string, string | null, string, string, string, number, number, string, number]>(
    `INSERT INTO neighbourhoods (id, name, name_ar, city, country, control_as_of, control_as_of_ms, recorded_at_ms, event_id, log_position)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
  );
  const insertPosition = db.prepare<
    [string, string, string, string | null, string | null, number, number | null, number | null, string | null, number, string, number, number]
  >(
    `INSERT INTO positions (neighbourhood_id, id, name, name_ar, kind, weight, lon, lat, baseline_controller, recorded_at_ms, event_id, log_position, ordinal)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (neighbourhood_id, id) DO NOTHING`,
  );
  const insertIncident = db.prepare<[string, string, string, string, number, number, number]>(
    `INSERT INTO incidents (event_id, neighbourhood_id, type, occurred_at, occurred_at_ms, log_position, recorded_at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (log_position) DO NOTHING`,
  );
  const insertChange = db.prepare<[string, string, string, string, string, string | null, string, number, number, number]>(
    `INSERT INTO control_changes (event_id, position_id, neighbourhood_id, type, actor, controller, occurred_at, occurred_at_ms, log_position, recorded_at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (log_position, position_id) DO NOTHING`,
  );
  const insertContest = db.prepare<[string, string, string, string, string, number, number, number]>(
    `INSERT INTO contests (event_id, position_id, neighbourhood_id, type, occurred_at, occurred_at_ms, log_position, recorded_at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (log_position, position_id) DO NOTHING`,
  );
  const insertRetraction = db.prepare<[string, string, string, string, number, number]>(
    `INSERT INTO retractions (event_id, neighbourhood_id, retraction_event_id, reason, recorded_at_ms, log_position)
     VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING`,
  );
  const insertActor = db.prepare<[string, string, string | null, string, string | null, number, string, number]>(
    `INSERT INTO actors (id, name, name_ar, side, kind, recorded_at_ms, event_id, log_position)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
  );

  const addPositions = (
    neighbourhoodId: string,
    positions: readonly PositionSpec[],
    event: { eventId: string; position: number; recordedAtMs: number },
  ): void => {
    positions.forEach((spec, ordinal) =>
      insertPosition.run(
        neighbourhoodId,
        spec.id,
        spec.name,
        spec.nameAr ?? null,
        spec.kind ?? null,
        spec.weight,
        spec.coordinates?.[0] ?? null,
        spec.coordinates?.[1] ?? null,
        spec.controller,
        event.recordedAtMs,
        event.eventId,
        event.position,
        ordinal,
      ),
    );
  };

  /** Files the incident and returns its occurredAt in epoch milliseconds. */
  const incident = (event: Incident): number => {
    const { data } = event;
    const occurredAtMs = instantMs(data.occurredAt, 'occurredAt', event.eventId);
    insertIncident.run(event.eventId, data.neighbourhoodId, event.type, data.occurredAt, occurredAtMs, event.position, event.recordedAtMs);
    return occurredAtMs;
  };

  const contest = (event: Incident, targets: readonly string[]): void => {
    const occurredAtMs = incident(event);
    const { data } = event;
    for (const positionId of targets) {
      insertContest.run(event.eventId, positionId, data.neighbourhoodId, event.type, data.occurredAt, occurredAtMs, event.position, event.recordedAtMs);
    }
  };

  const change = (event: Incident, positions: readonly string[], actor: string, controller: string | null): void => {
    const occurredAtMs = incident(event);
    const { data } = event;
    for (const positionId of positions) {
      insertChange.run(
        event.eventId,
        positionId,
        data.neighbourhoodId,
        event.type,
        actor,
        controller,
        data.occurredAt,
        occurredAtMs,
        event.position,
        event.recordedAtMs,
      );
    }
  };

  return {
    ActorRegistered: (event) =>
      insertActor.run(
        event.data.actorId,
        event.data.name,
        event.data.nameAr ?? null,
        event.data.side,
        event.data.kind ?? null,
        event.recordedAtMs,
        event.eventId,
        event.position,
      ),
    NeighbourhoodRegistered: (event) => {
      const { data } = event;
      insertNeighbourhood.run(
        data.neighbourhoodId,
        data.name,
        data.nameAr ?? null,
        data.city,
        data.country,
        data.controlAsOf,
        instantMs(data.controlAsOf, 'controlAsOf', event.eventId),
        event.recordedAtMs,
        event.eventId,
        event.position,
      );
      addPositions(data.neighbourhoodId, data.positions, event);
    },
    PositionsAdded: (event) => addPositions(event.data.neighbourhoodId, event.data.positions, event),
    AttackLaunched: (event) => contest(event, event.data.targets),
    CounterattackLaunched: (event) => contest(event, event.data.targets),
    PositionCaptured: (event) => change(event, event.data.positions, event.data.by, event.data.by),
    ForcesRetreated: (event) => change(event, event.data.positions, event.data.by, event.data.yieldedTo ?? null),
    CasualtiesReported: (event) => {
      incident(event);
    },
    ReportRetracted: (event) =>
      insertRetraction.run(
        event.data.eventId,
        event.data.neighbourhoodId,
        event.eventId,
        event.data.reason,
        event.recordedAtMs,
        event.position,
      ),
  };
}

const OCCURRED_AT = field('occurredAt');
/** What the handlers file of a position spec: strings, a number and [longitude, latitude]. */
const POSITION_SHAPE = [
  NOT_OBJECT_ITEM,
  ...['id', 'name', 'nameAr', 'kind', 'controller'].map((path) => notText(path, 'item.value')),
  notNumber('weight', 'item.value'),
  "json_type(item.value, '$.coordinates') NOT IN ('array', 'null')",
  notNumber('coordinates[0]', 'item.value'),
  notNumber('coordinates[1]', 'item.value'),
];
// occurredAt and controlAsOf need no check: instant_ms takes strings only, and their columns are NOT NULL.
const incidentShape = notTexts(['neighbourhoodId']);

/**
 * The handlers above, as SQL over a window of the embedded store's log (see
 * `ProjectionDefinition.fromLog`). Contests and control changes take their incident's columns
 * from the row the statement before filed, rather than reading the instants again.
 */
const FROM_LOG: readonly string[] = [
  `INSERT INTO actors (id, name, name_ar, side, kind, recorded_at_ms, event_id, log_position)
   SELECT ${field('actorId')}, ${field('name')}, ${field('nameAr')}, ${field('side')}, ${field('kind')}, ${RECORDED_AT_MS}, e.event_id, e.position
   ${fromWindow({ ActorRegistered: notTexts(['actorId', 'name', 'nameAr', 'side', 'kind']) }, { filesRecordedAtMs: true })}
   ORDER BY e.position
   ON CONFLICT (id) DO NOTHING`,
  `INSERT INTO neighbourhoods (id, name, name_ar, city, country, control_as_of, control_as_of_ms, recorded_at_ms, event_id, log_position)
   SELECT ${field('neighbourhoodId')}, ${field('name')}, ${field('nameAr')}, ${field('city')}, ${field('country')}, ${field('controlAsOf')},
          ${instantMsSql(field('controlAsOf'))}, ${RECORDED_AT_MS}, e.event_id, e.position
   ${fromWindow(
     {
       NeighbourhoodRegistered: [...notTexts(['neighbourhoodId', 'name', 'nameAr', 'city', 'country']), notList('positions')],
       PositionsAdded: [notText('neighbourhoodId'), notList('positions')],
     },
     { filed: ['NeighbourhoodRegistered'] },
   )}
   ORDER BY e.position
   ON CONFLICT (id) DO NOTHING`,
  `INSERT INTO positions (neighbourhood_id, id, name, name_ar, kind, weight, lon, lat, baseline_controller, recorded_at_ms, event_id, log_position, ordinal)
   SELECT ${field('neighbourhoodId')}, ${field('id', 'item.value')}, ${field('name', 'item.value')}, ${field('nameAr', 'item.value')},
          ${field('kind', 'item.value')}, ${field('weight', 'item.value')}, ${field('coordinates[0]', 'item.value')},
          ${field('coordinates[1]', 'item.value')}, ${field('controller', 'item.value')}, ${RECORDED_AT_MS}, e.event_id, e.position, item.key
   FROM log.events AS e, json_each(e.data, '$.positions') AS item
   WHERE ${inWindow(['NeighbourhoodRegistered', 'PositionsAdded'])} AND ${refusingItems(POSITION_SHAPE)}
   ORDER BY e.position, item.key
   ON CONFLICT (neighbourhood_id, id) DO NOTHING`,
  `INSERT INTO incidents (event_id, neighbourhood_id, type, occurred_at, occurred_at_ms, log_position, recorded_at_ms)
   SELECT e.event_id, ${field('neighbourhoodId')}, e.type, ${OCCURRED_AT}, ${instantMsSql(OCCURRED_AT)}, e.position, ${RECORDED_AT_MS}
   ${fromWindow({
     AttackLaunched: [...incidentShape, notList('targets')],
     CounterattackLaunched: [...incidentShape, notList('targets')],
     PositionCaptured: [...incidentShape, notText('by'), notList('positions')],
     ForcesRetreated: [...incidentShape, notText('by'), notText('yieldedTo'), notList('positions')],
     CasualtiesReported: incidentShape,
   }, { filesRecordedAtMs: true })}
   ORDER BY e.position
   ON CONFLICT (log_position) DO NOTHING`,
  `INSERT INTO contests (event_id, position_id, neighbourhood_id, type, occurred_at, occurred_at_ms, log_position, recorded_at_ms)
   SELECT e.event_id, item.value, i.neighbourhood_id, e.type, i.occurred_at, i.occurred_at_ms, e.position, i.recorded_at_ms
   FROM log.events AS e JOIN incidents AS i ON i.log_position = e.position, json_each(e.data, '$.targets') AS item
   WHERE ${inWindow(['AttackLaunched', 'CounterattackLaunched'])} AND ${refusingItems([NOT_TEXT_ITEM])}
   ORDER BY e.position, item.key
   ON CONFLICT (log_position, position_id) DO NOTHING`,
  `INSERT INTO control_changes (event_id, position_id, neighbourhood_id, type, actor, controller, occurred_at, occurred_at_ms, log_position, recorded_at_ms)
   SELECT e.event_id, item.value, i.neighbourhood_id, e.type, ${field('by')},
          CASE e.type WHEN 'PositionCaptured' THEN ${field('by')} ELSE ${field('yieldedTo')} END,
          i.occurred_at, i.occurred_at_ms, e.position, i.recorded_at_ms
   FROM log.events AS e JOIN incidents AS i ON i.log_position = e.position, json_each(e.data, '$.positions') AS item
   WHERE ${inWindow(['PositionCaptured', 'ForcesRetreated'])} AND ${refusingItems([NOT_TEXT_ITEM])}
   ORDER BY e.position, item.key
   ON CONFLICT (log_position, position_id) DO NOTHING`,
  `INSERT INTO retractions (event_id, neighbourhood_id, retraction_event_id, reason, recorded_at_ms, log_position)
   SELECT ${field('eventId')}, ${field('neighbourhoodId')}, e.event_id, ${field('reason')}, ${RECORDED_AT_MS}, e.position
   ${fromWindow({ ReportRetracted: notTexts(['neighbourhoodId', 'eventId', 'reason']) }, { filesRecordedAtMs: true })}
   ORDER BY e.position
   ON CONFLICT (event_id) DO NOTHING`,
];

export const neighbourhoodControlProjection: ProjectionDefinition = {
  name: NEIGHBOURHOOD_CONTROL,
  version: 1,
  layout: 1,
  tables: ['neighbourhoods', 'positions', 'control_changes', 'contests', 'incidents', 'retractions', 'actors'],
  schema: SCHEMA,
  indexes: INDEXES,
  handlers,
  fromLog: FROM_LOG,
};
