import { randomUUID } from 'node:crypto';
import { getEventListeners } from 'node:events';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import Database from 'better-sqlite3';
import {
  EventIdConflict,
  WrongExpectedRevision,
  type EventToAppend,
  type ExpectedRevision,
  type RecordedEvent,
} from '../event-store.port.js';
import {
  SQLITE_EVENT_STORE_FILE_NAME,
  SQLITE_EVENT_STORE_PRAGMAS,
  SQLITE_EVENT_STORE_SCHEMA_VERSION,
  SqliteEventStore,
  type SqliteEventStoreOptions,
} from './sqlite-event-store.js';

describe('SqliteEventStore', () => {
  let root: string;
  const opened: SqliteEventStore[] = [];
  const rawConnections: Database.Database[] = [];

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'sqlite-event-store-spec-'));
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
    for (const connection of rawConnections.splice(0)) connection.close();
    await rm(root, { recursive: true, force: true });
  });

  function openStore(options: SqliteEventStoreOptions = {}, directory = join(root, 'data')): SqliteEventStore {
    const store = SqliteEventStore.openInDirectory(directory, options);
    opened.push(store);
    return store;
  }

  /** A second connection to the same file, as another process would have. */
  function rawConnection(directory = join(root, 'data')): Database.Database {
    const connection = new Database(join(directory, SQLITE_EVENT_STORE_FILE_NAME));
    rawConnections.push(connection);
    return connection;
  }

  describe('opening', () => {
    it('creates an owner-only data directory and database file, in WAL mode, at the current schema version', async () => {
      const directory = join(root, 'nested', 'data');
      const store = openStore({}, directory);
      await store.append('neighbourhood-1', [newEvent()], 'no_stream');
      const connection = rawConnection(directory);

      expect((await stat(directory)).mode & 0o777).toBe(0o700);
      expect((await stat(join(directory, SQLITE_EVENT_STORE_FILE_NAME))).mode & 0o777).toBe(0o600);
      expect((await stat(join(directory, `${SQLITE_EVENT_STORE_FILE_NAME}-wal`))).mode & 0o777).toBe(0o600);
      expect(connection.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(connection.pragma('user_version', { simple: true })).toBe(SQLITE_EVENT_STORE_SCHEMA_VERSION);
      expect(await store.headPosition()).toBe(1);
      expect(store.name).toBe('sqlite');
    });

    it('starts an empty log at head position 0 and numbers positions from 1 without gaps', async () => {
      const store = openStore();

      const emptyHead = await store.headPosition();
      await store.append('neighbourhood-1', [newEvent(), newEvent()], 'no_stream');
      await expect(store.append('neighbourhood-1', [newEvent()], 'no_stream')).rejects.toBeInstanceOf(
        WrongExpectedRevision,
      );
      await store.append('neighbourhood-2', [newEvent()], 'no_stream');

      expect(emptyHead).toBe(0);
      expect((await collect(store.readAll())).map((event) => event.position)).toEqual([1, 2, 3]);
    });

    it('never hands out a position again, even after the newest row is removed', async () => {
      const store = openStore();
      const removed = await store.append('neighbourhood-1', [newEvent()], 'no_stream');
      rawConnection().prepare('DELETE FROM events WHERE position = ?').run(removed.position);

      const next = await store.append('neighbourhood-2', [newEvent()], 'no_stream');

      expect(next.position).toBe(removed.position + 1);
    });

    it('refuses a database written by a newer schema', async () => {
      const directory = join(root, 'data');
      const store = openStore({}, directory);
      await store.close();
      rawConnection(directory).pragma(`user_version = ${SQLITE_EVENT_STORE_SCHEMA_VERSION + 1}`);

      expect(() => SqliteEventStore.openInDirectory(directory)).toThrow(/schema version/);
    });

    it('names its file and table for readers that attach it, and takes a page cache size for a connection that only reads', async () => {
      const directory = join(root, 'data');
      const writer = openStore({}, directory);
      const log = writer.sqlLog;
      expect(log.file).toBe(join(directory, SQLITE_EVENT_STORE_FILE_NAME));
      await writer.append('neighbourhood-1', [{ eventId: 'e-1', type: 'Happened', data: { a: 1 }, metadata: {} }], 'no_stream');
      const attached = new Database(':memory:');
      attached.prepare('ATTACH DATABASE ? AS log').run(log.file);
      const { columns } = log;
      expect(
        attached
          .prepare(`SELECT ${columns.position} AS position, ${columns.eventId} AS eventId, ${columns.type} AS type, ${columns.data} AS data FROM log.${log.table}`)
          .all(),
      ).toEqual([{ position: 1, eventId: 'e-1', type: 'Happened', data: '{"a":1}' }]);
      attached.close();
      const reader = SqliteEventStore.open(log.file, { cacheSizeKiB: 2_048 });
      opened.push(reader);
      expect((await collect(reader.readAll())).map((event) => event.eventId)).toEqual(['e-1']);
      expect(() => SqliteEventStore.open(log.file, { cacheSizeKiB: 0 })).toThrow(RangeError);
    });

    it('exports the pragmas it runs with, durable commits included', () => {
      expect(SQLITE_EVENT_STORE_PRAGMAS).toEqual(
        expect.arrayContaining(['journal_mode = WAL', 'synchronous = FULL', expect.stringMatching(/^busy_timeout = \d+$/)]),
      );
    });
  });

  describe('group commit', () => {
    it('lets appends of the same turn see each other, each with its own outcome', async () => {
      const store = openStore();
      const [e1, e2, e3, e4, e5, e6] = Array.from({ length: 6 }, () => newEvent());

      const outcomes = await Promise.allSettled([
        store.append('neighbourhood-1', [e1!], 'no_stream'),
        store.append('neighbourhood-1', [e2!, e3!], 0),
        store.append('neighbourhood-1', [e4!], 0),
        store.append('neighbourhood-1', [e5!, e5!], 2),
        store.append('neighbourhood-1', [e6!], 2),
        store.append('neighbourhood-1', [e1!], 'no_stream'),
        store.append('neighbourhood-2', [e2!], 'any'),
      ]);

      expect(outcomes[0]).toEqual({ status: 'fulfilled', value: { nextRevision: 0, position: 1, positions: [1] } });
      expect(outcomes[1]).toEqual({ status: 'fulfilled', value: { nextRevision: 2, position: 3, positions: [2, 3] } });
      expect(outcomes[2]).toMatchObject({ status: 'rejected', reason: { name: 'WrongExpectedRevision', actual: 2 } });
      expect(outcomes[3]).toMatchObject({ status: 'rejected', reason: { name: 'EventIdConflict', eventId: e5!.eventId } });
      expect(outcomes[4]).toEqual({ status: 'fulfilled', value: { nextRevision: 3, position: 4, positions: [4] } });
      expect(outcomes[5]).toEqual({ status: 'fulfilled', value: { nextRevision: 0, position: 1, replayed: true } });
      expect(outcomes[6]).toMatchObject({ status: 'rejected', reason: { name: 'EventIdConflict', eventId: e2!.eventId } });
      expect((outcomes[2] as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedRevision);
      expect((outcomes[3] as PromiseRejectedResult).reason).toBeInstanceOf(EventIdConflict);
      expect((await collect(store.readAll())).map((event) => [event.streamId, event.eventId])).toEqual(
        [e1, e2, e3, e6].map((event) => ['neighbourhood-1', event!.eventId]),
      );
    });

    it('commits the appends of one turn in one transaction, in groups of at most maxAppendsPerCommit', async () => {
      const groups: number[] = [];
      const store = openStore({ maxAppendsPerCommit: 8, onGroupCommitted: (appends) => groups.push(appends) });

      await Promise.all(Array.from({ length: 30 }, (_, index) => store.append(`neighbourhood-${index}`, [newEvent()], 'any')));
      const groupsOfOneTurn = groups.splice(0);
      await store.append('neighbourhood-0', [newEvent()], 0);
      await store.append('neighbourhood-0', [newEvent()], 1);

      expect(groupsOfOneTurn).toEqual([8, 8, 8, 6]);
      expect(groups).toEqual([1, 1]);
    });

    it('undoes a partly written batch that fails inside the group, and only that batch', async () => {
      const store = openStore();
      await store.append('neighbourhood-0', [newEvent()], 'no_stream');
      rawConnection().exec(`
        CREATE TRIGGER reject_poison BEFORE INSERT ON events WHEN NEW.type = 'Poison'
        BEGIN SELECT RAISE(ABORT, 'poisoned event'); END;`);
      const before = newEvent();
      const partlyWritten = newEvent();
      const after = newEvent();

      const outcomes = await Promise.allSettled([
        store.append('neighbourhood-1', [before], 'no_stream'),
        store.append('neighbourhood-2', [partlyWritten, newEvent('Poison')], 'no_stream'),
        store.append('neighbourhood-3', [after], 'no_stream'),
      ]);

      expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ message: 'poisoned event' });
      expect((await collect(store.readAll({ after: 1 }))).map((event) => event.eventId)).toEqual([
        before.eventId,
        after.eventId,
      ]);
      expect(await store.streamRevision('neighbourhood-2')).toBe(-1);
    });

    it('refuses a single event whose insert fails inside the group, and keeps the appends around it', async () => {
      const store = openStore();
      rawConnection().exec(`
        CREATE TRIGGER reject_poison BEFORE INSERT ON events WHEN NEW.type = 'Poison'
        BEGIN SELECT RAISE(ABORT, 'poisoned event'); END;`);
      const before = newEvent();
      const after = newEvent();

      const outcomes = await Promise.allSettled([
        store.append('neighbourhood-1', [before], 'no_stream'),
        store.append('neighbourhood-2', [newEvent('Poison')], 'no_stream'),
        store.append('neighbourhood-1', [after], 0),
      ]);

      expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ message: 'poisoned event' });
      expect((await collect(store.readAll())).map((event) => event.eventId)).toEqual([before.eventId, after.eventId]);
      expect(await store.streamRevision('neighbourhood-2')).toBe(-1);
      expect(await store.streamRevision('neighbourhood-1')).toBe(1);
    });

    it('settles an append only once its whole group is committed and visible to other connections', async () => {
      const store = openStore();
      const connection = rawConnection();
      const countRows = connection.prepare<[], number>('SELECT count(*) FROM events').pluck();
      const visibleWhenSettled: number[] = [];

      await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          store
            .append(`neighbourhood-${index}`, [newEvent()], 'no_stream')
            .then(() => visibleWhenSettled.push(countRows.get()!)),
        ),
      );

      expect(visibleWhenSettled).toEqual(Array.from({ length: 20 }, () => 20));
    });

    it('keeps the call order across groups when a turn holds more appends than one group takes', async () => {
      const store = openStore({ maxAppendsPerCommit: 3 });

      const results = await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          store.append('neighbourhood-1', [newEvent('PositionCaptured', { index })], index === 0 ? 'no_stream' : index - 1),
        ),
      );

      expect(results.map((result) => result.nextRevision)).toEqual(Array.from({ length: 10 }, (_, index) => index));
      expect(results.map((result) => result.position)).toEqual(Array.from({ length: 10 }, (_, index) => index + 1));
    });

    it('fails only the append whose payload cannot be stored', async () => {
      const store = openStore();

      const outcomes = await Promise.allSettled([
        store.append('neighbourhood-1', [newEvent()], 'no_stream'),
        store.append('neighbourhood-2', [newEvent('PositionCaptured', { count: 1n })], 'no_stream'),
        store.append('neighbourhood-3', [newEvent()], 'no_stream'),
      ]);

      expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(await store.streamRevision('neighbourhood-2')).toBe(-1);
    });

    it.each<[string, string, ExpectedRevision, ErrorConstructor]>([
      ['a negative revision', 'neighbourhood-1', -1, RangeError],
      ['a fractional revision', 'neighbourhood-1', 1.5, RangeError],
      ['an empty stream id', '', 'any', TypeError],
    ])('rejects %s without writing', async (_, streamId, expected, errorType) => {
      const store = openStore();

      await expect(store.append(streamId, [newEvent()], expected)).rejects.toBeInstanceOf(errorType);
      expect(await store.headPosition()).toBe(0);
    });
  });

  describe('data as stored text', () => {
    it('hands over the data column as written, on every read path: the serialisation of the data appended', async () => {
      const store = openStore();
      const data = [
        { neighbourhood: 'حي التضامن', numbers: [1e21, -0.5, 5e-324], nested: { quote: '"', empty: [] } },
        { notes: 'line\nbreak', emoji: '🏳️' },
      ];
      await store.append('neighbourhood-1', data.map((item) => newEvent('PositionCaptured', item)), 'no_stream');
      const stored = rawConnection().prepare<[], string>('SELECT data FROM events ORDER BY position').pluck().all();
      const controller = new AbortController();
      const subscribed: RecordedEvent[] = [];
      for await (const event of store.subscribe({ signal: controller.signal })) {
        subscribed.push(event);
        if (subscribed.length === data.length) controller.abort();
      }

      const paths = {
        readStream: await collect(store.readStream('neighbourhood-1')),
        readAll: await collect(store.readAll()),
        subscribe: subscribed,
      };

      expect(stored).toEqual(data.map((item) => JSON.stringify(item)));
      for (const [path, events] of Object.entries(paths)) {
        expect({ path, text: events.map((event) => event.dataJson) }).toEqual({ path, text: stored });
        expect({ path, data: events.map((event) => event.data) }).toEqual({ path, data });
      }
    });
  });

  describe('paged reads', () => {
    it('reads streams and filtered logs across many small pages and scan windows', async () => {
      const store = openStore({ pageSize: 2 });
      for (let index = 0; index < 200; index += 1) {
        const type = index % 50 === 7 ? 'ControlHandedOver' : 'PositionCaptured';
        await store.append(`neighbourhood-${index % 4}`, [newEvent(type, { index })], 'any');
      }

      const stream = await collect(store.readStream('neighbourhood-1', { fromRevision: 3, maxCount: 11 }));
      const sparse = await collect(store.readAll({ filter: { eventTypes: ['ControlHandedOver'] } }));
      const tail = await collect(store.readAll({ after: 150, maxCount: 7 }));

      expect(stream.map((event) => (event.data as { index: number }).index)).toEqual(
        Array.from({ length: 11 }, (_, offset) => (3 + offset) * 4 + 1),
      );
      expect(sparse.map((event) => (event.data as { index: number }).index)).toEqual([7, 57, 107, 157]);
      expect(tail.map((event) => event.position)).toEqual([151, 152, 153, 154, 155, 156, 157]);
    });

    it('ends a page at about 4 MB of event text and loses or repeats nothing across such pages, in every read', async () => {
      const store = openStore();
      // 40 events of 600 KB: one page of 500 rows would hold 24 MB.
      for (let index = 0; index < 40; index += 1) {
        await store.append(`neighbourhood-${index % 2}`, [newEvent('AttackLaunched', { index, notes: 'n'.repeat(600_000) })], 'any');
      }
      const indexes = (events: RecordedEvent[]) => events.map((event) => (event.data as { index: number }).index);

      const stream = await collect(store.readStream('neighbourhood-1'));
      const all = await collect(store.readAll());
      const filtered = await collect(store.readAll({ filter: { streamPrefixes: ['neighbourhood-0'] } }));
      const controller = new AbortController();
      const live: RecordedEvent[] = [];
      for await (const event of store.subscribe({ signal: controller.signal })) {
        live.push(event);
        if (live.length === 40) controller.abort();
      }

      expect(indexes(stream)).toEqual(Array.from({ length: 20 }, (_, k) => 2 * k + 1));
      expect(indexes(all)).toEqual(Array.from({ length: 40 }, (_, k) => k));
      expect(indexes(filtered)).toEqual(Array.from({ length: 20 }, (_, k) => 2 * k));
      expect(live.map((event) => event.position)).toEqual(all.map((event) => event.position));
    });

    it('catches a sparse subscription up across scan windows, then follows live', async () => {
      const store = openStore({ pageSize: 2 });
      for (let index = 0; index < 150; index += 1) {
        await store.append(index === 120 ? 'actor-1' : 'neighbourhood-1', [newEvent()], 'any');
      }
      const controller = new AbortController();
      const seen: RecordedEvent[] = [];
      const subscription = store.subscribe({ filter: { streamPrefixes: ['actor-'] }, signal: controller.signal });
      const iterator = subscription[Symbol.asyncIterator]();

      seen.push((await iterator.next()).value as RecordedEvent);
      const pending = iterator.next();
      await store.append('neighbourhood-1', [newEvent()], 'any');
      await store.append('actor-2', [newEvent()], 'no_stream');
      seen.push((await pending).value as RecordedEvent);
      controller.abort();

      expect(seen.map((event) => [event.streamId, event.position])).toEqual([
        ['actor-1', 121],
        ['actor-2', 152],
      ]);
      expect(await iterator.next()).toEqual({ done: true, value: undefined });
    });

    it('refuses to read once closed', async () => {
      const store = openStore();
      await store.append('neighbourhood-1', [newEvent()], 'no_stream');
      await store.close();

      await expect(collect(store.readAll())).rejects.toThrow(/closed/);
      await expect(collect(store.readStream('neighbourhood-1'))).rejects.toThrow(/closed/);
      await expect(store.headPosition()).rejects.toThrow(/closed/);
    });
  });

  describe('live subscriptions', () => {
    it('sees commits made through another connection to the same file, by polling', async () => {
      const reader = openStore({ pollIntervalMs: 10 });
      const writer = openStore();
      const controller = new AbortController();
      const iterator = reader.subscribe({ signal: controller.signal })[Symbol.asyncIterator]();

      const next = iterator.next();
      const written = await writer.append('neighbourhood-1', [newEvent()], 'no_stream');
      const seen = await next;
      controller.abort();

      expect(seen.value).toMatchObject({ streamId: 'neighbourhood-1', position: written.position });
      expect(await iterator.next()).toEqual({ done: true, value: undefined });
    });

    it('waits for the head to pass a position: at once when it has, after a commit through another connection when not', async () => {
      const reader = openStore({ pollIntervalMs: 10 });
      const writer = openStore();
      const first = await writer.append('neighbourhood-1', [newEvent()], 'no_stream');

      const already = await reader.waitForHeadPast(first.position - 1);
      let settled = false;
      const waiting = reader.waitForHeadPast(first.position).finally(() => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 30));
      const settledBeforeTheCommit = settled;
      const second = await writer.append('neighbourhood-1', [newEvent()], 0);

      expect(already).toBe(true);
      expect(settledBeforeTheCommit).toBe(false);
      expect(await waiting).toBe(true);
      expect(await reader.headPosition()).toBe(second.position);
    });

    describe('with polling too slow to matter', () => {
      const neverPolls = { pollIntervalMs: 3_600_000 };

      it('hands subscribers that keep up what it has just committed without a query: what another connection reads, filtered or not, failed appends left out', async () => {
        const store = openStore(neverPolls);
        const other = openStore(neverPolls);
        rawConnection().exec(`
          CREATE TRIGGER reject_poison BEFORE INSERT ON events WHEN NEW.type = 'Poison'
          BEGIN SELECT RAISE(ABORT, 'poisoned event'); END;`);
        const filters = [undefined, { streamPrefixes: ['actor-'] }, { eventTypes: ['AttackLaunched'] }, { streamPrefixes: [] }];
        const controller = new AbortController();
        const seen = filters.map(() => [] as RecordedEvent[]);
        const following = filters.map(async (filter, index) => {
          for await (const event of store.subscribe({ signal: controller.signal, ...(filter !== undefined && { filter }) })) seen[index]!.push(event);
        });
        await nextTurn();
        const statement = Object.getPrototypeOf(rawConnection().prepare('SELECT 1')) as { iterate: (...args: unknown[]) => unknown };
        const queries = jest.spyOn(statement, 'iterate');

        let written = 0;
        for (let round = 0; round < 20; round += 1) {
          const outcomes = await Promise.allSettled([
            store.append(`neighbourhood-${round % 3}`, [newEvent('AttackLaunched', { round }), newEvent()], 'any'),
            store.append(`actor-${round}`, [newEvent('ActorRegistered', { name: `é ${round}` })], 'no_stream'),
            store.append('neighbourhood-x', [newEvent(), newEvent('Poison')], 'any'),
          ]);
          written += outcomes.filter((outcome) => outcome.status === 'fulfilled').length === 2 ? 3 : 0;
          await nextTurn();
        }
        while (seen[0]!.length < written) await nextTurn();
        await nextTurn();
        controller.abort();
        await Promise.all(following);
        const queriesWhileFollowing = queries.mock.calls.length;
        queries.mockRestore();

        expect(written).toBe(60);
        expect(queriesWhileFollowing).toBe(0);
        for (const [index, filter] of filters.entries()) {
          expect(seen[index]).toEqual(await collect(other.readAll(filter === undefined ? {} : { filter })));
        }
        expect(seen.map((events) => events.length)).toEqual([60, 20, 20, 0]);
      });

      it('hands over what the file gives back, where that differs from what was appended or from what JavaScript would match', async () => {
        const store = openStore(neverPolls);
        const prefixes = ['keep-'];
        const filters = [
          undefined,
          { streamPrefixes: prefixes },
          { streamPrefixes: ['a\u0000'] },
          { streamPrefixes: ['\uD83D'] },
          { streamPrefixes: ['s-\uD800'] },
          { eventTypes: ['T\uDC00'] },
        ];
        const controller = new AbortController();
        const seen = filters.map(() => [] as RecordedEvent[]);
        const following = filters.map(async (filter, index) => {
          for await (const event of store.subscribe({ signal: controller.signal, ...(filter !== undefined && { filter }) })) seen[index]!.push(event);
        });
        await nextTurn();
        // The caller's list changes after the subscription started: the subscription does not.
        prefixes.push('other-');

        // SQLite stores text as UTF-8: a lone surrogate does not come back as it was written.
        await store.append('s-\uD800', [{ ...newEvent('T\uDC00'), eventId: `${randomUUID()}\uD83D` }], 'any');
        // SQLite's length() stops at a NUL, and it matches whole characters, not halves of one.
        await store.append('a\u0000b', [newEvent()], 'any');
        await store.append('\u{1F600}-1', [newEvent()], 'any');
        await store.append('other-1', [newEvent()], 'any');
        await store.append('keep-1', [newEvent()], 'any');
        while (seen[0]!.length < 5) await nextTurn();
        await nextTurn();
        controller.abort();
        await Promise.all(following);
        const other = openStore(neverPolls);

        for (const [index, filter] of filters.entries()) {
          expect(seen[index]).toEqual(await collect(other.readAll(filter === undefined ? {} : { filter: { ...filter, ...(index === 1 && { streamPrefixes: ['keep-'] }) } })));
        }
        expect(seen[0]![0]!.streamId).not.toBe('s-\uD800');
        expect(seen[1]!.map((event) => event.streamId)).toEqual(['keep-1']);
        // A NUL or half a character matches nothing; a lone surrogate in a filter is stored as the file stores it, and matches.
        expect(seen.slice(2).map((events) => events.length)).toEqual([0, 0, 1, 1]);
      });

      it('reads what another connection committed in between, and nothing twice, when it wakes on its own commit', async () => {
        const store = openStore(neverPolls);
        const other = openStore(neverPolls);
        const controller = new AbortController();
        const iterator = store.subscribe({ signal: controller.signal })[Symbol.asyncIterator]();
        const positions: number[] = [];

        await store.append('neighbourhood-1', [newEvent()], 'no_stream');
        positions.push((await iterator.next()).value!.position);
        const between = await other.append('neighbourhood-2', [newEvent(), newEvent()], 'no_stream');
        const mine = await store.append('neighbourhood-1', [newEvent()], 0);
        for (let count = 0; count < 3; count += 1) positions.push((await iterator.next()).value!.position);
        controller.abort();

        expect(between.positions).toEqual([2, 3]);
        expect(mine.position).toBe(4);
        expect(positions).toEqual([1, 2, 3, 4]);
        expect(await iterator.next()).toEqual({ done: true, value: undefined });
      });

      it('wakes a wait for the head on a commit through the same instance, and answers false on abort and on close', async () => {
        const store = openStore(neverPolls);
        const head = await store.headPosition();
        const waitSignal = new AbortController().signal;
        const woken = store.waitForHeadPast(head, waitSignal);
        await nextTurn();
        await store.append('neighbourhood-1', [newEvent()], 'no_stream');
        const moved = await woken;
        // Woken by the commit, not by its signal: the wait leaves no listener on it.
        const listenersLeft = getEventListeners(waitSignal, 'abort').length;

        const controller = new AbortController();
        const aborted = store.waitForHeadPast(head + 1, controller.signal);
        await nextTurn();
        controller.abort();
        const closed = store.waitForHeadPast(head + 1);
        await nextTurn();
        await store.close();

        expect(moved).toBe(true);
        expect(listenersLeft).toBe(0);
        expect(await aborted).toBe(false);
        expect(await closed).toBe(false);
      });

      it('wakes a waiting subscriber on a commit through the same instance', async () => {
        const store = openStore(neverPolls);
        const controller = new AbortController();
        const iterator = store.subscribe({ signal: controller.signal })[Symbol.asyncIterator]();

        const next = iterator.next();
        await nextTurn();
        const written = await store.append('neighbourhood-1', [newEvent()], 'no_stream');
        const seen = await next;
        controller.abort();

        expect(seen.value).toMatchObject({ position: written.position });
        expect(await iterator.next()).toEqual({ done: true, value: undefined });
      });

      it('ends a waiting subscription as soon as its signal aborts', async () => {
        const store = openStore(neverPolls);
        const controller = new AbortController();
        const iterator = store.subscribe({ signal: controller.signal })[Symbol.asyncIterator]();

        const next = iterator.next();
        await nextTurn();
        controller.abort();

        expect(await next).toEqual({ done: true, value: undefined });
        expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      });

      it('ends a waiting subscription as soon as the store closes', async () => {
        const store = openStore(neverPolls);
        const iterator = store.subscribe()[Symbol.asyncIterator]();

        const next = iterator.next();
        await nextTurn();
        await store.close();

        expect(await next).toEqual({ done: true, value: undefined });
      });
    });

    it('leaves no abort listener behind from the waits it has finished', async () => {
      const store = openStore({ pollIntervalMs: 5 });
      const controller = new AbortController();
      const iterator = store.subscribe({ signal: controller.signal })[Symbol.asyncIterator]();

      for (let index = 0; index < 10; index += 1) {
        const next = iterator.next();
        await new Promise((resolve) => setTimeout(resolve, 12));
        await store.append('neighbourhood-1', [newEvent()], 'any');
        await next;
      }
      const listenersWhileConsuming = getEventListeners(controller.signal, 'abort').length;
      controller.abort();

      expect(listenersWhileConsuming).toBe(0);
      expect(await iterator.next()).toEqual({ done: true, value: undefined });
    });
  });
});

function newEvent(type = 'PositionCaptured', data: unknown = {}): EventToAppend {
  return { eventId: randomUUID(), type, data, metadata: { correlationId: randomUUID() } };
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}
