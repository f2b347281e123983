import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { EventStore } from './event-store.port.js';
import { describeConnectionTarget } from './kurrentdb/connection-string.js';
import { EventStoreUnavailable, openKurrentDbEventStore } from './kurrentdb/open-kurrentdb-event-store.js';
import { SQLITE_EVENT_STORE_FILE_NAME, SqliteEventStore } from './sqlite/sqlite-event-store.js';

/**
 * The one place that picks and opens an adapter: the server's module and the copy-events CLI
 * both come here, and nothing else in src/ names an adapter.
 */

export { EventStoreUnavailable };

export type EventStoreAddress =
  | { readonly kind: 'sqlite'; readonly dataDir: string }
  | { readonly kind: 'kurrentdb'; readonly connectionString: string };

/**
 * Opens the store at `address`. A KurrentDB server that does not answer within a few seconds
 * rejects with `EventStoreUnavailable`, so that start-up fails fast and says why. The embedded
 * store is created in its directory when missing.
 */
export async function openEventStoreAt(address: EventStoreAddress): Promise<EventStore> {
  switch (address.kind) {
    case 'sqlite':
      return SqliteEventStore.openInDirectory(address.dataDir);
    case 'kurrentdb':
      return openKurrentDbEventStore(address.connectionString);
    default: {
      const unknown: never = address;
      return unknown;
    }
  }
}

/** The embedded store's file inside a data directory. */
export function embeddedStoreFile(dataDir: string): string {
  return join(dataDir, SQLITE_EVENT_STORE_FILE_NAME);
}

export function embeddedStoreExists(dataDir: string): boolean {
  return existsSync(embeddedStoreFile(dataDir));
}

/** Host and port of a KurrentDB connection string, never its credentials. */
export function describeKurrentDbTarget(connectionString: string): string {
  return describeConnectionTarget(connectionString);
}
