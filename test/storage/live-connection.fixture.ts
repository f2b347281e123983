import type Database from 'better-sqlite3';
import type { EventStore } from '../../src/event-store/index.js';

/**
 * The embedded store's own SQLite connection, reached as its private member. A test seam that
 * adds nothing to the class: SQLite applies `max_page_count` to one connection only, so a limit
 * set through a second connection would not limit the store's writes.
 */
export function liveConnectionOf(store: EventStore): Database.Database {
  const db = (store as unknown as { db?: Database.Database }).db;
  if (db === undefined || typeof db.pragma !== 'function') throw new Error(`the ${store.name} store has no SQLite connection of its own`);
  return db;
}

/** The largest page count SQLite allows: no limit in practice. */
const UNLIMITED_PAGES = 0xfffffffe;

/**
 * A disk that fills, on the store's own connection: from `fill()` on, the file cannot grow by a
 * page (SQLite answers SQLITE_FULL, as on a full disk); `free()` gives the room back.
 */
export function pageLimitedDisk(store: EventStore): { fill(): void; free(): void } {
  const db = liveConnectionOf(store);
  return {
    fill: () => {
      const pages = Number(db.pragma('page_count', { simple: true }));
      db.pragma(`max_page_count = ${pages}`);
    },
    free: () => {
      db.pragma(`max_page_count = ${UNLIMITED_PAGES}`);
    },
  };
}
