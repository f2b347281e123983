import type Database from 'better-sqlite3';
import { perConnection } from '../prepared-statements.js';

export interface ActorListing {
  readonly id: string;
  readonly name: string;
  readonly nameAr: string | null;
  readonly side: string;
  readonly kind: string | null;
}

const listing = perConnection((db) =>
  db.prepare<[{ afterId: string; limit: number }], ActorListing>('SELECT id, name, name_ar AS nameAr, side, kind FROM actors WHERE id > @afterId ORDER BY id LIMIT @limit'),
);

/** Registered actors by id, after `afterId`: a page of at most `limit`. */
export function listActors(db: Database.Database, afterId: string, limit: number): ActorListing[] {
  return listing(db).all({ afterId, limit });
}
