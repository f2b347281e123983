import type Database from 'better-sqlite3';
import { INCIDENT_TYPES, type IncidentEvent } from '../../domain/index.js';
import { RECORDED_AT, RECORDED_AT_MS, field, fromWindow, instantMsSql, notTexts } from '../log-window-sql.js';
import { type ProjectedEvent, type ProjectionDefinition, type ProjectionHandlers, instantMs } from '../projection.js';

export const NEIGHBOURHOOD_TIMELINE = 'neighbourhood-timeline';

/**
 * Every incident of a neighbourhood in (occurred_at_ms, log_position) order, with its data as
 * recorded (protected sources included: redaction happens per caller, at query time) and the
 * retraction that withdrew it, if any. Retracted incidents stay: the timeline shows what was
 * claimed and that it was withdrawn.
 *
 * Layout 1: reports are keyed by log position, so that each insert appends to the table's
 * b-tree, and retractions are rows of their own. The `incidents` view joins them back into
 * the shape layout 0 stored (one row per incident, with its retraction's columns), which is
 * what queries read. Layout 0 found the incident to mark retracted through a unique index on
 * its event id: one random page per event, and every batch rewrote most of that index.
 */
const SCHEMA = `
  CREATE TABLE neighbourhoods (
    id TEXT PRIMARY KEY,
    recorded_at_ms INTEGER NOT NULL,
    event_id TEXT NOT NULL,
    log_position INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE incident_reports (
    event_id TEXT NOT NULL,
    neighbourhood_id TEXT NOT NULL,
    type TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    occurred_at_ms INTEGER NOT NULL,
    time_precision TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    log_position INTEGER PRIMARY KEY,
    data TEXT NOT NULL
  ) STRICT;

  CREATE TABLE retractions (
    event_id TEXT PRIMARY KEY,
    neighbourhood_id TEXT NOT NULL,
    retraction_event_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    recorded_at TEXT NOT NULL
  ) STRICT;

  CREATE VIEW incidents AS
    SELECT r.event_id, r.neighbourhood_id, r.type, r.occurred_at, r.occurred_at_ms, r.time_precision, r.recorded_at,
           r.log_position, r.data,
           x.retraction_event_id, x.reason AS retraction_reason, x.recorded_at AS retraction_recorded_at
    FROM incident_reports AS r
    LEFT JOIN retractions AS x ON x.event_id = r.event_id AND x.neighbourhood_id = r.neighbourhood_id;
`;

/** The indexes queries read the timeline through; a generation built from scratch creates them once caught up. */
const INDEXES = `
  CREATE INDEX incidents_in_time ON incident_reports (neighbourhood_id, occurred_at_ms, log_position);
  CREATE INDEX incidents_by_type_in_time ON incident_reports (neighbourhood_id, type, occurred_at_ms, log_position);
`;

function handlers(db: Database.Database): ProjectionHandlers {
  // Positional parameters: binding by name costs a lookup per parameter, per row.
  const insertNeighbourhood = db.prepare<[string, number, string, number]>(
    `INSERT INTO neighbourhoods (id, recorded_at_ms, event_id, log_position)
     VALUES (?, ?, ?, ?)
     ON CONFLICT (id) DO NOTHING`,
  );
  const insertReport = db.prepare<[string, string, string, string, number, string, string, number, string]>(
    `INSERT INTO incident_reports (event_id, neighbourhood_id, type, occurred_at, occurred_at_ms, time_precision, recorded_at, log_position, data)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (log_position) DO NOTHING`,
  );
  // The first retraction of an incident is the one that counts; the decider refuses a second.
  const insertRetraction = db.prepare<[string, string, string, string, string]>(
    `INSERT INTO retractions (event_id, neighbourhood_id, retraction_event_id, reason, recorded_at)
     VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (event_id) DO NOTHING`,
  );

  const incident = (event: ProjectedEvent<IncidentEvent>): void => {
    const { data } = event;
    insertReport.run(
      event.eventId,
      data.neighbourhoodId,
      event.type,
      data.occurredAt,
      instantMs(data.occurredAt, 'occurredAt', event.eventId),
      data.timePrecision,
      event.recordedAt,
      event.position,
      // The stored text is this very JSON value: serialising the parsed copy again cost a
      // quarter of a rebuild's time on this model's thread.
      event.dataJson ?? JSON.stringify(data),
    );
  };

  return {
    NeighbourhoodRegistered: (event) => insertNeighbourhood.run(event.data.neighbourhoodId, event.recordedAtMs, event.eventId, event.position),
    AttackLaunched: incident,
    PositionCaptured: incident,
    CounterattackLaunched: incident,
    ForcesRetreated: incident,
    CasualtiesReported: incident,
    ReportRetracted: (event) => {
      insertRetraction.run(event.data.eventId, event.data.neighbourhoodId, event.eventId, event.data.reason, event.recordedAt);
    },
  };
}

// occurredAt needs no check: instant_ms takes strings only, and occurred_at_ms is NOT NULL.
const INCIDENT_SHAPE = notTexts(['neighbourhoodId', 'timePrecision']);

/** The handlers above, as SQL over a window of the embedded store's log (see `ProjectionDefinition.fromLog`). */
const FROM_LOG: readonly string[] = [
  `INSERT INTO neighbourhoods (id, recorded_at_ms, event_id, log_position)
   SELECT ${field('neighbourhoodId')}, ${RECORDED_AT_MS}, e.event_id, e.position
   ${fromWindow({ NeighbourhoodRegistered: notTexts(['neighbourhoodId']) })}
   ORDER BY e.position
   ON CONFLICT (id) DO NOTHING`,
  // The stored data is the log's text itself, as the handler stores it.
  `INSERT INTO incident_reports (event_id, neighbourhood_id, type, occurred_at, occurred_at_ms, time_precision, recorded_at, log_position, data)
   SELECT e.event_id, ${field('neighbourhoodId')}, e.type, ${field('occurredAt')}, ${instantMsSql(field('occurredAt'))}, ${field('timePrecision')},
          ${RECORDED_AT}, e.position, e.data
   ${fromWindow(Object.fromEntries(INCIDENT_TYPES.map((type) => [type, INCIDENT_SHAPE])))}
   ORDER BY e.position
   ON CONFLICT (log_position) DO NOTHING`,
  `INSERT INTO retractions (event_id, neighbourhood_id, retraction_event_id, reason, recorded_at)
   SELECT ${field('eventId')}, ${field('neighbourhoodId')}, e.event_id, ${field('reason')}, ${RECORDED_AT}
   ${fromWindow({ ReportRetracted: notTexts(['neighbourhoodId', 'eventId', 'reason']) })}
   ORDER BY e.position
   ON CONFLICT (event_id) DO NOTHING`,
];

export const neighbourhoodTimelineProjection: ProjectionDefinition = {
  name: NEIGHBOURHOOD_TIMELINE,
  version: 1,
  layout: 1,
  tables: ['neighbourhoods', 'incident_reports', 'retractions', 'incidents'],
  schema: SCHEMA,
  indexes: INDEXES,
  handlers,
  fromLog: FROM_LOG,
};
