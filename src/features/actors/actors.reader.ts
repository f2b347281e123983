import type Database from 'better-sqlite3';

export interface ActorListing {
  readonly id: string;
  readonly name: string;
  readonly nameAr: string | null;
  readonly side: string;
  readonly kind: string | null;
}

const statementsByDb = new WeakMap<Database.Database, Database.Statement<[{ afterId: string; limit: number }], ActorListing>>();

/** Registered actors by id, after `afterId`: a page of at most `limit`. */
export function listActors(db: Database.Database, afterId: string, limit: number): ActorListing[] {
  let statement = statementsByDb.get(db);
  if (statement === undefined) {
    statement = db.prepare('SELECT id, name, name_ar AS nameAr, side, kind FROM actors WHERE id > @afterId ORDER BY id LIMIT @limit');
    statementsByDb.set(db, statement);
  }
  return statement.all({ afterId, limit });
}
