import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import type { EventStore } from './event-store.port.js';
import { EventStoreUnavailable, openKurrentDbEventStore } from './kurrentdb/open-kurrentdb-event-store.js';
import { SqliteEventStore } from './sqlite/sqlite-event-store.js';

/** Injection token of the configured `EventStore` adapter. */
export const EVENT_STORE = Symbol('EventStore');

/**
 * The configured adapter, ready to use. A KurrentDB server that does not answer within a few
 * seconds rejects with `EventStoreUnavailable`, so that start-up fails fast and says why.
 */
export async function openEventStore(config: AppConfig): Promise<EventStore> {
  switch (config.eventStore) {
    case 'sqlite':
      return SqliteEventStore.openInDirectory(config.dataDir);
    case 'kurrentdb':
      if (config.kurrentDbConnectionString === undefined) {
        throw new EventStoreUnavailable('event store kurrentdb: KURRENTDB_CONNECTION_STRING is not set');
      }
      return openKurrentDbEventStore(config.kurrentDbConnectionString);
    default: {
      const unknown: never = config.eventStore;
      return unknown;
    }
  }
}

@Global()
@Module({
  providers: [{ provide: EVENT_STORE, inject: [APP_CONFIG], useFactory: openEventStore }],
  exports: [EVENT_STORE],
})
export class EventStoreModule implements OnApplicationShutdown {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
