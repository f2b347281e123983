export * from './event-store.port.js';
export * from './sqlite/sqlite-event-store.js';
export { KurrentDbEventStore, type KurrentDbClient, type KurrentDbEventStoreOptions } from './kurrentdb/kurrentdb-event-store.js';
export {
  EventStoreUnavailable,
  KURRENTDB_STARTUP_PING_TIMEOUT_MS,
  openKurrentDbEventStore,
} from './kurrentdb/open-kurrentdb-event-store.js';
export { describeConnectionTarget } from './kurrentdb/connection-string.js';
