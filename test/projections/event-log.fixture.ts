import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import {
  type ActorEvent,
  type NeighbourhoodEvent,
  type Source,
  actorStreamId,
  neighbourhoodStreamId,
} from '../../src/domain/index.js';
import type { RecordedEvent } from '../../src/event-store/index.js';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store.js';
import type { ReadModelDeclaration } from '../../src/projections/read-model.js';
import { ProjectionEngine, type ProjectionEngineOptions } from '../../src/projections/projection-engine.js';

/** A temporary data directory with an embedded event store in it. */
export interface TempLog {
  readonly dir: string;
  readonly store: SqliteEventStore;
  readonly log: EventLog;
  dispose(): Promise<void>;
}

export async function openTempLog(prefix = 'projections-'): Promise<TempLog> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const store = SqliteEventStore.openInDirectory(dir);
  return {
    dir,
    store,
    log: new EventLog(store),
    async dispose() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Appends domain events straight to the store, with the `recordedAt` each test chooses: that is
 * how a test places a report in knowledge time independently of when it occurred.
 */
export class EventLog {
  private counter = 0;

  constructor(readonly store: SqliteEventStore) {}

  async actor(event: ActorEvent, recordedAt: string, eventId = this.nextId('actor')): Promise<Appended> {
    return this.append(actorStreamId(event.data.actorId), event, recordedAt, eventId);
  }

  async neighbourhood(event: NeighbourhoodEvent, recordedAt: string, eventId = this.nextId(event.type)): Promise<Appended> {
    return this.append(neighbourhoodStreamId(event.data.neighbourhoodId), event, recordedAt, eventId);
  }

  private async append(streamId: string, event: { type: string; data: unknown }, recordedAt: string, eventId: string): Promise<Appended> {
    const result = await this.store.append(
      streamId,
      [{ eventId, type: event.type, data: event.data, metadata: { recordedAt, recordedBy: 'writer-test' } }],
      'any',
    );
    return { eventId, position: result.position };
  }

  private nextId(prefix: string): string {
    this.counter += 1;
    return `${prefix}-${this.counter}`;
  }
}

export interface Appended {
  readonly eventId: string;
  readonly position: number;
}

export async function readAllEvents(store: SqliteEventStore): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const event of store.readAll()) events.push(event);
  return events;
}

/** Starts an engine over the store, on `<dir>/read-models`. */
export async function startEngine(
  temp: Pick<TempLog, 'dir' | 'store'>,
  definitions: readonly ReadModelDeclaration[],
  options: Partial<ProjectionEngineOptions> = {},
): Promise<ProjectionEngine> {
  const engine = new ProjectionEngine(temp.store, definitions, {
    directory: join(temp.dir, 'read-models'),
    logger: silentLogger,
    ...options,
  });
  await engine.start();
  return engine;
}

/** Waits (event-driven, through the engine) until every projection has processed the head. */
export async function caughtUp(engine: ProjectionEngine, store: SqliteEventStore): Promise<number> {
  const head = await store.headPosition();
  for (const name of engine.names) await engine.read(name, head, () => undefined);
  return head;
}

/** Every row of every table of the projection, in a canonical order, for comparing two models. */
export function dumpTables(db: Database.Database, definition: ReadModelDeclaration): Record<string, unknown[]> {
  const dump: Record<string, unknown[]> = {};
  for (const table of definition.tables) {
    const columns = db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[];
    dump[table] = db.prepare(`SELECT * FROM ${table} ORDER BY ${columns.map((c) => `"${c}"`).join(', ')}`).all();
  }
  return dump;
}

export const silentLogger = {
  log: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
  verbose: () => undefined,
};

export const FIELD_SOURCE: Source = { name: 'field sources', kind: 'field', reliability: 'C', credibility: 3 };
