import { type BeforeApplicationShutdown, Logger, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { join } from 'node:path';
import { CLOCK, systemClock } from '../application/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { EVENT_STORE } from '../event-store/event-store.module.js';
import type { EventStore } from '../event-store/index.js';
import { SqliteEventStore } from '../event-store/sqlite/sqlite-event-store.js';
import { ActorHoldingsController } from '../features/actor-holdings/actor-holdings.controller.js';
import { ActorHoldingsHandler } from '../features/actor-holdings/actor-holdings.handler.js';
import { ControlGeoJsonController } from '../features/control-geojson/control-geojson.controller.js';
import { ControlGeoJsonHandler } from '../features/control-geojson/control-geojson.handler.js';
import { ListActorsController } from '../features/list-actors/list-actors.controller.js';
import { ListActorsHandler } from '../features/list-actors/list-actors.handler.js';
import { ListNeighbourhoodsController } from '../features/list-neighbourhoods/list-neighbourhoods.controller.js';
import { ListNeighbourhoodsHandler } from '../features/list-neighbourhoods/list-neighbourhoods.handler.js';
import { NeighbourhoodControlController } from '../features/neighbourhood-control/neighbourhood-control.controller.js';
import { NeighbourhoodControlHandler } from '../features/neighbourhood-control/neighbourhood-control.handler.js';
import { NeighbourhoodTimelineController } from '../features/neighbourhood-timeline/neighbourhood-timeline.controller.js';
import { NeighbourhoodTimelineHandler } from '../features/neighbourhood-timeline/neighbourhood-timeline.handler.js';
import { ProjectionsAdminController } from '../features/projections-admin/projections-admin.controller.js';
import { ListProjectionsHandler, RebuildProjectionHandler } from '../features/projections-admin/projections-admin.handler.js';
import { PROJECTIONS } from './projection-definitions.js';
import { ProjectionEngine } from './projection-engine.js';
import { defaultReadModelWriters } from './read-model-writers.js';

export { PROJECTIONS };

/** The directory under the data directory that holds the read models. */
export const READ_MODELS_DIRECTORY = 'read-models';

/**
 * The read side: projections fed from the durable log, and every query endpoint over them.
 * Needs the global EVENT_STORE and APP_CONFIG. Exports ProjectionEngine (for /health:
 * `readModelsHealth()`).
 */
@Module({
  imports: [CqrsModule],
  controllers: [
    ListNeighbourhoodsController,
    NeighbourhoodControlController,
    ControlGeoJsonController,
    NeighbourhoodTimelineController,
    ListActorsController,
    ActorHoldingsController,
    ProjectionsAdminController,
  ],
  providers: [
    {
      provide: ProjectionEngine,
      inject: [EVENT_STORE, APP_CONFIG],
      useFactory: (store: EventStore, config: AppConfig) =>
        new ProjectionEngine(store, PROJECTIONS, {
          directory: join(config.dataDir, READ_MODELS_DIRECTORY),
          writers: defaultReadModelWriters({
            ...(store instanceof SqliteEventStore && { eventStoreFile: store.filePath }),
            onFallback: (projection, reason) => new Logger('Projections').warn(`projection ${projection}: ${reason}`),
          }),
        }),
    },
    { provide: CLOCK, useValue: systemClock },
    ListNeighbourhoodsHandler,
    NeighbourhoodControlHandler,
    ControlGeoJsonHandler,
    NeighbourhoodTimelineHandler,
    ListActorsHandler,
    ActorHoldingsHandler,
    ListProjectionsHandler,
    RebuildProjectionHandler,
  ],
  exports: [ProjectionEngine],
})
export class ProjectionsModule implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(private readonly engine: ProjectionEngine) {}

  /** Opens the read models and starts following the log; catching up happens in the background. */
  onModuleInit(): Promise<void> {
    return this.engine.start();
  }

  /** Before the event store closes (in onApplicationShutdown): the batch in hand is committed. */
  beforeApplicationShutdown(): Promise<void> {
    return this.engine.stop();
  }

  /** After the HTTP server has closed: no read is in flight any more. */
  onApplicationShutdown(): Promise<void> {
    return this.engine.close();
  }
}
