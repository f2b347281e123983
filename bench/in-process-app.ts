import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { CommandBus } from '@nestjs/cqrs';
import type { AddressInfo } from 'node:net';
import { AppModule } from '../src/app.module.js';
import { loadConfig } from '../src/config/app-config.js';
import { APP_CONFIG } from '../src/config/config.module.js';
import { EVENT_STORE } from '../src/event-store/index.js';
import { SqliteEventStore } from '../src/event-store/sqlite/sqlite-event-store.js';
import { configureHttpApp, createHttpAdapter } from '../src/http/http-app.js';
import { ProjectionEngine } from '../src/projections/projection-engine.js';

export const BENCH_KEYS = {
  writer: 'bench-writer-key-0123456789',
  analyst: 'bench-analyst-key-0123456789',
  admin: 'bench-admin-key-0123456789',
} as const;

export const BENCH_API_KEYS_ENV = `writer:${BENCH_KEYS.writer},analyst:${BENCH_KEYS.analyst},admin:${BENCH_KEYS.admin}`;

export interface InProcessApp {
  readonly url: string;
  readonly bus: CommandBus;
  readonly projections: ProjectionEngine;
  /** Appends per group commit, in order, since the app started (or since the last reset). */
  readonly groupSizes: number[];
  stop(): Promise<void>;
}

/**
 * The real application (AppModule, the real HTTP layer, the real event store and projections)
 * in this process, on a loopback port: as test/e2e/app-harness.ts boots it. The event store is
 * the production adapter, opened exactly as EventStoreModule opens it, plus a hook that counts
 * how many appends each group commit carried.
 */
export async function startInProcessApp(dataDir: string): Promise<InProcessApp> {
  const config = loadConfig({ TIMELINE_DATA_DIR: dataDir, TIMELINE_API_KEYS: BENCH_API_KEYS_ENV, TIMELINE_RATE_LIMIT_PER_SECOND: '0' });
  const groupSizes: number[] = [];
  const store = SqliteEventStore.openInDirectory(config.dataDir, { onGroupCommitted: (appends) => groupSizes.push(appends) });
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
    .overrideProvider(APP_CONFIG)
    .useValue(config)
    .overrideProvider(EVENT_STORE)
    .useValue(store)
    .compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(createHttpAdapter(), { logger: false });
  configureHttpApp(app, config, { shutdownHooks: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    bus: app.get(CommandBus),
    projections: app.get(ProjectionEngine),
    groupSizes,
    stop: () => app.close(),
  };
}
