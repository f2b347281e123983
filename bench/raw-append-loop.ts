import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  SQLITE_EVENT_STORE_FILE_NAME,
  SQLITE_EVENT_STORE_PRAGMAS,
  SqliteEventStore,
} from '../src/event-store/sqlite/sqlite-event-store.js';

export interface EventShapedRow {
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
}

/**
 * The raw limit of a durable append: better-sqlite3 alone, on a file with the event store's
 * own schema (created by the store itself) and exactly SQLITE_EVENT_STORE_PRAGMAS
 * (WAL, synchronous = FULL), inserting one event-shaped row per transaction, in a tight loop.
 */
export class RawAppendLoop {
  private readonly db: Database.Database;
  private readonly begin: Database.Statement;
  private readonly commit: Database.Statement;
  private readonly insert: Database.Statement<[string, string, number, string, string, string]>;
  private revision = -1;

  private constructor(dir: string) {
    this.db = new Database(join(dir, SQLITE_EVENT_STORE_FILE_NAME));
    for (const pragma of SQLITE_EVENT_STORE_PRAGMAS) this.db.pragma(pragma);
    this.begin = this.db.prepare('BEGIN IMMEDIATE');
    this.commit = this.db.prepare('COMMIT');
    this.insert = this.db.prepare('INSERT INTO events (event_id, stream_id, revision, type, data, metadata) VALUES (?, ?, ?, ?, ?, ?)');
  }

  static async open(dir: string): Promise<RawAppendLoop> {
    await SqliteEventStore.openInDirectory(dir).close();
    return new RawAppendLoop(dir);
  }

  /** Appends `count` rows, each in its own durable transaction; returns appends per second. */
  run(count: number, rows: readonly EventShapedRow[]): number {
    const started = performance.now();
    for (let i = 0; i < count; i++) {
      const row = rows[i % rows.length]!;
      this.revision += 1;
      this.begin.run();
      this.insert.run(randomUUID(), 'neighbourhood-raw-baseline', this.revision, row.type, row.data, row.metadata);
      this.commit.run();
    }
    return count / ((performance.now() - started) / 1000);
  }

  /** Appends `count` rows, `perTransaction` to a durable transaction; returns appends per second. */
  runInTransactions(count: number, rows: readonly EventShapedRow[], perTransaction: number): number {
    const started = performance.now();
    for (let done = 0; done < count; ) {
      this.begin.run();
      for (const end = Math.min(count, done + perTransaction); done < end; done++) {
        const row = rows[done % rows.length]!;
        this.revision += 1;
        this.insert.run(randomUUID(), 'neighbourhood-raw-baseline', this.revision, row.type, row.data, row.metadata);
      }
      this.commit.run();
    }
    return count / ((performance.now() - started) / 1000);
  }

  close(): void {
    this.db.close();
  }
}
