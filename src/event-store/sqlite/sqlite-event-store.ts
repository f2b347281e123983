import { closeSync, mkdirSync, openSync } from 'node:fs';
import { open as openFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import Database from 'better-sqlite3';
import { classifyBatch, repeatedEventId } from '../batch-idempotency.js';
import {
  EventIdConflict,
  expectationHolds,
  nonNegativeInteger,
  positiveInteger,
  WrongExpectedRevision,
  type AppendResult,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type ReadAllFilter,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SqlReadableLog,
  type StoreDurability,
  type StreamAppend,
  type SubscribeOptions,
} from '../event-store.port.js';
import { RecentCommits } from './recent-commits.js';
import { sqliteStorageFailure } from './sqlite-storage-failure.js';
import { type StorageLogger, SqliteStorageWatch } from './sqlite-storage-watch.js';

/** The database file that `openInDirectory` creates inside a data directory. */
export const SQLITE_EVENT_STORE_FILE_NAME = 'events.sqlite';

/** The schema this build writes, kept in `PRAGMA user_version`. */
export const SQLITE_EVENT_STORE_SCHEMA_VERSION = 1;

/**
 * Connection settings of every event store connection, exported so that a benchmark measures
 * exactly what production runs. Apply them in order with `db.pragma(entry)`.
 */
export const SQLITE_EVENT_STORE_PRAGMAS: readonly string[] = [
  // Readers (subscribers, projections, other processes) never block the writer, nor it them.
  'journal_mode = WAL',
  // In WAL mode NORMAL can lose the last commits on power loss. An append is acknowledged only
  // once its commit is on disk, so the WAL is synced at every commit.
  'synchronous = FULL',
  // Another process (a CLI, a second instance, a migration) may hold the write lock for a
  // moment: wait for it rather than fail the whole group of appends with SQLITE_BUSY.
  'busy_timeout = 5000',
];

export interface SqliteEventStoreOptions {
  /**
   * How often a caught-up subscriber looks for commits made through other connections (another
   * process on the same file). Commits through this instance wake subscribers at once.
   * Default 250 ms.
   */
  readonly pollIntervalMs?: number;
  /** Most appends committed together in one transaction; bounds the latency of a group. Default 512. */
  readonly maxAppendsPerCommit?: number;
  /** Rows fetched per read query; memory per reader stays at one page. Default 500. */
  readonly pageSize?: number;
  /**
   * Called after each group's COMMIT returned, with how many appends it carried (failed ones
   * included): for metrics and benchmarks of the group commit. What it throws is ignored.
   */
  readonly onGroupCommitted?: (appends: number) => void;
  /**
   * Page cache of this connection in KiB (SQLite's `cache_size`); better-sqlite3's default
   * (16 MiB) when omitted. A connection that reads the log through once needs little of it.
   */
  readonly cacheSizeKiB?: number;
  /** Where the storage's state changes are said (full, failing, damaged, available again); Nest's logger when omitted. */
  readonly logger?: StorageLogger;
}

/**
 * The embedded store's file cannot serve as the log: SQLite finds no database in it, a malformed
 * page, or no events table. Its message names the file and what to do, in one line.
 */
export class EventStoreDamaged extends Error {
  override readonly name = 'EventStoreDamaged';
  constructor(
    readonly file: string,
    reason: string,
    options?: { readonly cause?: unknown },
  ) {
    super(
      `the event store ${file} is damaged (${reason}); it is the source of truth, not a read model, and is never ` +
        'rebuilt: keep the damaged file and restore the last backup (docs/operations.md, "Restoring")',
      options,
    );
  }
}

/**
 * What the storage probe writes: a file of this size beside the store (the file system must have
 * room for it, whatever SQLite could reuse of its own files), then a row of this size inside a
 * transaction (the store must be able to grow, and to commit).
 */
const PROBE_FILE_BYTES = 1024 * 1024;
const PROBE_ROW_BYTES = 256 * 1024;

/** Index i upgrades a schema from version i to i + 1. */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE events (
    -- AUTOINCREMENT: a position is never handed out again, even after the newest row is deleted.
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    stream_id TEXT NOT NULL,
    revision INTEGER NOT NULL CHECK (revision >= 0),
    type TEXT NOT NULL,
    data TEXT NOT NULL,
    metadata TEXT NOT NULL
  ) STRICT;
  CREATE UNIQUE INDEX events_event_id ON events (event_id);
  CREATE UNIQUE INDEX events_stream_revision ON events (stream_id, revision);
  `,
];

const DEFAULT_POLL_INTERVAL_MS = 250;
const DEFAULT_MAX_APPENDS_PER_COMMIT = 512;
const DEFAULT_PAGE_SIZE = 500;
/**
 * A page also ends once its rows hold this much text (at least one row always comes): events of
 * up to a megabyte each would otherwise make a page of hundreds of megabytes, held by a reader
 * that is slow to take it.
 */
const PAGE_BYTES = 4 * 1024 * 1024;
/** A filtered read examines at most this many pages' worth of positions per query. */
const SCAN_WINDOW_PAGES = 20;
/** The last commits kept for subscribers that keep up (see `RecentCommits`): rows, and characters of text. */
const RECENT_COMMIT_ROWS = 2 * DEFAULT_PAGE_SIZE;
const RECENT_COMMIT_CHARS = PAGE_BYTES;

interface EventRow {
  readonly position: number;
  readonly eventId: string;
  readonly streamId: string;
  readonly revision: number;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
}

interface StreamHeadRow {
  readonly revision: number;
  readonly position: number;
}

interface EventLocationRow {
  readonly streamId: string;
  readonly revision: number;
  readonly position: number;
}

interface SerializedEvent {
  readonly eventId: string;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
}

interface StreamBatch {
  readonly streamId: string;
  readonly events: readonly SerializedEvent[];
  readonly expected: ExpectedRevision;
}

/** One append, or one atomic append to several streams: written whole or not at all. */
interface PendingAppend {
  readonly batches: readonly StreamBatch[];
  readonly resolve: (results: AppendResult[]) => void;
  readonly reject: (error: unknown) => void;
}

type AppendOutcome =
  | { readonly ok: true; readonly results: AppendResult[] }
  | { readonly ok: false; readonly error: unknown };

interface PageQuery {
  readonly after: number;
  readonly until: number;
  readonly prefixes: string | null;
  readonly types: string | null;
  readonly limit: number;
}

const EVENT_COLUMNS =
  'position, event_id AS eventId, stream_id AS streamId, revision, type, data, metadata';

function prepareStatements(db: Database.Database) {
  return {
    begin: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
    savepoint: db.prepare('SAVEPOINT append_in_group'),
    release: db.prepare('RELEASE append_in_group'),
    rollbackToSavepoint: db.prepare('ROLLBACK TO append_in_group'),
    streamHead: db.prepare<[string], StreamHeadRow>(
      'SELECT revision, position FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1',
    ),
    eventLocation: db.prepare<[string], EventLocationRow>(
      'SELECT stream_id AS streamId, revision, position FROM events WHERE event_id = ?',
    ),
    insert: db.prepare<[string, string, number, string, string, string]>(
      'INSERT INTO events (event_id, stream_id, revision, type, data, metadata) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    headPosition: db.prepare<[], number>('SELECT coalesce(max(position), 0) FROM events').pluck(),
    lastEvent: db.prepare<[], EventRow>(`SELECT ${EVENT_COLUMNS} FROM events ORDER BY position DESC LIMIT 1`),
    probe: db.prepare<[], number>('SELECT count(*) FROM (SELECT 1 FROM events LIMIT 1)').pluck(),
    readStreamPage: db.prepare<[string, number, number, number], EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events
       WHERE stream_id = ? AND revision >= ? AND revision <= ?
       ORDER BY revision LIMIT ?`,
    ),
    // One statement serves every filtered shape: a NULL list means "no constraint". Prefixes are
    // compared with substr rather than LIKE, which would treat % and _ as wildcards and fold
    // ASCII case.
    readAllPage: db.prepare<[PageQuery], EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events
       WHERE position > @after AND position <= @until
         AND (@prefixes IS NULL OR EXISTS (
               SELECT 1 FROM json_each(@prefixes) AS prefix
               WHERE substr(events.stream_id, 1, length(prefix.value)) = prefix.value))
         AND (@types IS NULL OR events.type IN (SELECT value FROM json_each(@types)))
       ORDER BY position LIMIT @limit`,
    ),
    // One stream prefix and no types (the webhook outbox follows its streams, one query per
    // commit) skips the subqueries too: setting up json_each costs more than the scan.
    readAllPageOnePrefix: db.prepare<[{ after: number; until: number; prefix: string; limit: number }], EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events
       WHERE position > @after AND position <= @until AND substr(stream_id, 1, length(@prefix)) = @prefix
       ORDER BY position LIMIT @limit`,
    ),
    // Unfiltered reads (projections, a live subscriber per event) skip the filter's subqueries,
    // which SQLite prepares on every run even when their list is NULL.
    readAllPageUnfiltered: db.prepare<[number, number, number], EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE position > ? AND position <= ? ORDER BY position LIMIT ?`,
    ),
  };
}

type Statements = ReturnType<typeof prepareStatements>;

/**
 * The embedded event store: one SQLite file, one table, one writer.
 *
 * Appends are group-committed: every append queued before the writer next runs (same event-loop
 * turn, or I/O that completed meanwhile) shares one durable transaction, each inside its own
 * savepoint so that it keeps its own expected-revision check and outcome. A promise settles only
 * after the COMMIT of its group returned.
 */
export class SqliteEventStore implements EventStore {
  readonly name = 'sqlite';

  private readonly statements: Statements;
  private readonly pollIntervalMs: number;
  private readonly maxAppendsPerCommit: number;
  private readonly pageSize: number;
  private readonly onGroupCommitted: ((appends: number) => void) | undefined;
  private readonly queue: PendingAppend[] = [];
  private flushHandle: NodeJS.Immediate | undefined;
  private readonly commitWaiters = new Set<() => void>();
  private closing: Promise<void> | undefined;
  private closed = false;
  private readonly storage: SqliteStorageWatch;
  private readonly recent = new RecentCommits<EventRow>(RECENT_COMMIT_ROWS, RECENT_COMMIT_CHARS);

  private constructor(
    private readonly db: Database.Database,
    options: SqliteEventStoreOptions,
  ) {
    this.storage = new SqliteStorageWatch(db.name, () => this.probeStorage(), options.logger ?? new Logger('EventStore'));
    this.pollIntervalMs = positiveInteger(options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS, 'pollIntervalMs');
    this.maxAppendsPerCommit = positiveInteger(
      options.maxAppendsPerCommit ?? DEFAULT_MAX_APPENDS_PER_COMMIT,
      'maxAppendsPerCommit',
    );
    this.pageSize = positiveInteger(options.pageSize ?? DEFAULT_PAGE_SIZE, 'pageSize');
    this.onGroupCommitted = options.onGroupCommitted;
    this.statements = prepareStatements(db);
  }

  /** Opens (creating if missing) the database file, applies the pragmas and migrates the schema. */
  static open(filePath: string, options: SqliteEventStoreOptions = {}): SqliteEventStore {
    // Create the file ourselves so that it is owner-only from its first byte: SQLite would
    // create it with the umask's mode, and it gives the -wal and -shm files the mode of the
    // database file.
    closeSync(openSync(filePath, 'a', 0o600));
    const db = new Database(filePath);
    try {
      configure(db);
      if (options.cacheSizeKiB !== undefined) db.pragma(`cache_size = -${positiveInteger(options.cacheSizeKiB, 'cacheSizeKiB')}`);
      migrate(db);
      const store = new SqliteEventStore(db, options);
      // The newest events and the index pages above them: a cheap look that finds a file cut
      // short. A page damaged further in is found when it is read (503 STORAGE_UNAVAILABLE);
      // checking every page here would make a start take longer as the log grows.
      store.statements.lastEvent.get();
      return store;
    } catch (error) {
      db.close();
      throw asDamaged(filePath, error);
    }
  }

  /** Opens `events.sqlite` inside `dataDir`, creating the directory (owner-only) if missing. */
  static openInDirectory(dataDir: string, options: SqliteEventStoreOptions = {}): SqliteEventStore {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    return SqliteEventStore.open(join(dataDir, SQLITE_EVENT_STORE_FILE_NAME), options);
  }

  async append(streamId: string, events: readonly EventToAppend[], expected: ExpectedRevision): Promise<AppendResult> {
    this.assertAcceptingAppends();
    this.storage.refuseIfDamaged();
    assertStreamId(streamId);
    assertExpectedRevision(expected);
    const batches = [{ streamId, events: events.map(serializeEvent), expected }];
    return this.enqueue(batches).then((results) => results[0]!);
  }

  async appendAtomically(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    this.assertAcceptingAppends();
    this.storage.refuseIfDamaged();
    const seen = new Set<string>();
    for (const { streamId, expected } of appends) {
      assertStreamId(streamId);
      assertExpectedRevision(expected);
      if (seen.has(streamId)) throw new TypeError(`stream ${streamId} appears twice in one atomic append`);
      seen.add(streamId);
    }
    if (appends.length === 0) return [];
    return this.enqueue(appends.map(({ streamId, events, expected }) => ({ streamId, events: events.map(serializeEvent), expected })));
  }

  private enqueue(batches: readonly StreamBatch[]): Promise<AppendResult[]> {
    return new Promise<AppendResult[]>((resolve, reject) => {
      this.queue.push({ batches, resolve, reject });
      // Everything queued until the check phase of this loop iteration joins the same commit.
      this.flushHandle ??= setImmediate(() => this.flushScheduled());
    });
  }

  async *readStream(streamId: string, options: ReadStreamOptions = {}): AsyncGenerator<RecordedEvent> {
    assertStreamId(streamId);
    const fromRevision = nonNegativeInteger(options.fromRevision ?? 0, 'fromRevision');
    let remaining = options.maxCount === undefined ? Infinity : nonNegativeInteger(options.maxCount, 'maxCount');
    this.assertOpen();
    // Bounded by the revision at the start, so that a stream being appended to still ends.
    const lastRevision = this.read(() => this.statements.streamHead.get(streamId)?.revision ?? -1);
    let nextRevision = fromRevision;
    while (nextRevision <= lastRevision && remaining > 0) {
      this.assertOpen();
      const rows = this.read(() =>
        boundedPage(this.statements.readStreamPage.iterate(streamId, nextRevision, lastRevision, Math.min(this.pageSize, remaining))),
      );
      if (rows.length === 0) return;
      nextRevision = rows[rows.length - 1]!.revision + 1;
      remaining -= rows.length;
      for (const row of rows) yield toRecordedEvent(row);
    }
  }

  async *readAll(options: ReadAllOptions = {}): AsyncGenerator<RecordedEvent> {
    const after = nonNegativeInteger(options.after ?? 0, 'after');
    const maxCount = options.maxCount === undefined ? Infinity : nonNegativeInteger(options.maxCount, 'maxCount');
    const filter = compileFilter(options.filter);
    this.assertOpen();
    // A function, not an expression: the answer changes while the generator is suspended.
    const aborted = (): boolean => options.signal?.aborted === true;
    if (aborted()) return;
    for (const rows of this.pagesToHead(after, filter, maxCount)) {
      for (const row of rows) {
        if (aborted()) return;
        yield toRecordedEvent(row);
      }
      if (aborted()) return;
      if (rows.length === 0) await nextTurn();
    }
  }

  /**
   * The matching rows after `after`, at most `maxCount`, page by page. "Ends at the current
   * head": the head is fixed when the first page is read, so that a busy log still ends.
   */
  private *pagesToHead(after: number, filter: CompiledFilter, maxCount: number): Generator<EventRow[]> {
    const until = this.read(() => this.statements.headPosition.get()!);
    let cursor = after;
    let remaining = maxCount;
    while (cursor < until && remaining > 0) {
      this.assertOpen();
      const page = this.readPage(cursor, until, filter, Math.min(this.pageSize, remaining));
      cursor = page.scannedTo;
      remaining -= page.rows.length;
      yield page.rows;
    }
  }

  /*
   * Why reading `position > checkpoint` can never skip an event:
   * - SQLite has a single writer. Positions are assigned inside the write transaction
   *   (AUTOINCREMENT: one more than any position ever used), and transactions commit one after
   *   another, atomically. So once a reader sees position p, every position below p that will
   *   ever exist is already committed and visible: nothing can later commit "behind" it.
   * - This connection never reads inside its own open write transaction: a group commit runs
   *   synchronously from BEGIN to COMMIT, so no read can observe rows a savepoint later undoes.
   * - Each page is bounded by a head read just before it; when a page comes back short, every
   *   match up to that head has been seen, and the cursor may jump to the head.
   */
  async *subscribe(options: SubscribeOptions = {}): AsyncGenerator<RecordedEvent> {
    let cursor = nonNegativeInteger(options.after ?? 0, 'after');
    const filter = compileFilter(options.filter);
    const signal = options.signal;
    // A function, not an expression: the answer changes while the generator is suspended.
    const stopped = (): boolean => this.closed || signal?.aborted === true;
    while (!stopped()) {
      const head = this.read(() => this.statements.headPosition.get()!);
      if (cursor >= head) {
        await this.waitForCommit(signal);
        continue;
      }
      // Pull-driven: the next page is read only once the consumer has taken this one.
      const page = this.readPage(cursor, head, filter, this.pageSize);
      for (const row of page.rows) {
        yield toRecordedEvent(row);
        if (stopped()) return;
      }
      cursor = page.scannedTo;
      if (page.rows.length === 0) await nextTurn();
    }
  }

  /** The log's one table, for a connection that attaches the file (see `SqlReadableLog`). */
  get sqlLog(): SqlReadableLog {
    return {
      file: this.db.name,
      table: 'events',
      columns: {
        position: 'position',
        eventId: 'event_id',
        streamId: 'stream_id',
        revision: 'revision',
        type: 'type',
        data: 'data',
        metadata: 'metadata',
      },
    };
  }

  async headPosition(): Promise<number> {
    this.assertOpen();
    return this.read(() => this.statements.headPosition.get()!);
  }

  /** Woken at once by a commit through this instance; a commit through another connection is seen within the poll interval. */
  async waitForHeadPast(after: number, signal?: AbortSignal): Promise<boolean> {
    for (;;) {
      if (this.closed || signal?.aborted === true) return false;
      if (this.read(() => this.statements.headPosition.get()!) > after) return true;
      await this.waitForCommit(signal);
    }
  }

  async streamRevision(streamId: string): Promise<number> {
    assertStreamId(streamId);
    this.assertOpen();
    return this.read(() => this.statements.streamHead.get(streamId)?.revision ?? -1);
  }

  /** Throws the StorageError of a storage that refuses writes (full, failing, damaged) until it takes them again. */
  async ping(): Promise<void> {
    this.assertOpen();
    this.storage.assertUsable();
    try {
      this.statements.probe.get();
    } catch (error) {
      // Recorded as any read's failure would be, then said as the recorded state says it.
      const failure = this.storage.failed(error, 'read');
      this.storage.assertUsable();
      throw failure;
    }
  }

  /** The settings of this very connection, as SQLite reports them. */
  durability(): StoreDurability {
    this.assertOpen();
    const synchronous = Number(this.db.pragma('synchronous', { simple: true }));
    return {
      journalMode: String(this.db.pragma('journal_mode', { simple: true })),
      synchronous: SYNCHRONOUS_LEVELS[synchronous] ?? String(synchronous),
    };
  }

  /** Commits every append already queued, ends live subscriptions, then closes the file. */
  close(): Promise<void> {
    this.closing ??= this.closeNow();
    return this.closing;
  }

  private async closeNow(): Promise<void> {
    this.storage.stop();
    if (this.flushHandle !== undefined) {
      clearImmediate(this.flushHandle);
      this.flushHandle = undefined;
    }
    // Appends accepted before close() were promised an outcome: commit them, not drop them.
    while (this.queue.length > 0) {
      this.commitGroup(this.queue.splice(0, this.maxAppendsPerCommit));
    }
    this.closed = true;
    this.wakeSubscribers();
    this.db.close();
  }

  private flushScheduled(): void {
    this.flushHandle = undefined;
    if (this.closed) return;
    this.commitGroup(this.queue.splice(0, this.maxAppendsPerCommit));
    // The rest waits for the next turn, letting I/O and settled promises run in between.
    if (this.queue.length > 0) this.flushHandle = setImmediate(() => this.flushScheduled());
  }

  private commitGroup(group: readonly PendingAppend[]): void {
    if (group.length === 0) return;
    const { statements, db } = this;
    const outcomes: AppendOutcome[] = [];
    const committed: EventRow[] = [];
    let wrote = false;
    try {
      statements.begin.run();
      for (const pending of group) {
        const rows: EventRow[] = [];
        // Several events are undone as a whole through a savepoint. One event is one INSERT, the
        // only write of its append, and SQLite undoes a failed statement by itself.
        const savepoint = pending.batches.length > 1 || pending.batches[0]!.events.length > 1;
        if (savepoint) statements.savepoint.run();
        try {
          const results: AppendResult[] = [];
          for (const batch of pending.batches) {
            const { result, written } = this.appendInTransaction(batch, rows);
            results.push(result);
            wrote ||= written;
          }
          if (savepoint) statements.release.run();
          outcomes.push({ ok: true, results });
          committed.push(...rows);
        } catch (error) {
          // An I/O or corruption error can end the whole transaction; only an error that left
          // it open is this append's alone.
          if (!db.inTransaction) throw error;
          if (savepoint) {
            statements.rollbackToSavepoint.run();
            statements.release.run();
          }
          outcomes.push({ ok: false, error });
        }
      }
      statements.commit.run();
    } catch (groupError) {
      if (db.inTransaction) {
        try {
          statements.rollback.run();
        } catch {
          // The transaction is already gone; the group's error is what callers need.
        }
      }
      // Nothing of the group was committed: a full disk or an I/O error fails every append of it.
      this.recent.clear();
      const failure = this.storage.failed(groupError, 'write');
      group.forEach((pending, index) => {
        const own = outcomes[index];
        pending.reject(own !== undefined && !own.ok ? this.storage.failed(own.error, 'write') : failure);
      });
      return;
    }
    group.forEach((pending, index) => {
      const outcome = outcomes[index]!;
      if (outcome.ok) pending.resolve(outcome.results);
      else pending.reject(this.storage.failed(outcome.error, 'write'));
    });
    if (wrote) {
      for (const row of committed) {
        if (readsBackAsWritten(row)) this.recent.add(row);
        else this.recent.clear();
      }
      this.storage.succeeded();
      this.wakeSubscribers();
    }
    try {
      this.onGroupCommitted?.(group.length);
    } catch {
      // A metrics hook must not turn a committed group into a failure, nor crash the writer.
    }
  }

  /**
   * Runs inside the group's transaction, so it sees the appends committed earlier in the group;
   * adds the rows it inserts to `rows`.
   */
  private appendInTransaction(batch: StreamBatch, rows: EventRow[]): { result: AppendResult; written: boolean } {
    const { streamId, events, expected } = batch;
    const head = this.statements.streamHead.get(streamId);
    const actual = head?.revision ?? -1;

    if (events.length > 0) {
      const original = this.findOriginalBatch(streamId, events);
      // A retry is answered from the log whatever it expected: its first attempt already checked.
      if (original !== undefined) return { result: original, written: false };
    }

    if (!expectationHolds(expected, actual)) throw new WrongExpectedRevision(streamId, expected, actual);

    if (events.length === 0) return { result: { nextRevision: actual, position: head?.position ?? 0 }, written: false };

    const positions = events.map((event, index) => {
      const revision = actual + 1 + index;
      const inserted = this.statements.insert.run(event.eventId, streamId, revision, event.type, event.data, event.metadata);
      const position = Number(inserted.lastInsertRowid);
      rows.push({ position, eventId: event.eventId, streamId, revision, type: event.type, data: event.data, metadata: event.metadata });
      return position;
    });
    return { result: { nextRevision: actual + events.length, position: positions.at(-1)!, positions }, written: true };
  }

  /**
   * The original result when every id of the batch is already this stream's, as one contiguous
   * run in the same order; undefined when none is known yet; EventIdConflict for anything else,
   * including an id another stream holds (see `classifyBatch`).
   */
  private findOriginalBatch(streamId: string, events: readonly SerializedEvent[]): AppendResult | undefined {
    const eventIds = events.map((event) => event.eventId);
    const repeated = repeatedEventId(eventIds);
    if (repeated !== undefined) throw new EventIdConflict(streamId, repeated);
    const found = new Map<string, EventLocationRow>();
    for (const eventId of eventIds) {
      const location = this.statements.eventLocation.get(eventId);
      if (location === undefined) continue;
      if (location.streamId !== streamId) throw new EventIdConflict(streamId, eventId);
      found.set(eventId, location);
    }
    const lookup = classifyBatch(eventIds, found);
    if (lookup.kind === 'conflict') throw new EventIdConflict(streamId, lookup.eventId);
    return lookup.kind === 'original' ? lookup.result : undefined;
  }

  private readPage(
    after: number,
    until: number,
    filter: CompiledFilter,
    limit: number,
  ): { rows: EventRow[]; scannedTo: number } {
    // A sparse filter would otherwise scan the whole log in one synchronous query; a window of
    // positions keeps each query short, and the callers yield to the event loop between windows.
    const windowEnd = Math.min(until, after + this.pageSize * SCAN_WINDOW_PAGES);
    // What this instance has just committed needs no query.
    const recent = filter.matches === undefined ? undefined : this.recent.span(after, windowEnd);
    const rows =
      recent !== undefined
        ? boundedPage(matching(recent, filter.matches!, limit))
        : this.read(() =>
            boundedPage(
              filter.prefixes === null && filter.types === null
                ? this.statements.readAllPageUnfiltered.iterate(after, windowEnd, limit)
                : filter.onlyPrefix !== undefined
                  ? this.statements.readAllPageOnePrefix.iterate({ after, until: windowEnd, prefix: filter.onlyPrefix, limit })
                  : this.statements.readAllPage.iterate({ after, until: windowEnd, prefixes: filter.prefixes, types: filter.types, limit }),
            ),
          );
    // A page cut short by its size has not scanned past its last row.
    const scannedTo = rows.length === limit || rows.truncated ? rows[rows.length - 1]!.position : windowEnd;
    return { rows, scannedTo };
  }

  /** Resolves on a commit through this instance, on the poll interval, on abort or on close. */
  private waitForCommit(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.commitWaiters.delete(wake);
        signal?.removeEventListener('abort', wake);
        resolve();
      };
      // Polling sees commits made by other processes on the same file, which never notify us.
      const timer = setTimeout(wake, this.pollIntervalMs);
      this.commitWaiters.add(wake);
      signal?.addEventListener('abort', wake, { once: true });
    });
  }

  private wakeSubscribers(): void {
    for (const wake of [...this.commitWaiters]) wake();
  }

  /** Runs a query of the log; a storage failure comes out as a StorageError (and is recorded, see SqliteStorageWatch). */
  private read<T>(query: () => T): T {
    try {
      return query();
    } catch (error) {
      throw this.storage.failed(error, 'read');
    }
  }

  /**
   * Throws unless the storage has room for a file beside the store and for new pages in it, and
   * commits: what a write needs. Writes nothing that stays (the row is deleted in its own
   * transaction; the table is not part of the log and older builds ignore it).
   */
  private async probeStorage(): Promise<void> {
    const file = `${this.db.name}-probe`;
    try {
      const handle = await openFile(file, 'w', 0o600);
      try {
        await handle.write(Buffer.alloc(PROBE_FILE_BYTES));
        await handle.sync();
      } finally {
        await handle.close();
      }
    } finally {
      await rm(file, { force: true });
    }
    // Synchronous from here to COMMIT: no group commit can run in between.
    if (this.closed) return;
    this.db.exec('BEGIN IMMEDIATE');
    try {
      this.db.exec(
        `CREATE TABLE IF NOT EXISTS storage_probe (filler BLOB NOT NULL);
         INSERT INTO storage_probe (filler) VALUES (zeroblob(${PROBE_ROW_BYTES}));
         DELETE FROM storage_probe;`,
      );
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the sqlite event store is closed');
  }

  private assertAcceptingAppends(): void {
    if (this.closing !== undefined) throw new Error('the sqlite event store is closed');
  }
}

interface CompiledFilter {
  /** The lists as JSON, for the queries; null for no list. */
  readonly prefixes: string | null;
  readonly types: string | null;
  /** The one prefix of a filter of exactly one prefix and no types. */
  readonly onlyPrefix?: string;
  /**
   * The rows the queries' WHERE keeps, for rows held in memory (`RecentCommits`); undefined for a
   * filter that only the queries answer exactly (see `compileFilter`).
   */
  readonly matches: ((row: EventRow) => boolean) | undefined;
}

/**
 * Whether the file gives the row's text back exactly as it was written. SQLite stores text as
 * UTF-8, so a lone surrogate (not well-formed UTF-16) comes back as other characters; JSON text
 * (data, metadata) never holds one.
 */
function readsBackAsWritten(row: EventRow): boolean {
  return row.streamId.isWellFormed() && row.type.isWellFormed() && row.eventId.isWellFormed();
}

/** The first `limit` rows the filter keeps. */
function* matching(rows: readonly EventRow[], matches: (row: EventRow) => boolean, limit: number): Generator<EventRow, void, undefined> {
  let count = 0;
  for (const row of rows) {
    if (count >= limit) return;
    if (!matches(row)) continue;
    count += 1;
    yield row;
  }
}

function compileFilter(filter: ReadAllFilter | undefined): CompiledFilter {
  // An empty list keeps nothing: a consumer that listed no prefixes asked for no streams.
  const asJson = (values: readonly string[] | undefined, name: string): string | null =>
    values === undefined ? null : JSON.stringify(assertStrings(values, name));
  const prefixes = asJson(filter?.streamPrefixes, 'streamPrefixes');
  const types = asJson(filter?.eventTypes, 'eventTypes');
  const onlyPrefix = types === null && filter?.streamPrefixes?.length === 1 ? filter.streamPrefixes[0] : undefined;
  // Copies, as the JSON above is: a list the caller changes later changes neither.
  const prefixList = filter?.streamPrefixes === undefined ? undefined : [...filter.streamPrefixes];
  const typeList = filter?.eventTypes === undefined ? undefined : new Set(filter.eventTypes);
  // A prefix's match is the same in JavaScript and in SQLite for well-formed text without NUL
  // (SQLite's length() stops at a NUL); anything else is left to the queries.
  const exact = (value: string): boolean => value.isWellFormed() && !value.includes('\0');
  const inMemory = (prefixList ?? []).every(exact) && [...(typeList ?? [])].every(exact);
  const matches = inMemory
    ? (row: EventRow): boolean =>
        (prefixList === undefined || prefixList.some((prefix) => row.streamId.startsWith(prefix))) && (typeList === undefined || typeList.has(row.type))
    : undefined;
  return { prefixes, types, ...(onlyPrefix !== undefined && { onlyPrefix }), matches };
}

/** `PRAGMA synchronous` answers a number; SQLite's documentation names the levels. */
const SYNCHRONOUS_LEVELS: Readonly<Record<number, string>> = { 0: 'off', 1: 'normal', 2: 'full', 3: 'extra' };

/** An error of opening the file, as EventStoreDamaged when it says the file cannot be the log. */
function asDamaged(file: string, error: unknown): unknown {
  const message = (error as { message?: unknown } | null | undefined)?.message;
  const text = typeof message === 'string' ? message : String(error);
  const reason = text.split('\n')[0] ?? text;
  if (sqliteStorageFailure(error)?.damaged === true) return new EventStoreDamaged(file, reason, { cause: error });
  if ((error as { code?: unknown }).code === 'SQLITE_ERROR' && /^no such table: (main\.)?events$/.test((error as Error).message)) {
    return new EventStoreDamaged(file, 'its events table is missing', { cause: error });
  }
  return error;
}

function configure(db: Database.Database): void {
  for (const pragma of SQLITE_EVENT_STORE_PRAGMAS) db.pragma(pragma);
  const journalMode = db.pragma('journal_mode', { simple: true });
  if (journalMode !== 'wal') {
    throw new Error(`sqlite event store needs WAL journal mode, got ${String(journalMode)} for ${db.name}`);
  }
}

function migrate(db: Database.Database): void {
  const readVersion = (): number => Number(db.pragma('user_version', { simple: true }));
  const assertKnown = (version: number): void => {
    if (version > SQLITE_EVENT_STORE_SCHEMA_VERSION) {
      throw new Error(
        `${db.name} has event store schema version ${version}; ` +
          `this build knows up to ${SQLITE_EVENT_STORE_SCHEMA_VERSION}`,
      );
    }
  };
  assertKnown(readVersion());
  if (readVersion() === SQLITE_EVENT_STORE_SCHEMA_VERSION) return;
  db.exec('BEGIN IMMEDIATE');
  try {
    // Read again under the write lock: another process may have migrated while we waited.
    const version = readVersion();
    assertKnown(version);
    for (const migration of MIGRATIONS.slice(version, SQLITE_EVENT_STORE_SCHEMA_VERSION)) db.exec(migration);
    // user_version lives in the database header and is part of this transaction.
    db.pragma(`user_version = ${SQLITE_EVENT_STORE_SCHEMA_VERSION}`);
    db.exec('COMMIT');
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

function serializeEvent(event: EventToAppend): SerializedEvent {
  if (typeof event.eventId !== 'string' || event.eventId.length === 0) {
    throw new TypeError('an event needs a non-empty string eventId');
  }
  if (typeof event.type !== 'string' || event.type.length === 0) {
    throw new TypeError(`event ${event.eventId} needs a non-empty string type`);
  }
  if (typeof event.metadata !== 'object' || event.metadata === null || Array.isArray(event.metadata)) {
    throw new TypeError(`event ${event.eventId} needs an object as metadata`);
  }
  // Serialized at the call, so that a payload that is not JSON fails its own append only, and
  // a caller mutating its object afterwards cannot change what gets committed.
  return {
    eventId: event.eventId,
    type: event.type,
    data: JSON.stringify(event.data ?? null),
    metadata: JSON.stringify(event.metadata),
  };
}

/**
 * The rows of a page, until they hold PAGE_BYTES of data and metadata text; `truncated` when the
 * page ended there (rows may remain). Synchronous from the first row to the last: no other
 * statement runs on the connection meanwhile, and leaving the loop early resets the statement.
 */
function boundedPage(rows: IterableIterator<EventRow>): EventRow[] & { truncated?: boolean } {
  const page: EventRow[] & { truncated?: boolean } = [];
  let bytes = 0;
  for (const row of rows) {
    page.push(row);
    bytes += row.data.length + row.metadata.length;
    if (bytes >= PAGE_BYTES) {
      page.truncated = true;
      break;
    }
  }
  return page;
}

function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    eventId: row.eventId,
    type: row.type,
    streamId: row.streamId,
    revision: row.revision,
    position: row.position,
    data: JSON.parse(row.data) as unknown,
    dataJson: row.data,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
  };
}

function assertStreamId(streamId: string): void {
  if (typeof streamId !== 'string' || streamId.length === 0) {
    throw new TypeError('a stream id must be a non-empty string');
  }
}

function assertExpectedRevision(expected: ExpectedRevision): void {
  if (expected === 'any' || expected === 'no_stream' || expected === 'stream_exists') return;
  if (typeof expected !== 'number' || !Number.isSafeInteger(expected) || expected < 0) {
    throw new RangeError(
      `expected revision must be 'any', 'no_stream', 'stream_exists' or a revision >= 0, got ${String(expected)}`,
    );
  }
}

function assertStrings(values: readonly string[], name: string): readonly string[] {
  if (!Array.isArray(values) || values.some((value) => typeof value !== 'string')) {
    throw new TypeError(`${name} must be a list of strings`);
  }
  return values;
}

