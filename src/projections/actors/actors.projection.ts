import type Database from 'better-sqlite3';
import { RECORDED_AT, field, fromWindow, notTexts } from '../log-window-sql.js';
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
  const insertActor = db.prepare<[string, string, string | null, string, string | null, string, string, number]>(
    `INSERT INTO actors (id, name, name_ar, side, kind, recorded_at, event_id, log_position)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO NOTHING`,
  );
  return {
    ActorRegistered: (event) =>
      insertActor.run(
        event.data.actorId,
        event.data.name,
        event.data.nameAr ?? null,
        event.data.side,
        event.data.kind ?? null,
        event.recordedAt,
        event.eventId,
        event.position,
      ),
  };
}

export const actorsProjection: ProjectionDefinition = {
  name: ACTORS,
  version: 1,
  tables: ['actors'],
  schema: SCHEMA,
  handlers,
  // The handler above, as SQL over a window of the embedded store's log (see `ProjectionDefinition.fromLog`).
  fromLog: [
    `INSERT INTO actors (id, name, name_ar, side, kind, recorded_at, event_id, log_position)
     SELECT ${field('actorId')}, ${field('name')}, ${field('nameAr')}, ${field('side')}, ${field('kind')}, ${RECORDED_AT}, e.event_id, e.position
     ${fromWindow({ ActorRegistered: notTexts(['actorId', 'name', 'nameAr', 'side', 'kind']) })}
     ORDER BY e.position
     ON CONFLICT (id) DO NOTHING`,
  ],
};
