import { type ReadModelDeclaration, type RowMapping, type Value, coalesce, constant, data, event, item } from '../../projections/read-model.js';

export const NEIGHBOURHOOD_TIMELINE = 'neighbourhood-timeline';

/**
 * Every report of every neighbourhood in (occurred_at_ms, log_position) order, with its data as
 * recorded (protected sources included: redaction happens per caller, at query time), the actors
 * it names, its assessments and its retraction. Retracted and refuted reports stay: the timeline
 * shows what was claimed, and what became of it.
 */
const SCHEMA = `
  CREATE TABLE neighbourhoods (
    id TEXT PRIMARY KEY,
    city TEXT NOT NULL,
    recorded_at_ms INTEGER NOT NULL,
    event_id TEXT NOT NULL,
    log_position INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE reports (
    log_position INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL,
    neighbourhood_id TEXT NOT NULL,
    type TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    occurred_at_ms INTEGER NOT NULL,
    time_precision TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    recorded_at_ms INTEGER NOT NULL,
    reported_at TEXT NOT NULL,
    reported_at_ms INTEGER NOT NULL,
    standing TEXT NOT NULL,
    data TEXT NOT NULL
  ) STRICT;

  -- Every actor a report names, in any role: for the actor= filter.
  CREATE TABLE report_actors (
    log_position INTEGER NOT NULL,
    actor TEXT NOT NULL,
    PRIMARY KEY (log_position, actor)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE retractions (
    event_id TEXT PRIMARY KEY,
    neighbourhood_id TEXT NOT NULL,
    retraction_event_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    recorded_at_ms INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE assessments (
    log_position INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL,
    neighbourhood_id TEXT NOT NULL,
    status TEXT NOT NULL,
    standing TEXT NOT NULL,
    reason TEXT NOT NULL,
    promoted INTEGER,
    corroborates TEXT,
    recorded_at TEXT NOT NULL,
    recorded_at_ms INTEGER NOT NULL,
    recorded_by TEXT
  ) STRICT;
  CREATE INDEX assessments_of_report ON assessments (event_id, log_position);

  -- The figures of every casualty report, for sums per actor.
  CREATE TABLE casualties (
    log_position INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL,
    neighbourhood_id TEXT NOT NULL,
    actor TEXT,
    occurred_at_ms INTEGER NOT NULL,
    recorded_at_ms INTEGER NOT NULL,
    killed_low REAL,
    killed_best REAL,
    killed_high REAL,
    wounded_low REAL,
    wounded_best REAL,
    wounded_high REAL
  ) STRICT;
`;

/** The indexes queries read the timeline through; a generation built from scratch creates them once caught up. */
const INDEXES = `
  CREATE INDEX reports_in_time ON reports (neighbourhood_id, occurred_at_ms, log_position);
  CREATE INDEX reports_of_type_in_time ON reports (neighbourhood_id, type, occurred_at_ms, log_position);
  CREATE INDEX reports_everywhere_in_time ON reports (occurred_at_ms, log_position);
  CREATE INDEX reports_by_event ON reports (event_id);
  CREATE INDEX report_actors_by_actor ON report_actors (actor, log_position);
  CREATE INDEX casualties_in_time ON casualties (neighbourhood_id, occurred_at_ms);
`;

const recordedAt = event.metadataText('recordedAt');

/** Reports recorded before claims existed carry no standing (they were accepted) and no reportedAt (recordedAt stands in). */
const report = (standing: Value): RowMapping => ({
  into: 'reports',
  columns: {
    log_position: event.position,
    event_id: event.id,
    neighbourhood_id: data.text('neighbourhoodId'),
    type: event.type,
    occurred_at: data.text('occurredAt'),
    occurred_at_ms: data.instantMs('occurredAt'),
    time_precision: data.text('timePrecision'),
    recorded_at: recordedAt,
    recorded_at_ms: event.recordedAtMs,
    reported_at: coalesce(data.text('reportedAt'), recordedAt),
    reported_at_ms: coalesce(data.instantMs('reportedAt'), event.recordedAtMs),
    standing,
    data: event.dataText,
  },
  key: ['log_position'],
});

const incident = report(constant('accepted'));
const claim = report(coalesce(data.text('standing'), constant('accepted')));

/** The actor at this path of the data, when there is one. */
const actorAt = (path: string): RowMapping => ({
  into: 'report_actors',
  columns: { log_position: event.position, actor: data.text(path) },
  key: ['log_position', 'actor'],
  unlessNull: ['actor'],
});
/** One mapping shared by the three event types that name `by`: the log is filed by one statement per mapping. */
const byActor = actorAt('by');

/** Every actor of the list (or of the object's values) at this path. */
const actorsIn = (path: string, container: 'array' | 'object' = 'array'): RowMapping => ({
  into: 'report_actors',
  each: { path, items: 'text', container, optional: true },
  columns: { log_position: event.position, actor: item.text() },
  key: ['log_position', 'actor'],
  unlessNull: ['actor'],
});

const casualties: RowMapping = {
  into: 'casualties',
  columns: {
    log_position: event.position,
    event_id: event.id,
    neighbourhood_id: data.text('neighbourhoodId'),
    actor: data.text('actor'),
    occurred_at_ms: data.instantMs('occurredAt'),
    recorded_at_ms: event.recordedAtMs,
    killed_low: data.number('killed.low'),
    killed_best: data.number('killed.best'),
    killed_high: data.number('killed.high'),
    wounded_low: data.number('wounded.low'),
    wounded_best: data.number('wounded.best'),
    wounded_high: data.number('wounded.high'),
  },
  key: ['log_position'],
};

export const neighbourhoodTimelineReadModel: ReadModelDeclaration = {
  name: NEIGHBOURHOOD_TIMELINE,
  version: 3,
  tables: ['neighbourhoods', 'reports', 'report_actors', 'retractions', 'assessments', 'casualties'],
  schema: SCHEMA,
  indexes: INDEXES,
  events: {
    ActorRegistered: 'ignored',
    NeighbourhoodRegistered: [
      {
        into: 'neighbourhoods',
        columns: {
          id: data.text('neighbourhoodId'),
          city: data.text('city'),
          recorded_at_ms: event.recordedAtMs,
          event_id: event.id,
          log_position: event.position,
        },
        key: ['id'],
      },
    ],
    PositionsAdded: 'ignored',
    AttackLaunched: [incident, actorsIn('attackers'), actorsIn('defenders')],
    PositionCaptured: [claim, byActor, actorsIn('from', 'object')],
    CounterattackLaunched: [incident, byActor, actorAt('against')],
    ForcesRetreated: [claim, byActor, actorAt('yieldedTo')],
    CasualtiesReported: [incident, actorAt('actor'), casualties],
    // The first retraction of an incident is the one that counts; the decider refuses a second.
    ReportRetracted: [
      {
        into: 'retractions',
        columns: {
          event_id: data.text('eventId'),
          neighbourhood_id: data.text('neighbourhoodId'),
          retraction_event_id: event.id,
          reason: data.text('reason'),
          recorded_at: recordedAt,
          recorded_at_ms: event.recordedAtMs,
        },
        key: ['event_id'],
      },
    ],
    ReportAssessed: [
      {
        into: 'assessments',
        columns: {
          log_position: event.position,
          event_id: data.text('eventId'),
          neighbourhood_id: data.text('neighbourhoodId'),
          status: data.text('status'),
          standing: data.text('standing'),
          reason: data.text('reason'),
          promoted: data.boolean('promoted'),
          corroborates: data.json('corroborates'),
          recorded_at: recordedAt,
          recorded_at_ms: event.recordedAtMs,
          recorded_by: event.metadataText('recordedBy'),
        },
        key: ['log_position'],
      },
    ],
  },
};
