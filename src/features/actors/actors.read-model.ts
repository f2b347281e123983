import { type ReadModelDeclaration, data, event } from '../../projections/read-model.js';

export const ACTORS = 'actors';

/** The actor registry, for listing. */
const SCHEMA = `
  CREATE TABLE actors (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_ar TEXT,
    side TEXT NOT NULL,
    kind TEXT,
    recorded_at TEXT NOT NULL,
    event_id TEXT NOT NULL,
    log_position INTEGER NOT NULL
  ) STRICT;
`;

export const actorsReadModel: ReadModelDeclaration = {
  name: ACTORS,
  version: 1,
  tables: ['actors'],
  schema: SCHEMA,
  events: {
    WebhookRegistered: 'ignored',
    WebhookDeleted: 'ignored',
    WebhookResumed: 'ignored',
    ActorRegistered: [
      {
        into: 'actors',
        columns: {
          id: data.text('actorId'),
          name: data.text('name'),
          name_ar: data.text('nameAr'),
          side: data.text('side'),
          kind: data.text('kind'),
          recorded_at: event.metadataText('recordedAt'),
          event_id: event.id,
          log_position: event.position,
        },
        key: ['id'],
      },
    ],
    NeighbourhoodRegistered: 'ignored',
    PositionsAdded: 'ignored',
    AttackLaunched: 'ignored',
    PositionCaptured: 'ignored',
    CounterattackLaunched: 'ignored',
    ForcesRetreated: 'ignored',
    CasualtiesReported: 'ignored',
    ReportRetracted: 'ignored',
    ReportAssessed: 'ignored',
  },
};
