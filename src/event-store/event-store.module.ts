import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import type { EventStore } from './event-store.port.js';
import { SqliteEventStore } from './sqlite/sqlite-event-store.js';

/** Injection token of the configured `EventStore` adapter. */
export const EVENT_STORE = Symbol('EventStore');

export async function openEventStore(config: AppConfig): Promise<EventStore> {
  switch (config.eventStore) {
    case 'sqlite':
      return SqliteEventStore.openInDirectory(config.dataDir);
    case 'kurrentdb':
      throw new Error('event store kurrentdb: this build has no KurrentDB adapter yet; use EVENT_STORE=sqlite');
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
