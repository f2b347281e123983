/**
 * The embedded store on a disk that fills, fails or is damaged: what it throws (the port's
 * StorageError), what it says in its log (once per change), how it finds out by itself that
 * space is back (a probe write every 5 s), and what a damaged file does to a start.
 * Waits are bounded, never timed.
 */
import { randomUUID } from 'node:crypto';
import { openSync, closeSync, readFileSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { StorageError, type EventToAppend } from '../../src/event-store/event-store.port.js';
import { sqliteStorageFailure } from '../../src/event-store/sqlite/sqlite-storage-failure.js';
import { EventStoreDamaged, SQLITE_EVENT_STORE_FILE_NAME, SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store.js';
import { pageLimitedDisk } from './live-connection.fixture.js';

/** A probe runs every 5 s: three of them, and the time a loaded machine needs besides. */
const PROBE_BOUND_MS = 20_000;

interface Logged {
  readonly level: 'log' | 'warn' | 'error';
  readonly message: string;
}

function recordingLogger(into: Logged[]) {
  return {
    log: (message: string) => into.push({ level: 'log', message }),
    warn: (message: string) => into.push({ level: 'warn', message }),
    error: (message: string) => into.push({ level: 'error', message }),
  };
}

/** About 40 KB: a few pages of the file each. */
function fatEvent(eventId: string = randomUUID()): EventToAppend {
  return { eventId, type: 'AttackLaunched', data: { notes: 'n'.repeat(40_000) }, metadata: { recordedAt: new Date().toISOString() } };
}

async function until(condition: () => Promise<boolean>, boundMs: number, what: string): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${boundMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function pingError(store: SqliteEventStore): Promise<unknown> {
  try {
    await store.ping();
    return undefined;
  } catch (error) {
    return error;
  }
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

describe('the embedded store when its storage fails', () => {
  let root: string;
  const opened: SqliteEventStore[] = [];

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'sqlite-storage-'));
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
    await rm(root, { recursive: true, force: true });
  });

  function open(logged: Logged[] = []): SqliteEventStore {
    const store = SqliteEventStore.openInDirectory(join(root, 'data'), { logger: recordingLogger(logged) });
    opened.push(store);
    return store;
  }

  /** Appends fat events to `stream` until one is refused; returns the refusal and the event it refused. */
  async function appendUntilRefused(store: SqliteEventStore, stream: string): Promise<{ error: unknown; refused: EventToAppend; appended: number }> {
    let revision = await store.streamRevision(stream);
    for (let appended = 0; appended < 200; appended++) {
      const event = fatEvent();
      try {
        revision = (await store.append(stream, [event], revision === -1 ? 'no_stream' : revision)).nextRevision;
      } catch (error) {
        return { error, refused: event, appended };
      }
    }
    throw new Error('200 appends of 40 KB went through a full disk');
  }

  it('refuses an append that needs room with StorageError full, writes nothing of it, and says so once', async () => {
    const logged: Logged[] = [];
    const store = open(logged);
    await store.append('neighbourhood-1', [fatEvent()], 'no_stream');
    const disk = pageLimitedDisk(store);
    disk.fill();

    const { error, refused } = await appendUntilRefused(store, 'neighbourhood-1');
    const headAfterRefusal = await store.headPosition();
    const second = await store.append('neighbourhood-1', [fatEvent()], 'any').catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ kind: 'full', message: expect.stringMatching(/no space left.*nothing was written/) });
    expect(second).toMatchObject({ name: 'StorageError', kind: 'full' });
    const pinged = await pingError(store);
    expect(pinged).toMatchObject({ name: 'StorageError', kind: 'full' });
    expect((pinged as Error).message).toMatch(/^storage full: database or disk is full/);
    // Reads go on: the log up to the refusal is all there, and the refused event is not.
    const events = await collect(store.readStream('neighbourhood-1'));
    expect(events.at(-1)!.position).toBe(headAfterRefusal);
    expect(events.map((event) => event.eventId)).not.toContain(refused.eventId);
    expect(logged.filter((line) => line.message.startsWith('storage full'))).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 'warn', message: expect.stringContaining(join(root, 'data', SQLITE_EVENT_STORE_FILE_NAME)) });

    disk.free();
  });

  it('finds out by itself, within a few probes, that space is back, says so once, and records a retried event once', async () => {
    const logged: Logged[] = [];
    const store = open(logged);
    await store.append('neighbourhood-1', [fatEvent()], 'no_stream');
    const disk = pageLimitedDisk(store);
    disk.fill();
    const { refused } = await appendUntilRefused(store, 'neighbourhood-1');

    disk.free();
    // Nothing is written meanwhile: only the probe can clear the refusal.
    await until(async () => (await pingError(store)) === undefined, PROBE_BOUND_MS, 'ping answering again');

    const retried = await store.append('neighbourhood-1', [refused], 'any');
    const again = await store.append('neighbourhood-1', [refused], 'any');
    expect(again).toMatchObject({ nextRevision: retried.nextRevision, position: retried.position, replayed: true });
    const ids = (await collect(store.readStream('neighbourhood-1'))).map((event) => event.eventId);
    expect(ids.filter((id) => id === refused.eventId)).toHaveLength(1);
    expect(logged.map((line) => line.message.split(':')[0])).toEqual(['storage full', 'storage available again']);
    expect(readFileSync(join(root, 'data', SQLITE_EVENT_STORE_FILE_NAME)).length).toBeGreaterThan(0);
  }, 30_000);

  it('takes writes again at once when an append succeeds before the probe runs', async () => {
    const logged: Logged[] = [];
    const store = open(logged);
    await store.append('neighbourhood-1', [fatEvent()], 'no_stream');
    const disk = pageLimitedDisk(store);
    disk.fill();
    await appendUntilRefused(store, 'neighbourhood-1');

    disk.free();
    await store.append('neighbourhood-2', [fatEvent()], 'no_stream');

    expect(await pingError(store)).toBeUndefined();
    expect(logged.map((line) => line.message.split(':')[0])).toEqual(['storage full', 'storage available again']);
  });

  it('reports the durability settings of its own connection', () => {
    const store = open();
    expect(store.durability()).toEqual({ journalMode: 'wal', synchronous: 'full' });
  });

  describe('a damaged file', () => {
    const file = () => join(root, 'data', SQLITE_EVENT_STORE_FILE_NAME);

    async function storeWithEvents(count: number): Promise<void> {
      const store = SqliteEventStore.openInDirectory(join(root, 'data'));
      for (let index = 0; index < count; index++) await store.append(`neighbourhood-${index % 7}`, [fatEvent()], 'any');
      await store.close();
    }

    function openingError(): unknown {
      try {
        opened.push(SqliteEventStore.openInDirectory(join(root, 'data')));
        return undefined;
      } catch (error) {
        return error;
      }
    }

    const SAYS_WHAT_TO_DO = /^the event store .*events\.sqlite is damaged \(.+\); it is the source of truth, not a read model, and is never rebuilt: keep the damaged file and restore the last backup \(docs\/operations\.md, "Restoring"\)$/;

    it.each([
      ['all random bytes', () => writeFileSync(file(), Buffer.alloc(64 * 1024, 0x5a))],
      ['cut short', () => truncateSync(file(), Math.floor(readFileSync(file()).length / 2))],
      [
        'without its events table',
        () => {
          const db = new Database(file());
          db.exec('DROP TABLE events');
          db.close();
        },
      ],
    ])('stops a start when the file is %s, naming the file and saying it is the source of truth', async (_case, damage) => {
      await storeWithEvents(40);
      damage();
      const error = openingError();
      expect(error).toBeInstanceOf(EventStoreDamaged);
      expect((error as Error).message).toMatch(SAYS_WHAT_TO_DO);
      expect((error as Error).message).toContain(file());
    });

    it('refuses commands once a page read at run time is malformed, and says so once', async () => {
      await storeWithEvents(60);
      const logged: Logged[] = [];
      const store = open(logged);
      await collect(store.readStream('neighbourhood-1'));
      // Every page of the events table but the root: whatever the next read walks through.
      const inspector = new Database(file());
      const pages = inspector
        .prepare<[], number>("SELECT pageno FROM dbstat WHERE name = 'events' AND pagetype = 'leaf'")
        .pluck()
        .all();
      const pageSize = Number(inspector.pragma('page_size', { simple: true }));
      inspector.pragma('wal_checkpoint(TRUNCATE)');
      inspector.close();
      const fd = openSync(file(), 'r+');
      for (const page of pages) writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (page - 1) * pageSize);
      closeSync(fd);

      const read = await collect(store.readAll()).catch((error: unknown) => error);
      const append = await store.append('neighbourhood-1', [fatEvent()], 'any').catch((error: unknown) => error);
      const readAgain = await collect(store.readStream('neighbourhood-2')).catch((error: unknown) => error);

      expect(read).toMatchObject({ name: 'StorageError', kind: 'unavailable' });
      expect(append).toMatchObject({ name: 'StorageError', kind: 'unavailable', message: expect.stringMatching(/damaged.*restored from a backup/) });
      expect(readAgain).toMatchObject({ name: 'StorageError', kind: 'unavailable' });
      expect(await pingError(store)).toMatchObject({ name: 'StorageError', message: expect.stringMatching(/^storage damaged: /) });
      const damaged = logged.filter((line) => line.message.includes('is damaged'));
      expect(damaged).toHaveLength(1);
      expect(damaged[0]).toMatchObject({ level: 'error', message: expect.stringContaining('restore the last backup') });
    });
  });
});

describe('storage failures as SQLite and the file system name them', () => {
  const sqliteError = (code: string) => new Database.SqliteError(`${code} happened`, code);

  it.each([
    ['SQLITE_FULL', { kind: 'full', damaged: false, transient: false }],
    ['SQLITE_IOERR_WRITE', { kind: 'unavailable', damaged: false, transient: false }],
    ['SQLITE_IOERR_FSYNC', { kind: 'unavailable', damaged: false, transient: false }],
    ['SQLITE_READONLY_DBMOVED', { kind: 'unavailable', damaged: false, transient: false }],
    ['SQLITE_CANTOPEN', { kind: 'unavailable', damaged: false, transient: false }],
    ['SQLITE_CORRUPT', { kind: 'unavailable', damaged: true, transient: false }],
    ['SQLITE_CORRUPT_INDEX', { kind: 'unavailable', damaged: true, transient: false }],
    ['SQLITE_NOTADB', { kind: 'unavailable', damaged: true, transient: false }],
    ['SQLITE_BUSY', { kind: 'unavailable', damaged: false, transient: true }],
  ])('%s', (code, expected) => {
    expect(sqliteStorageFailure(sqliteError(code))).toEqual(expected);
  });

  it.each(['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_ERROR', 'SQLITE_MISMATCH'])('%s is no storage failure', (code) => {
    expect(sqliteStorageFailure(sqliteError(code))).toBeUndefined();
  });

  it('knows a full and a failing file system by their codes', () => {
    expect(sqliteStorageFailure(Object.assign(new Error('no space'), { code: 'ENOSPC' }))).toMatchObject({ kind: 'full' });
    expect(sqliteStorageFailure(Object.assign(new Error('quota'), { code: 'EDQUOT' }))).toMatchObject({ kind: 'full' });
    expect(sqliteStorageFailure(Object.assign(new Error('read-only'), { code: 'EROFS' }))).toMatchObject({ kind: 'unavailable' });
    expect(sqliteStorageFailure(new TypeError('a bug'))).toBeUndefined();
  });
});
