import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { EVENT_STORE, type EventStore } from './event-store.port.js';
import { EventStoreUnavailable, openEventStoreAt } from './open-event-store.js';

/** The configured adapter, ready to use (see `openEventStoreAt`). */
export async function openEventStore(config: AppConfig): Promise<EventStore> {
  switch (config.eventStore) {
    case 'sqlite':
      return openEventStoreAt({ kind: 'sqlite', dataDir: config.dataDir });
    case 'kurrentdb':
      if (config.kurrentDbConnectionString === undefined) {
        throw new EventStoreUnavailable('event store kurrentdb: KURRENTDB_CONNECTION_STRING is not set');
      }
      return openEventStoreAt({ kind: 'kurrentdb', connectionString: config.kurrentDbConnectionString });
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
