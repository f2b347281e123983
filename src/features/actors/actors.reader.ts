import type Database from 'better-sqlite3';

export interface ActorListing {
  readonly id: string;
  readonly name: string;
  readonly nameAr: string | null;
  readonly side: string;
  readonly kind: string | null;
}

/** Every registered actor, by id. */
export function listActors(db: Database.Database): ActorListing[] {
  return db.prepare<[], ActorListing>('SELECT id, name, name_ar AS nameAr, side, kind FROM actors ORDER BY id').all();
}
