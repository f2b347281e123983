import { describeClientError } from './client-error.mapping.js';
import { describeConnectionTarget } from './connection-string.js';
import { KurrentDbEventStore, type KurrentDbEventStoreOptions } from './kurrentdb-event-store.js';

/** The configured event store cannot be used; the message names it and says why, in one line. */
export class EventStoreUnavailable extends Error {
  override readonly name = 'EventStoreUnavailable';
}

/** Start-up must fail within 15 s (API.md); this leaves the rest of start-up most of that. */
export const KURRENTDB_STARTUP_PING_TIMEOUT_MS = 5_000;

/**
 * Connects and pings once with a deadline, so that a server that is down, unreachable or
 * misconfigured fails start-up at once with a reason, instead of on the first request.
 */
export async function openKurrentDbEventStore(
  connectionString: string,
  options: Omit<KurrentDbEventStoreOptions, 'target'> = {},
): Promise<KurrentDbEventStore> {
  const target = describeConnectionTarget(connectionString);
  let store: KurrentDbEventStore;
  try {
    store = KurrentDbEventStore.connect(connectionString, {
      pingTimeoutMs: KURRENTDB_STARTUP_PING_TIMEOUT_MS,
      ...options,
    });
  } catch (error) {
    throw new EventStoreUnavailable(`event store kurrentdb: ${describeClientError(error)}`);
  }
  try {
    await store.ping();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw new EventStoreUnavailable(`event store kurrentdb at ${target}: unreachable (${describeClientError(error)})`);
  }
  return store;
}
