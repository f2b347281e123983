import { closeSync, existsSync, openSync, rmSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { RecordedEvent, SqlReadableLog } from '../event-store/index.js';
import { type ReadModelDeclaration, handledTypes } from './read-model.js';
import { readModelFailure } from './read-model-failure.js';
import { type EventFiler, compileFilers, instantMs } from './read-model-rows.js';
import { LOG_HEAD_SQL, WINDOW_EVENTS_SQL, logViewSql, logWindowStatements } from './read-model-sql.js';

/**
 * Read models can always be rebuilt from the log, so a commit lost on power failure costs a
 * replay, never a wrong answer: rows and checkpoint share each transaction. NORMAL skips the
 * fsync per batch that the event store (FULL) cannot skip.
 *
 * 16 KiB pages: a batch writes each page it touched to the WAL (two writes per page), and the
 * checkpoint copies it again. Bigger pages mean a quarter of the writes for the same rows.
 * SQLite only applies page_size to a file that has no pages yet, so this changes new
 * generations only, and it must come before journal_mode.
 *
 * A checkpoint every 4096 pages (64 MiB) rather than SQLite's 1000: a batch while catching up
 * rewrites the same index leaves (the newest of each neighbourhood) commit after commit, and a
 * checkpoint copies a page once however often the WAL holds it; each checkpoint also costs two
 * fsyncs. The WAL is cut back to that size afterwards.
 */
const READ_MODEL_PRAGMAS: readonly string[] = [
  'page_size = 16384',
  'journal_mode = WAL',
  'synchronous = NORMAL',
  'busy_timeout = 5000',
  'wal_autocheckpoint = 4096',
  `journal_size_limit = ${64 * 1024 * 1024}`,
];

const CHECKPOINT_SCHEMA = `
  CREATE TABLE projection_checkpoint (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    position INTEGER NOT NULL
  ) STRICT;
`;

/** Index DDL a generation still has to run (see `ReadModelDeclaration.indexes`). Absent in files of older builds: nothing pending. */
const DEFERRED_INDEXES_SCHEMA = `
  CREATE TABLE projection_deferred_indexes (
    ddl TEXT NOT NULL
  ) STRICT;
`;

interface CheckpointRow {
  readonly name: string;
  readonly version: number;
  readonly position: number;
}

interface LogWindow {
  readonly after: number;
  readonly until: number;
}

/** A statement of `applyLogWindow` met an event that its SQL would not file as the filers do; nothing was committed. */
export class LogWindowUnfileable extends Error {
  override readonly name = 'LogWindowUnfileable';
  constructor(
    readonly projection: string,
    readonly position: number,
  ) {
    super(`projection ${projection}: the event at position ${position} is left to the filers`);
  }
}

/**
 * A generation file that cannot serve as its read model: SQLite finds no database in it or a
 * malformed page, or it lacks its checkpoint or one of its tables.
 */
export class ReadModelDamaged extends Error {
  override readonly name = 'ReadModelDamaged';
  constructor(
    readonly path: string,
    readonly reason: string,
    options?: { readonly cause?: unknown },
  ) {
    super(`${path} is damaged: ${reason}`, options);
  }
}

/** A filer threw: the batch it was in was rolled back. */
export class ProjectionApplyError extends Error {
  override readonly name = 'ProjectionApplyError';
  constructor(
    readonly projection: string,
    readonly event: RecordedEvent,
    /** How many events of the batch came before it. */
    readonly index: number,
    override readonly cause: unknown,
  ) {
    super(
      `projection ${projection} failed on ${event.type} ${event.eventId} at position ${event.position}: ` +
        (cause instanceof Error ? cause.message : String(cause)),
    );
  }
}

/**
 * One generation of one projection: a SQLite file holding the projection's tables and the
 * checkpoint they reflect. Every batch is one transaction, so a reader (or a crash) sees the
 * rows and the checkpoint of the same batch, never half of one.
 */
export class ReadModelFile {
  private cachedPosition: number;
  private readonly filers: ReadonlyMap<string, EventFiler> | undefined;
  private readonly readCheckpoint: Database.Statement<[], number>;
  private readonly writeCheckpoint: Database.Statement<[number]>;
  private readonly beginRead: Database.Statement;
  private readonly endRead: Database.Statement;
  /** Once false, stays false: indexes are never dropped. */
  private pendingIndexes: boolean;
  private readonly deferredIndexDdl: Database.Statement<[], string> | undefined;

  private constructor(
    readonly path: string,
    readonly db: Database.Database,
    readonly definition: ReadModelDeclaration,
    /** The version the file was built with: may differ from the definition's after a code change. */
    readonly version: number,
    /** The physical layout the file was created with (kept in `PRAGMA user_version`). */
    readonly layout: number,
  ) {
    this.readCheckpoint = db.prepare<[], number>('SELECT position FROM projection_checkpoint WHERE id = 1').pluck();
    this.writeCheckpoint = db.prepare<[number]>('UPDATE projection_checkpoint SET position = ? WHERE id = 1');
    this.beginRead = db.prepare('BEGIN');
    this.endRead = db.prepare('COMMIT');
    this.cachedPosition = this.readCheckpoint.get()!;
    const hasDeferredIndexes = db
      .prepare<[], number>("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'projection_deferred_indexes'")
      .pluck()
      .get();
    this.deferredIndexDdl =
      hasDeferredIndexes === 1 ? db.prepare<[], string>('SELECT ddl FROM projection_deferred_indexes').pluck() : undefined;
    this.pendingIndexes = this.readPendingIndexes().length > 0;
    // Mappings of another version, or of another layout, would write into tables they do not
    // know: such a file is only ever read, until a rebuild replaces it.
    this.filers = version === definition.version && layout === layoutOf(definition) ? compileFilers(definition, db) : undefined;
  }

  /** Creates a new, empty generation at the definition's version. Fails if the file holds one already. */
  static create(path: string, definition: ReadModelDeclaration): ReadModelFile {
    const fresh = !existsSync(path);
    let db: Database.Database;
    try {
      db = openDatabase(path);
    } catch (error) {
      // A disk too full for the first pages leaves no half-made file behind.
      if (fresh) removeFiles(path);
      throw error;
    }
    try {
      const existing = db.prepare<[], number>(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'projection_checkpoint'",
      ).pluck().get();
      if (existing !== 0) throw new Error(`${path} already holds a read model`);
      db.transaction(() => {
        db.exec(CHECKPOINT_SCHEMA);
        db.prepare('INSERT INTO projection_checkpoint (id, name, version, position) VALUES (1, ?, ?, 0)').run(
          definition.name,
          definition.version,
        );
        db.exec(definition.schema);
        if (definition.indexes !== undefined && definition.indexes.trim() !== '') {
          db.exec(DEFERRED_INDEXES_SCHEMA);
          db.prepare('INSERT INTO projection_deferred_indexes (ddl) VALUES (?)').run(definition.indexes);
        }
        db.pragma(`user_version = ${layoutOf(definition)}`);
      })();
      return new ReadModelFile(path, db, definition, definition.version, layoutOf(definition));
    } catch (error) {
      db.close();
      if (fresh) removeFiles(path);
      throw error;
    }
  }

  /**
   * Opens an existing generation, whatever version built it. Throws ReadModelDamaged when the file
   * is no database, has a malformed page on the way to its checkpoint, or lacks its checkpoint or
   * (when this build writes it) one of its declaration's tables.
   */
  static open(path: string, definition: ReadModelDeclaration): ReadModelFile {
    // SQLite would take an empty file for a new database and write its header into it.
    if (statSync(path, { throwIfNoEntry: false })?.size === 0) throw new ReadModelDamaged(path, 'the file is empty');
    let db: Database.Database;
    try {
      db = openDatabase(path);
    } catch (error) {
      throw asDamaged(path, error);
    }
    try {
      const hasCheckpoint = db
        .prepare<[], number>("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'projection_checkpoint'")
        .pluck()
        .get();
      if (hasCheckpoint !== 1) throw new ReadModelDamaged(path, 'it has no checkpoint table');
      const row = db.prepare<[], CheckpointRow>('SELECT name, version, position FROM projection_checkpoint WHERE id = 1').get();
      if (row === undefined) throw new ReadModelDamaged(path, 'its checkpoint is missing');
      if (row.name !== definition.name) throw new ReadModelDamaged(path, `it holds projection ${row.name}, not ${definition.name}`);
      const file = new ReadModelFile(path, db, definition, row.version, Number(db.pragma('user_version', { simple: true })));
      const missing = file.missingTables();
      if (missing.length > 0) throw new ReadModelDamaged(path, `table ${missing.join(', ')} is missing`);
      return file;
    } catch (error) {
      db.close();
      throw asDamaged(path, error);
    }
  }

  /**
   * The declaration's tables the file lacks. Only a file this build writes is held to them: an
   * older version's tables are its own.
   */
  missingTables(): string[] {
    if (!this.writable) return [];
    const present = new Set(
      this.db.prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all(),
    );
    return this.definition.tables.filter((table) => !present.has(table));
  }

  /** The log position of the last event this file reflects (0: none). */
  get position(): number {
    return this.cachedPosition;
  }

  /**
   * Another connection (a writer thread) committed a batch up to `position`: moves the
   * position this connection reports, which readers wait on. Never moves it back.
   */
  noteCheckpoint(position: number): void {
    if (position > this.cachedPosition) this.cachedPosition = position;
  }

  /**
   * Runs `read` inside one read transaction and hands it the checkpoint of that snapshot. A
   * writer on another connection may commit between two statements of a query; in one
   * transaction every statement sees the same batch, and the position is the one its rows
   * reflect.
   */
  readSnapshot<T>(read: (position: number) => T): T {
    this.beginRead.run();
    try {
      return read(this.readCheckpoint.get()!);
    } finally {
      // A read-only transaction: ending it can only release the snapshot.
      if (this.db.inTransaction) this.endRead.run();
    }
  }

  /** True while the definition's secondary indexes are yet to be built (possibly by another connection). */
  get indexesPending(): boolean {
    if (this.pendingIndexes) this.pendingIndexes = this.readPendingIndexes().length > 0;
    return this.pendingIndexes;
  }

  /** Builds the deferred indexes, in one transaction with forgetting them. Does nothing when none are pending. */
  createDeferredIndexes(): void {
    this.db.transaction(() => {
      const pending = this.readPendingIndexes();
      for (const ddl of pending) this.db.exec(ddl);
      if (pending.length > 0) this.db.exec('DELETE FROM projection_deferred_indexes');
    })();
    this.pendingIndexes = false;
  }

  private readPendingIndexes(): string[] {
    return this.deferredIndexDdl?.all() ?? [];
  }

  get writable(): boolean {
    return this.filers !== undefined;
  }

  /** The event types the read model files rows for; every other event only moves the checkpoint. */
  get handledTypes(): readonly string[] {
    return this.filers === undefined ? [] : handledTypes(this.definition);
  }

  /**
   * Applies the events above the checkpoint and moves the checkpoint, in one transaction.
   * Events at or below the checkpoint are skipped, so applying a batch twice changes nothing.
   * `through`, when given, is a position up to which the caller has seen every event (those
   * left out are ignored by the read model): the checkpoint moves there too. Throws
   * ProjectionApplyError (and commits nothing) when an event cannot be filed.
   */
  applyBatch(events: readonly RecordedEvent[], through = 0): number {
    const filers = this.filers;
    if (filers === undefined) {
      throw new Error(`${this.path} was built by version ${this.version} of ${this.definition.name}; this build writes version ${this.definition.version}`);
    }
    const position = this.db.transaction(() => {
      let checkpoint = this.readCheckpoint.get()!;
      events.forEach((event, index) => {
        if (event.position <= checkpoint) return;
        try {
          filers.get(event.type)?.(event);
        } catch (cause) {
          // A full disk or a damaged file is not the event's fault: it must not stop the read model.
          if (readModelFailure(cause) !== undefined) throw cause;
          throw new ProjectionApplyError(this.definition.name, event, index, cause);
        }
        checkpoint = event.position;
      });
      checkpoint = Math.max(checkpoint, through);
      this.writeCheckpoint.run(checkpoint);
      return checkpoint;
    })();
    this.cachedPosition = position;
    return position;
  }

  /**
   * Files the events of the log window (after, until] in SQL (see `read-model-sql.ts`), reading
   * the log attached to this connection on first use, and moves the checkpoint to `until` (or to
   * the log's head, when that is lower), in one transaction; returns the checkpoint. Events at or
   * below the checkpoint are skipped, so a window applied twice changes nothing. Throws, and
   * commits nothing, when a statement fails: the caller then files the window's events through
   * `applyBatch`, which names the event that cannot be filed.
   */
  applyLogWindow(log: SqlReadableLog, after: number, until: number): number {
    if (!this.writable) throw new Error(`${this.path} is only read by this build`);
    const attached = this.attachLog(log);
    const position = this.db.transaction(() => {
      const checkpoint = this.readCheckpoint.get()!;
      // Never past the log's head: the checkpoint would then skip what is appended there later.
      const window = { after: Math.max(after, checkpoint), until: Math.min(until, attached.head.get()!) };
      if (window.until <= window.after) return checkpoint;
      for (const statement of attached.statements) statement.run(window);
      this.writeCheckpoint.run(window.until);
      return window.until;
    })();
    this.cachedPosition = position;
    return position;
  }

  /** The head of the attached log (see `applyLogWindow`). */
  logHead(log: SqlReadableLog): number {
    return this.attachLog(log).head.get()!;
  }

  /**
   * At most `limit` events of the window (after, until] of the attached log, in order, as the
   * port hands them over. An event whose data or metadata text does not parse is handed over
   * with `data` undefined: filing it then fails, and names it.
   */
  logEvents(log: SqlReadableLog, after: number, until: number, limit: number): RecordedEvent[] {
    return this.attachLog(log).events.all(after, until, limit).map((row) => {
      const metadata = parseOrUndefined(row.metadata);
      return {
        eventId: row.eventId,
        type: row.type,
        streamId: row.streamId,
        revision: row.revision,
        position: row.position,
        data: metadata === undefined ? undefined : parseOrUndefined(row.data),
        dataJson: row.data,
        metadata: (metadata ?? {}) as Record<string, unknown>,
      };
    });
  }

  private attached:
    | {
        readonly log: SqlReadableLog;
        readonly head: Database.Statement<[], number>;
        readonly events: Database.Statement<[number, number, number], LogRow>;
        readonly statements: readonly Database.Statement<[LogWindow]>[];
      }
    | undefined;

  private attachLog(log: SqlReadableLog): NonNullable<ReadModelFile['attached']> {
    if (this.attached !== undefined) {
      if (this.attached.log.file !== log.file) throw new Error(`${this.path} already reads the log ${this.attached.log.file}`);
      return this.attached;
    }
    // Only ever read through this connection: the statements write to this file's tables.
    this.db.prepare('ATTACH DATABASE ? AS log').run(log.file);
    try {
      this.db.exec(logViewSql(log, 'log'));
      this.db.function('instant_ms', { deterministic: true }, instantMs);
      this.db.function('unfileable', (position) => {
        throw new LogWindowUnfileable(this.definition.name, Number(position));
      });
      this.attached = {
        log,
        head: this.db.prepare<[], number>(LOG_HEAD_SQL).pluck(),
        events: this.db.prepare<[number, number, number], LogRow>(WINDOW_EVENTS_SQL),
        statements: logWindowStatements(this.definition).map((sql) => this.db.prepare<[LogWindow]>(sql)),
      };
      return this.attached;
    } catch (error) {
      // Detached, so that the next window can attach it again rather than fail on the name.
      this.db.exec('DROP VIEW IF EXISTS temp.log_events');
      this.db.exec('DETACH DATABASE log');
      throw error;
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

interface LogRow {
  readonly position: number;
  readonly eventId: string;
  readonly streamId: string;
  readonly revision: number;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** An error of opening a generation, as ReadModelDamaged when it says the file is damaged. */
function asDamaged(path: string, error: unknown): unknown {
  if (error instanceof ReadModelDamaged) return error;
  const failure = readModelFailure(error);
  return failure?.kind === 'damaged' ? new ReadModelDamaged(path, failure.reason, { cause: error }) : error;
}

function removeFiles(path: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
}

function layoutOf(definition: ReadModelDeclaration): number {
  return definition.layout ?? 0;
}

function openDatabase(path: string): Database.Database {
  // Owner-only from the first byte, like the event store: read models hold the same data.
  closeSync(openSync(path, 'a', 0o600));
  const db = new Database(path);
  try {
    for (const pragma of READ_MODEL_PRAGMAS) db.pragma(pragma);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
