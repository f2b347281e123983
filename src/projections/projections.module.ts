import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  Inject,
  Logger,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { join } from 'node:path';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { EVENT_STORE, type EventStore } from '../event-store/index.js';
import { ProjectionEngine } from './projection-engine.js';
import type { ReadModelDeclaration } from './read-model.js';
import { defaultReadModelWriters } from './read-model-writers.js';
import type { WriterThreadModules } from './worker-thread-writer.js';

/** The directory under the data directory that holds the read models. */
export const READ_MODELS_DIRECTORY = 'read-models';

export interface ProjectionsOptions {
  readonly readModels: readonly ReadModelDeclaration[];
  /** The compiled writer-thread modules; without them, or when they are missing, read models are filed on the engine's thread. */
  readonly writerThreads?: WriterThreadModules;
}

/** Injection token of the `ProjectionsOptions` given to `forRoot` (tests override it). */
export const PROJECTIONS_OPTIONS = Symbol('ProjectionsOptions');

/**
 * The read side's engine: the read models given to `forRoot`, fed from the durable log. Needs
 * the global EVENT_STORE and APP_CONFIG; exports ProjectionEngine to every module (the query
 * handlers read through it; /health asks it).
 */
@Module({})
export class ProjectionsModule implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(@Inject(ProjectionEngine) private readonly engine: ProjectionEngine) {}

  static forRoot(options: ProjectionsOptions): DynamicModule {
    return {
      module: ProjectionsModule,
      global: true,
      providers: [
        { provide: PROJECTIONS_OPTIONS, useValue: options },
        {
          provide: ProjectionEngine,
          inject: [EVENT_STORE, APP_CONFIG, PROJECTIONS_OPTIONS],
          useFactory: (store: EventStore, config: AppConfig, given: ProjectionsOptions) =>
            new ProjectionEngine(store, given.readModels, {
              directory: join(config.dataDir, READ_MODELS_DIRECTORY),
              writers: defaultReadModelWriters({
                ...(given.writerThreads !== undefined && { modules: given.writerThreads }),
                ...(store.sqlLog !== undefined && { log: store.sqlLog }),
                onFallback: (projection, reason) => new Logger('Projections').warn(`projection ${projection}: ${reason}`),
              }),
            }),
        },
      ],
      exports: [ProjectionEngine],
    };
  }

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
