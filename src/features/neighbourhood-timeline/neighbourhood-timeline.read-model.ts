import { type ReadModelDeclaration, type RowMapping, data, event } from '../../projections/read-model.js';

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

const incident: RowMapping = {
  into: 'incident_reports',
  columns: {
    event_id: event.id,
    neighbourhood_id: data.text('neighbourhoodId'),
    type: event.type,
    occurred_at: data.text('occurredAt'),
    occurred_at_ms: data.instantMs('occurredAt'),
    time_precision: data.text('timePrecision'),
    recorded_at: event.metadataText('recordedAt'),
    log_position: event.position,
    data: event.dataText,
  },
  key: ['log_position'],
};

export const neighbourhoodTimelineReadModel: ReadModelDeclaration = {
  name: NEIGHBOURHOOD_TIMELINE,
  version: 1,
  layout: 1,
  tables: ['neighbourhoods', 'incident_reports', 'retractions', 'incidents'],
  schema: SCHEMA,
  indexes: INDEXES,
  events: {
    ActorRegistered: 'ignored',
    NeighbourhoodRegistered: [
      {
        into: 'neighbourhoods',
        columns: { id: data.text('neighbourhoodId'), recorded_at_ms: event.recordedAtMs, event_id: event.id, log_position: event.position },
        key: ['id'],
      },
    ],
    PositionsAdded: 'ignored',
    AttackLaunched: [incident],
    PositionCaptured: [incident],
    CounterattackLaunched: [incident],
    ForcesRetreated: [incident],
    CasualtiesReported: [incident],
    // The first retraction of an incident is the one that counts; the decider refuses a second.
    ReportRetracted: [
      {
        into: 'retractions',
        columns: {
          event_id: data.text('eventId'),
          neighbourhood_id: data.text('neighbourhoodId'),
          retraction_event_id: event.id,
          reason: data.text('reason'),
          recorded_at: event.metadataText('recordedAt'),
        },
        key: ['event_id'],
      },
    ],
  },
};
