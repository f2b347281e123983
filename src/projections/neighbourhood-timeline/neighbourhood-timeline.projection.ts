import type Database from 'better-sqlite3';
import type { IncidentEvent } from '../../domain/index.js';
import { type ProjectedEvent, type ProjectionDefinition, type ProjectionHandlers, instantMs } from '../projection.js';

export const NEIGHBOURHOOD_TIMELINE = 'neighbourhood-timeline';

/**
 * Every incident of a neighbourhood in (occurred_at_ms, log_position) order, with its data as
 * recorded (protected sources included: redaction happens per caller, at query time) and the
 * retraction that withdrew it, if any. Retracted incidents stay: the timeline shows what was
 * claimed and that it was withdrawn.
 */
const SCHEMA = `
  CREATE TABLE neighbourhoods (
    id TEXT PRIMARY KEY,
    recorded_at_ms INTEGER NOT NULL,
    event_id TEXT NOT NULL,
    log_position INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE incidents (
    event_id TEXT PRIMARY KEY,
    neighbourhood_id TEXT NOT NULL,
    type TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    occurred_at_ms INTEGER NOT NULL,
    time_precision TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    log_position INTEGER NOT NULL,
    data TEXT NOT NULL,
    retraction_event_id TEXT,
    retraction_reason TEXT,
    retraction_recorded_at TEXT
  ) STRICT;
  CREATE INDEX incidents_in_time ON incidents (neighbourhood_id, occurred_at_ms, log_position);
  CREATE INDEX incidents_by_type_in_time ON incidents (neighbourhood_id, type, occurred_at_ms, log_position);
`;

function handlers(db: Database.Database): ProjectionHandlers {
  const insertNeighbourhood = db.prepare(
    `INSERT INTO neighbourhoods (id, recorded_at_ms, event_id, log_position)
     VALUES (@id, @recordedAtMs, @eventId, @logPosition)
     ON CONFLICT (id) DO NOTHING`,
  );
  const insertIncident = db.prepare(
    `INSERT INTO incidents (event_id, neighbourhood_id, type, occurred_at, occurred_at_ms, time_precision, recorded_at, log_position, data)
     VALUES (@eventId, @neighbourhoodId, @type, @occurredAt, @occurredAtMs, @timePrecision, @recordedAt, @logPosition, @data)
     ON CONFLICT (event_id) DO NOTHING`,
  );
  // Setting the same values again is a no-op, so a replayed retraction changes nothing.
  const markRetracted = db.prepare(
    `UPDATE incidents SET retraction_event_id = @retractionEventId, retraction_reason = @reason, retraction_recorded_at = @recordedAt
     WHERE event_id = @eventId AND neighbourhood_id = @neighbourhoodId`,
  );

  const incident = (event: ProjectedEvent<IncidentEvent>): void => {
    insertIncident.run({
      eventId: event.eventId,
      neighbourhoodId: event.data.neighbourhoodId,
      type: event.type,
      occurredAt: event.data.occurredAt,
      occurredAtMs: instantMs(event.data.occurredAt, `occurredAt of event ${event.eventId}`),
      timePrecision: event.data.timePrecision,
      recordedAt: event.recordedAt,
      logPosition: event.position,
      data: JSON.stringify(event.data),
    });
  };

  return {
    NeighbourhoodRegistered: (event) =>
      insertNeighbourhood.run({
        id: event.data.neighbourhoodId,
        recordedAtMs: event.recordedAtMs,
        eventId: event.eventId,
        logPosition: event.position,
      }),
    AttackLaunched: incident,
    PositionCaptured: incident,
    CounterattackLaunched: incident,
    ForcesRetreated: incident,
    CasualtiesReported: incident,
    ReportRetracted: (event) => {
      markRetracted.run({
        eventId: event.data.eventId,
        neighbourhoodId: event.data.neighbourhoodId,
        retractionEventId: event.eventId,
        reason: event.data.reason,
        recordedAt: event.recordedAt,
      });
    },
  };
}

export const neighbourhoodTimelineProjection: ProjectionDefinition = {
  name: NEIGHBOURHOOD_TIMELINE,
  version: 1,
  tables: ['neighbourhoods', 'incidents'],
  schema: SCHEMA,
  handlers,
};
