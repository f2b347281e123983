import type Database from 'better-sqlite3';
import type { ProjectionDefinition, ProjectionHandlers } from '../projection.js';

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

function handlers(db: Database.Database): ProjectionHandlers {
  const insertActor = db.prepare(
    `INSERT INTO actors (id, name, name_ar, side, kind, recorded_at, event_id, log_position)
     VALUES (@id, @name, @nameAr, @side, @kind, @recordedAt, @eventId, @logPosition)
     ON CONFLICT (id) DO NOTHING`,
  );
  return {
    ActorRegistered: (event) =>
      insertActor.run({
        id: event.data.actorId,
        name: event.data.name,
        nameAr: event.data.nameAr ?? null,
        side: event.data.side,
        kind: event.data.kind ?? null,
        recordedAt: event.recordedAt,
        eventId: event.eventId,
        logPosition: event.position,
      }),
  };
}

export const actorsProjection: ProjectionDefinition = {
  name: ACTORS,
  version: 1,
  tables: ['actors'],
  schema: SCHEMA,
  handlers,
};
