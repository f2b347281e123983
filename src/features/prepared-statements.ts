import type Database from 'better-sqlite3';

/**
 * `prepare` run once per read-model connection, its result kept for as long as the connection
 * lives: a reader is made per query, its statements are not.
 */
export function perConnection<T>(prepare: (db: Database.Database) => T): (db: Database.Database) => T {
  const byConnection = new WeakMap<Database.Database, T>();
  return (db) => {
    let prepared = byConnection.get(db);
    if (prepared === undefined) {
      prepared = prepare(db);
      byConnection.set(db, prepared);
    }
    return prepared;
  };
}
