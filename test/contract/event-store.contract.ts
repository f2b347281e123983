import { randomUUID } from 'node:crypto';
import {
  EventIdConflict,
  WrongExpectedRevision,
  type AppendResult,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type RecordedEvent,
  type SubscribeOptions,
} from '../../src/event-store/event-store.port.js';

/**
 * What an adapter provides to run the shared event store contract. The suite uses the port
 * only, so that the embedded SQLite adapter and a KurrentDB adapter are held to the same rules.
 */
export interface ContractFactory {
  /**
   * A store to test against. An embedded adapter hands out a new, empty one. A server adapter
   * may hand out connections to one shared log: the suite writes every stream under a prefix
   * unique to the test, reads the log through that prefix, and never assumes the log is empty.
   */
  create(): Promise<EventStore>;
  /**
   * Closes `store` (which may already be closed) and opens the same data again: a file adapter
   * reopens its file, a server adapter reconnects. Omit it when the adapter cannot; the
   * durability tests are then skipped.
   */
  reopen?(store: EventStore): Promise<EventStore>;
  /**
   * Whether the adapter sees that an event id is already used by another stream. KurrentDB
   * deduplicates within a stream only, so its adapter declares false and those tests are skipped.
   */
  readonly detectsEventIdReuseAcrossStreams: boolean;
  /**
   * Whether every retry answered with its original says `replayed: true`. KurrentDB's server
   * recognises some retries itself (an append expecting no stream), which its adapter cannot
   * tell from a write, so it declares false: its answers are then only held to never saying
   * `replayed: false`.
   */
  readonly reportsEveryReplay: boolean;
}

const ARABIC_NEIGHBOURHOOD = 'حي التضامن';

export function describeEventStoreContract(adapterName: string, factory: ContractFactory): void {
  describe(`event store contract: ${adapterName}`, () => {
    const opened: EventStore[] = [];
    let namespace = '';

    beforeEach(() => {
      namespace = `c${randomUUID().replaceAll('-', '').slice(0, 12)}-`;
    });

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });

    /** A retry's answer: the original result, which says it is one where the adapter can tell. */
    function expectReplayOf(answer: AppendResult, original: AppendResult): void {
      // Where each event landed is said by the append that wrote them only.
      const { replayed, positions: wrote, ...result } = answer;
      const { replayed: _written, positions: _landed, ...originalResult } = original;
      expect(result).toEqual(originalResult);
      expect(wrote).toBeUndefined();
      if (factory.reportsEveryReplay) expect(replayed).toBe(true);
      else expect(replayed).not.toBe(false);
    }

    async function freshStore(): Promise<EventStore> {
      const store = await factory.create();
      opened.push(store);
      return store;
    }

    async function reopen(store: EventStore): Promise<EventStore> {
      if (factory.reopen === undefined) throw new Error('reopen tests run only when the factory can reopen');
      const again = await factory.reopen(store);
      opened.push(again);
      return again;
    }

    const neighbourhood = (id: string | number): string => `${namespace}neighbourhood-${id}`;
    const actor = (id: string | number): string => `${namespace}actor-${id}`;
    const ours = (): { streamPrefixes: string[] } => ({ streamPrefixes: [namespace] });

    const itIfReopens = factory.reopen === undefined ? it.skip : it;
    const itIfCrossStreamIds = factory.detectsEventIdReuseAcrossStreams ? it : it.skip;

    describe('append and expected revision', () => {
      it('numbers a stream from revision 0 and returns the revision and position of the last event', async () => {
        const store = await freshStore();
        const stream = neighbourhood(1);
        const batch = [newEvent('PositionCaptured'), newEvent('PositionCaptured'), newEvent('ControlHandedOver')];

        const first = await store.append(stream, batch, 'no_stream');
        const second = await store.append(stream, [newEvent('PositionLost')], 2);

        expect(first.nextRevision).toBe(2);
        expect(second.nextRevision).toBe(3);
        expect(second.position).toBeGreaterThan(first.position);
        const read = await collect(store.readStream(stream));
        expect(read.map((event) => event.revision)).toEqual([0, 1, 2, 3]);
        expect(read.map((event) => event.eventId)).toEqual([...batch.map((event) => event.eventId), read[3]!.eventId]);
        expect(read.every((event) => event.streamId === stream)).toBe(true);
        expectStrictlyIncreasing(read.map((event) => event.position));
        expect(read[2]!.position).toBe(first.position);
        expect(read[3]!.position).toBe(second.position);
        // A store that names each event's position names the ones a read finds.
        if (first.positions !== undefined) expect(first.positions).toEqual(read.slice(0, 3).map((event) => event.position));
        if (second.positions !== undefined) expect(second.positions).toEqual([read[3]!.position]);
        expect(await store.streamRevision(stream)).toBe(3);
        expect(await store.headPosition()).toBeGreaterThanOrEqual(second.position);
      });

      it.each<[ExpectedRevision, number | 'ok']>([
        ['any', 'ok'],
        ['no_stream', 'ok'],
        ['stream_exists', -1],
        [0, -1],
        [5, -1],
      ])('on a missing stream, expected %p gives %p', async (expected, outcome) => {
        const store = await freshStore();
        const stream = neighbourhood('missing');
        const event = newEvent();

        const attempt = store.append(stream, [event], expected);

        if (outcome === 'ok') {
          expect((await attempt).nextRevision).toBe(0);
          expect(await store.streamRevision(stream)).toBe(0);
        } else {
          expectWrongExpectedRevision(await failureOf(attempt), { streamId: stream, expected, actual: outcome });
          expect(await store.streamRevision(stream)).toBe(-1);
          expect(await collect(store.readStream(stream))).toEqual([]);
        }
      });

      it.each<[ExpectedRevision, number | 'ok']>([
        ['any', 'ok'],
        ['no_stream', 1],
        ['stream_exists', 'ok'],
        [1, 'ok'],
        [0, 1],
        [2, 1],
      ])('on a stream at revision 1, expected %p gives %p', async (expected, outcome) => {
        const store = await freshStore();
        const stream = neighbourhood('existing');
        const existing = [newEvent(), newEvent()];
        await store.append(stream, existing, 'no_stream');
        const event = newEvent();

        const attempt = store.append(stream, [event], expected);

        if (outcome === 'ok') {
          expect((await attempt).nextRevision).toBe(2);
          expect((await collect(store.readStream(stream))).map((read) => read.eventId)).toEqual([
            ...existing.map((written) => written.eventId),
            event.eventId,
          ]);
        } else {
          expectWrongExpectedRevision(await failureOf(attempt), { streamId: stream, expected, actual: outcome });
          expect(await store.streamRevision(stream)).toBe(1);
          expect((await collect(store.readStream(stream))).map((read) => read.eventId)).toEqual(
            existing.map((written) => written.eventId),
          );
        }
      });

      it('checks the expected revision of an empty batch and writes nothing', async () => {
        const store = await freshStore();
        const stream = neighbourhood(1);

        expect(await store.append(stream, [], 'no_stream')).toEqual({ nextRevision: -1, position: 0 });
        expectWrongExpectedRevision(await failureOf(store.append(stream, [], 'stream_exists')), { actual: -1 });
        const written = await store.append(stream, [newEvent(), newEvent()], 'no_stream');
        const { positions: _written, ...where } = written;
        expect(await store.append(stream, [], 1)).toEqual(where);
        expect(await store.append(stream, [], 'any')).toEqual(where);
        expectWrongExpectedRevision(await failureOf(store.append(stream, [], 0)), { actual: 1 });
        expectWrongExpectedRevision(await failureOf(store.append(stream, [], 'no_stream')), { actual: 1 });

        expect(await store.streamRevision(stream)).toBe(1);
        expect(await store.streamRevision(neighbourhood(2))).toBe(-1);
        expect(await collect(store.readAll({ filter: ours() }))).toHaveLength(2);
      });

      it.each<[string, ExpectedRevision, boolean]>([
        ['an exact revision on an existing stream', 0, true],
        ['no_stream on a missing stream', 'no_stream', false],
      ])('lets exactly one of 50 concurrent appends expecting %s win', async (_, expected, streamExists) => {
        const store = await freshStore();
        const stream = neighbourhood('contended');
        if (streamExists) await store.append(stream, [newEvent()], 'no_stream');
        const revisionBefore = streamExists ? 0 : -1;
        const batches = Array.from({ length: 50 }, () => [newEvent(), newEvent()]);

        const outcomes = await Promise.allSettled(batches.map((batch) => store.append(stream, batch, expected)));

        const winners = outcomes.flatMap((outcome, index) => (outcome.status === 'fulfilled' ? [index] : []));
        expect(winners).toHaveLength(1);
        const winner = winners[0]!;
        const winnerRevision = revisionBefore + 2;
        expect(outcomes[winner]).toMatchObject({ status: 'fulfilled', value: { nextRevision: winnerRevision } });
        for (const outcome of outcomes) {
          if (outcome.status === 'rejected') {
            expectWrongExpectedRevision(outcome.reason, { streamId: stream, expected, actual: winnerRevision });
          }
        }
        const read = await collect(store.readStream(stream));
        expect(read.map((event) => event.eventId).slice(revisionBefore + 1)).toEqual(
          batches[winner]!.map((event) => event.eventId),
        );
        expect(await store.streamRevision(stream)).toBe(winnerRevision);
      });

      it('reports -1 and an empty read for a stream that does not exist', async () => {
        const store = await freshStore();

        expect(await store.streamRevision(neighbourhood('nobody'))).toBe(-1);
        expect(await collect(store.readStream(neighbourhood('nobody')))).toEqual([]);
      });
    });

    describe('idempotent appends', () => {
      it('answers a retry with the original result and writes nothing, whatever it expects', async () => {
        const store = await freshStore();
        const stream = neighbourhood(1);
        const batch = [newEvent(), newEvent(), newEvent()];
        const original = await store.append(stream, batch, 'no_stream');
        const later = await store.append(stream, [newEvent()], 2);
        const logBefore = await collect(store.readAll({ filter: ours() }));
        expect(original.replayed).not.toBe(true);
        expect(later.replayed).not.toBe(true);

        // Found among the stream's events, the original says so.
        for (const expected of ['no_stream', 'stream_exists', 'any', 0, 3, 17] as const) {
          expectReplayOf(await store.append(stream, batch, expected), original);
        }
        expectReplayOf(await store.append(stream, batch.map(cloneEvent), 'no_stream'), original);
        expectReplayOf(await store.append(stream, batch.slice(0, 2), 'no_stream'), {
          nextRevision: 1,
          position: logBefore[1]!.position,
        });

        expect(await collect(store.readAll({ filter: ours() }))).toEqual(logBefore);
        expect(await store.streamRevision(stream)).toBe(later.nextRevision);
      });

      it('rejects a batch that only partly repeats an earlier one, writing none of it', async () => {
        const store = await freshStore();
        const stream = neighbourhood(1);
        const batch = [newEvent(), newEvent()];
        await store.append(stream, batch, 'no_stream');
        const fresh = newEvent();

        const error = await failureOf(store.append(stream, [batch[1]!, fresh], 'any'));

        expect(error).toBeInstanceOf(EventIdConflict);
        expect((error as EventIdConflict).streamId).toBe(stream);
        expect(await store.streamRevision(stream)).toBe(1);
        expect((await collect(store.readAll({ filter: ours() }))).map((event) => event.eventId)).toEqual(
          batch.map((event) => event.eventId),
        );
      });

      it('rejects a batch that carries the same event id twice, writing none of it', async () => {
        const store = await freshStore();
        const stream = neighbourhood(1);
        const twice = newEvent();

        const error = await failureOf(store.append(stream, [twice, newEvent(), cloneEvent(twice)], 'no_stream'));

        expect(error).toBeInstanceOf(EventIdConflict);
        expect((error as EventIdConflict).eventId).toBe(twice.eventId);
        expect(await store.streamRevision(stream)).toBe(-1);
      });

      itIfCrossStreamIds('rejects an event id that another stream already holds', async () => {
        const store = await freshStore();
        const taken = newEvent();
        await store.append(actor(1), [taken], 'no_stream');

        const alone = await failureOf(store.append(neighbourhood(1), [cloneEvent(taken)], 'any'));
        const amongNew = await failureOf(store.append(neighbourhood(1), [newEvent(), cloneEvent(taken)], 'any'));

        for (const error of [alone, amongNew]) {
          expect(error).toBeInstanceOf(EventIdConflict);
          expect(error).toMatchObject({ streamId: neighbourhood(1), eventId: taken.eventId });
        }
        expect(await store.streamRevision(neighbourhood(1))).toBe(-1);
        expect((await collect(store.readAll({ filter: ours() }))).map((event) => event.eventId)).toEqual([taken.eventId]);
      });
    });

    describe('durability', () => {
      itIfReopens('gives back every event, byte for byte, after the store is reopened', async () => {
        const store = await freshStore();
        const captured = newEvent(
          'PositionCaptured',
          {
            neighbourhood: ARABIC_NEIGHBOURHOOD,
            actor: 'الفصيل الأول',
            at: '2024-03-01T10:15:00.000Z',
            coordinates: [33.4786, 36.3119],
            confirmed: true,
            note: null,
          },
          { correlationId: randomUUID(), causationId: randomUUID(), source: 'تقرير ميداني', tags: ['a', 'b'] },
        );
        const unusual = newEvent(
          'ReportFiled',
          { decomposed: 'e\u0301', emoji: '🚑🏳️', quote: 'he said "stop" \\ then left\n', big: 1e21, negative: -0.5 },
          {},
        );
        await store.append(neighbourhood(1), [captured, unusual], 'no_stream');
        await store.append(actor(1), [newEvent('ActorRegistered', { name: ARABIC_NEIGHBOURHOOD })], 'no_stream');
        await store.append(neighbourhood(1), [newEvent('PositionLost')], 1);
        const logBefore = await collect(store.readAll({ filter: ours() }));
        const headBefore = await store.headPosition();

        const reopened = await reopen(store);

        const logAfter = await collect(reopened.readAll({ filter: ours() }));
        expect(logAfter).toEqual(logBefore);
        const arabic = (logAfter[0]!.data as { neighbourhood: string }).neighbourhood;
        expect(Buffer.from(arabic, 'utf8').equals(Buffer.from(ARABIC_NEIGHBOURHOOD, 'utf8'))).toBe(true);
        expect(logAfter[0]!.data).toEqual(captured.data);
        expect(logAfter[0]!.metadata).toEqual(captured.metadata);
        expect(logAfter[1]!.data).toEqual(unusual.data);
        expect(await reopened.streamRevision(neighbourhood(1))).toBe(2);
        expect(await reopened.headPosition()).toBeGreaterThanOrEqual(headBefore);
        expectReplayOf(await reopened.append(neighbourhood(1), [captured, unusual], 'no_stream'), {
          nextRevision: 1,
          position: logBefore[1]!.position,
        });

        const continued = await reopened.append(neighbourhood(1), [newEvent()], 2);

        expect(continued.nextRevision).toBe(3);
        expect(continued.position).toBeGreaterThan(headBefore);
      });

      itIfReopens('commits appends still pending when close() is called', async () => {
        const store = await freshStore();
        const event = newEvent();

        const pending = store.append(neighbourhood(1), [event], 'no_stream');
        await store.close();

        const result = await pending;
        const reopened = await reopen(store);
        const read = await collect(reopened.readStream(neighbourhood(1)));
        expect(read.map((recorded) => [recorded.eventId, recorded.position])).toEqual([[event.eventId, result.position]]);
      });
    });

    describe('readStream', () => {
      it('reads from a revision, at most maxCount events, and only the given stream', async () => {
        const store = await freshStore();
        const stream = neighbourhood(1);
        const events = Array.from({ length: 7 }, (_, index) => newEvent('PositionCaptured', { index }));
        await store.append(stream, events.slice(0, 3), 'no_stream');
        await store.append(neighbourhood(10), [newEvent()], 'no_stream');
        await store.append(stream, events.slice(3), 2);

        const revisions = async (options: { fromRevision?: number; maxCount?: number }): Promise<number[]> =>
          (await collect(store.readStream(stream, options))).map((event) => event.revision);

        expect(await revisions({})).toEqual([0, 1, 2, 3, 4, 5, 6]);
        expect(await revisions({ fromRevision: 3 })).toEqual([3, 4, 5, 6]);
        expect(await revisions({ maxCount: 2 })).toEqual([0, 1]);
        expect(await revisions({ fromRevision: 2, maxCount: 3 })).toEqual([2, 3, 4]);
        expect(await revisions({ fromRevision: 6, maxCount: 10 })).toEqual([6]);
        expect(await revisions({ fromRevision: 7 })).toEqual([]);
        expect(await revisions({ maxCount: 0 })).toEqual([]);
        const read = await collect(store.readStream(stream, { fromRevision: 4 }));
        expect(read.map((event) => event.data)).toEqual([{ index: 4 }, { index: 5 }, { index: 6 }]);
        expect(read.map((event) => event.eventId)).toEqual(events.slice(4).map((event) => event.eventId));
        expect(read.every((event) => event.streamId === stream && event.type === 'PositionCaptured')).toBe(true);
      });

      it('reads a long stream completely and in order', async () => {
        const store = await freshStore();
        const stream = neighbourhood('long');
        const events = Array.from({ length: 1234 }, (_, index) => newEvent('PositionCaptured', { index }));
        for (let start = 0; start < events.length; start += 200) {
          await store.append(stream, events.slice(start, start + 200), start === 0 ? 'no_stream' : start - 1);
        }

        const all = await collect(store.readStream(stream));
        const tail = await collect(store.readStream(stream, { fromRevision: 1000 }));

        expect(all.map((event) => event.eventId)).toEqual(events.map((event) => event.eventId));
        expect(all.map((event) => event.revision)).toEqual(events.map((_, index) => index));
        expectStrictlyIncreasing(all.map((event) => event.position));
        expect(tail.map((event) => (event.data as { index: number }).index)).toEqual(
          events.slice(1000).map((_, offset) => 1000 + offset),
        );
      });
    });

    describe('data round trip', () => {
      it('hands back awkward JSON values exactly as appended, on every read path', async () => {
        const store = await freshStore();
        const stream = neighbourhood('text');
        const data = [
          { neighbourhood: ARABIC_NEIGHBOURHOOD, notes: 'quote " backslash \\ newline \n tab \t', emoji: '🏳️' },
          { big: 1e21, small: 5e-324, negative: -12.5, integer: 9007199254740991, nested: [[1, [2, { deep: null }]], {}] },
          { __proto__key: 'x', ['__proto__']: { polluted: true }, empty: '' },
        ];
        await store.append(stream, data.map((item) => newEvent('PositionCaptured', item)), 'no_stream');

        const controller = new AbortController();
        const subscribed: RecordedEvent[] = [];
        for await (const event of store.subscribe({ filter: { streamPrefixes: [stream] }, signal: controller.signal })) {
          subscribed.push(event);
          if (subscribed.length === data.length) controller.abort();
        }
        const paths = {
          readStream: await collect(store.readStream(stream)),
          readAll: await collect(store.readAll({ filter: { streamPrefixes: [stream] } })),
          subscribe: subscribed,
        };
        for (const [path, events] of Object.entries(paths)) {
          expect({ path, data: events.map((event) => event.data) }).toEqual({ path, data });
        }
      });
    });

    describe('readAll', () => {
      interface Written {
        readonly streamId: string;
        readonly event: EventToAppend;
      }

      async function writeMixedLog(store: EventStore): Promise<Written[]> {
        const plan: [string, string[]][] = [
          [neighbourhood(1), ['PositionCaptured', 'ControlHandedOver']],
          [actor(1), ['ActorRegistered']],
          [neighbourhood(2), ['PositionCaptured']],
          [neighbourhood(1), ['PositionLost']],
          [actor(2), ['ActorRegistered', 'ActorRenamed']],
          [`${namespace}neighbourhood_x`, ['PositionCaptured']],
          [neighbourhood(2), ['ControlHandedOver']],
        ];
        const written: Written[] = [];
        for (const [streamId, types] of plan) {
          const events = types.map((type) => newEvent(type));
          await store.append(streamId, events, 'any');
          written.push(...events.map((event) => ({ streamId, event })));
        }
        return written;
      }

      it('returns the whole log in position order', async () => {
        const store = await freshStore();
        const headBefore = await store.headPosition();
        const written = await writeMixedLog(store);

        const all = await collect(store.readAll({ after: headBefore }));
        const mine = all.filter((event) => event.streamId.startsWith(namespace));

        expect(mine.map((event) => [event.streamId, event.eventId, event.type])).toEqual(
          written.map(({ streamId, event }) => [streamId, event.eventId, event.type]),
        );
        expectStrictlyIncreasing(all.map((event) => event.position));
        expect(all.every((event) => event.position > headBefore)).toBe(true);
      });

      it('keeps the streams that start with one of the prefixes, literally and case-sensitively', async () => {
        const store = await freshStore();
        const written = await writeMixedLog(store);
        const idsOf = async (streamPrefixes: string[]): Promise<string[]> =>
          (await collect(store.readAll({ filter: { streamPrefixes } }))).map((event) => event.eventId);
        const expectedIds = (keep: (streamId: string) => boolean): string[] =>
          written.filter(({ streamId }) => keep(streamId)).map(({ event }) => event.eventId);

        expect(await idsOf([`${namespace}neighbourhood-`])).toEqual(
          expectedIds((streamId) => streamId.startsWith(`${namespace}neighbourhood-`)),
        );
        expect(await idsOf([neighbourhood(1), `${namespace}actor-`])).toEqual(
          expectedIds((streamId) => streamId === neighbourhood(1) || streamId.startsWith(`${namespace}actor-`)),
        );
        expect(await idsOf([`${namespace}neighbourhood_`])).toEqual(
          expectedIds((streamId) => streamId === `${namespace}neighbourhood_x`),
        );
        expect(await idsOf([`${namespace}neighbourhood%`])).toEqual([]);
        expect(await idsOf([`${namespace}NEIGHBOURHOOD-`])).toEqual([]);
        expect(await idsOf([])).toEqual([]);
      });

      it('keeps the given event types, and combines both filters with AND', async () => {
        const store = await freshStore();
        const written = await writeMixedLog(store);
        const read = async (eventTypes: string[], streamPrefixes = [namespace]): Promise<string[]> =>
          (await collect(store.readAll({ filter: { streamPrefixes, eventTypes } }))).map((event) => event.eventId);
        const expectedIds = (keep: (written: Written) => boolean): string[] =>
          written.filter(keep).map(({ event }) => event.eventId);

        expect(await read(['ControlHandedOver', 'ActorRegistered'])).toEqual(
          expectedIds(({ event }) => event.type === 'ControlHandedOver' || event.type === 'ActorRegistered'),
        );
        expect(await read(['PositionCaptured'], [`${namespace}neighbourhood-`])).toEqual(
          expectedIds(
            ({ streamId, event }) =>
              event.type === 'PositionCaptured' && streamId.startsWith(`${namespace}neighbourhood-`),
          ),
        );
        expect(await read(['NoSuchType'])).toEqual([]);
        expect(await read([])).toEqual([]);
      });

      it('starts strictly after `after` and stops after maxCount', async () => {
        const store = await freshStore();
        await writeMixedLog(store);
        const all = await collect(store.readAll({ filter: ours() }));
        const checkpoint = all[3]!.position;

        const afterCheckpoint = await collect(store.readAll({ after: checkpoint, filter: ours() }));
        const firstTwo = await collect(store.readAll({ after: checkpoint, filter: ours(), maxCount: 2 }));
        const atHead = await collect(store.readAll({ after: all.at(-1)!.position, filter: ours() }));

        expect(afterCheckpoint).toEqual(all.slice(4));
        expect(firstTwo).toEqual(all.slice(4, 6));
        expect(atHead).toEqual([]);
        expect(await collect(store.readAll({ filter: ours(), maxCount: 0 }))).toEqual([]);
      });

      it('ends without an error once its signal aborts, and reads nothing when it was aborted before', async () => {
        const store = await freshStore();
        await writeMixedLog(store);
        const aborted = new AbortController();
        aborted.abort();
        expect(await collect(store.readAll({ filter: ours(), signal: aborted.signal }))).toEqual([]);

        const midway = new AbortController();
        const seen: string[] = [];
        for await (const event of store.readAll({ filter: ours(), signal: midway.signal })) {
          seen.push(event.eventId);
          if (seen.length === 2) midway.abort();
        }
        const all = await collect(store.readAll({ filter: ours() }));
        expect(all.length).toBeGreaterThan(2);
        expect(seen).toEqual(all.slice(0, 2).map((event) => event.eventId));
      });
    });

    describe('subscribe', () => {
      it('from mid-log sees every later event once and in order, through catch-up and live concurrent writers', async () => {
        const store = await freshStore();
        for (let index = 0; index < 6; index += 1) {
          await store.append(neighbourhood(index % 2), [newEvent('PositionCaptured', { index })], 'any');
        }
        const checkpoint = (await collect(store.readAll({ filter: ours() })))[2]!.position;
        const subscriber = runSubscriber(store, { after: checkpoint, filter: ours() });
        await subscriber.reached(3);

        await Promise.all(
          Array.from({ length: 8 }, async (_, writer) => {
            for (let turn = 0; turn < 10; turn += 1) {
              const expected = turn === 0 ? 'no_stream' : turn * 2 - 1;
              await store.append(neighbourhood(`writer-${writer}`), [newEvent(), newEvent()], expected);
            }
          }),
        );
        const last = await store.append(actor('closing'), [newEvent('IncidentClosed')], 'no_stream');
        const expected = await collect(store.readAll({ after: checkpoint, filter: ours() }));
        await subscriber.reached(expected.length);
        subscriber.stop();
        await subscriber.done;

        expect(expected).toHaveLength(3 + 8 * 10 * 2 + 1);
        expect(subscriber.seen).toEqual(expected);
        expect(subscriber.seen.at(-1)!.position).toBe(last.position);
        expect(subscriber.seen.every((event) => event.position > checkpoint)).toBe(true);
      });

      it('applies its filter to catch-up and live events alike', async () => {
        const store = await freshStore();
        await store.append(neighbourhood(1), [newEvent('PositionCaptured'), newEvent('ControlHandedOver')], 'no_stream');
        await store.append(actor(1), [newEvent('ControlHandedOver')], 'no_stream');
        const subscriber = runSubscriber(store, {
          filter: { streamPrefixes: [`${namespace}neighbourhood-`], eventTypes: ['ControlHandedOver'] },
        });
        await subscriber.reached(1);

        await store.append(actor(1), [newEvent('ControlHandedOver')], 0);
        await store.append(neighbourhood(2), [newEvent('PositionCaptured')], 'no_stream');
        const live = newEvent('ControlHandedOver');
        await store.append(neighbourhood(2), [live], 0);
        await subscriber.reached(2);
        subscriber.stop();
        await subscriber.done;

        expect(subscriber.seen.map((event) => [event.streamId, event.type, event.revision])).toEqual([
          [neighbourhood(1), 'ControlHandedOver', 1],
          [neighbourhood(2), 'ControlHandedOver', 1],
        ]);
        expect(subscriber.seen[1]!.eventId).toBe(live.eventId);
      });

      it('delivers everything in order to a consumer slower than the writers', async () => {
        const store = await freshStore();
        const subscriber = runSubscriber(store, { filter: ours() }, async () => {
          await nextTurn();
          await nextTurn();
        });

        await Promise.all(
          Array.from({ length: 5 }, async (_, writer) => {
            for (let turn = 0; turn < 40; turn += 1) {
              await store.append(neighbourhood(writer), [newEvent('PositionCaptured', { writer, turn })], 'any');
            }
          }),
        );
        const expected = await collect(store.readAll({ filter: ours() }));
        await subscriber.reached(expected.length);
        subscriber.stop();
        await subscriber.done;

        expect(subscriber.seen).toEqual(expected);
        for (let writer = 0; writer < 5; writer += 1) {
          const turns = subscriber.seen
            .filter((event) => event.streamId === neighbourhood(writer))
            .map((event) => (event.data as { turn: number }).turn);
          expect(turns).toEqual(Array.from({ length: 40 }, (_, turn) => turn));
        }
      });

      it('ends without an error when its signal aborts while it waits, and delivers nothing after', async () => {
        const store = await freshStore();
        await store.append(neighbourhood(1), [newEvent()], 'no_stream');
        const subscriber = runSubscriber(store, { filter: ours() });
        await subscriber.reached(1);
        await nextTurn();

        subscriber.stop();
        await subscriber.done;
        await store.append(neighbourhood(1), [newEvent()], 0);

        expect(subscriber.seen).toHaveLength(1);
        expect(subscriber.error).toBeUndefined();
      });

      it('stops right after the event during which its signal aborted', async () => {
        const store = await freshStore();
        await store.append(neighbourhood(1), [newEvent(), newEvent(), newEvent()], 'no_stream');
        const controller = new AbortController();
        const seen: RecordedEvent[] = [];

        for await (const event of store.subscribe({ filter: ours(), signal: controller.signal })) {
          seen.push(event);
          controller.abort();
        }

        expect(seen.map((event) => event.revision)).toEqual([0]);
      });

      it('yields nothing when its signal is already aborted', async () => {
        const store = await freshStore();
        await store.append(neighbourhood(1), [newEvent(), newEvent()], 'no_stream');
        const controller = new AbortController();
        controller.abort();

        const seen = await collect(store.subscribe({ filter: ours(), signal: controller.signal }));

        expect(seen).toEqual([]);
      });

      it('ends live subscriptions when the store closes', async () => {
        const store = await freshStore();
        await store.append(neighbourhood(1), [newEvent()], 'no_stream');
        const subscriber = runSubscriber(store, { filter: ours() });
        await subscriber.reached(1);

        await store.close();
        await subscriber.done;

        expect(subscriber.seen).toHaveLength(1);
        expect(subscriber.error).toBeUndefined();
      });
    });

    describe('group commit under concurrency', () => {
      type AttemptKind = 'new-stream' | 'wrong-expectation' | 'shared-any' | 'shared-no-stream' | 'retry' | 'foreign-id';

      interface Attempt {
        readonly kind: AttemptKind;
        readonly streamId: string;
        readonly events: readonly EventToAppend[];
        readonly expected: ExpectedRevision;
      }

      it('gives each of many concurrent appends its own outcome, and a gapless ordered log', async () => {
        const store = await freshStore();
        const shared = neighbourhood('shared');
        const first = newEvent();
        const firstResult = await store.append(shared, [first], 'no_stream');
        const foreign = newEvent();
        await store.append(actor('foreign'), [foreign], 'no_stream');
        const checkpoint = (await collect(store.readAll({ filter: ours() }))).at(-1)!.position;
        const subscriber = runSubscriber(store, { after: checkpoint, filter: ours() });

        const attempts: Attempt[] = [
          ...Array.from({ length: 60 }, (_, index): Attempt => ({
            kind: 'new-stream',
            streamId: neighbourhood(`new-${index}`),
            events: Array.from({ length: 1 + (index % 3) }, () => newEvent()),
            expected: 'no_stream',
          })),
          ...Array.from({ length: 20 }, (_, index): Attempt => ({
            kind: 'wrong-expectation',
            streamId: neighbourhood(`never-${index}`),
            events: [newEvent()],
            expected: index % 2 === 0 ? 'stream_exists' : 3,
          })),
          ...Array.from({ length: 20 }, (): Attempt => ({
            kind: 'shared-any',
            streamId: shared,
            events: [newEvent()],
            expected: 'any',
          })),
          ...Array.from({ length: 10 }, (): Attempt => ({
            kind: 'shared-no-stream',
            streamId: shared,
            events: [newEvent()],
            expected: 'no_stream',
          })),
          { kind: 'retry', streamId: shared, events: [cloneEvent(first)], expected: 'no_stream' },
          ...(factory.detectsEventIdReuseAcrossStreams
            ? [{ kind: 'foreign-id', streamId: shared, events: [newEvent(), cloneEvent(foreign)], expected: 'any' } as const]
            : []),
        ];
        shuffle(attempts, 20240301);

        const outcomes = await Promise.allSettled(
          attempts.map((attempt) => store.append(attempt.streamId, attempt.events, attempt.expected)),
        );

        const log = await collect(store.readAll({ after: checkpoint, filter: ours() }));
        const logById = new Map(log.map((event) => [event.eventId, event]));
        const writtenIds: string[] = [];
        const sharedRevisions: number[] = [];
        attempts.forEach((attempt, index) => {
          const outcome = outcomes[index]!;
          switch (attempt.kind) {
            case 'new-stream':
            case 'shared-any': {
              expect(outcome.status).toBe('fulfilled');
              const result = (outcome as PromiseFulfilledResult<AppendResult>).value;
              const recorded = attempt.events.map((event) => logById.get(event.eventId));
              expect(recorded.every((event) => event?.streamId === attempt.streamId)).toBe(true);
              expect(recorded.map((event) => event!.revision)).toEqual(
                attempt.events.map((_, offset) => result.nextRevision - attempt.events.length + 1 + offset),
              );
              expect(recorded.at(-1)!.position).toBe(result.position);
              if (attempt.kind === 'new-stream') expect(result.nextRevision).toBe(attempt.events.length - 1);
              else sharedRevisions.push(result.nextRevision);
              writtenIds.push(...attempt.events.map((event) => event.eventId));
              break;
            }
            case 'wrong-expectation':
              expect(outcome.status).toBe('rejected');
              expectWrongExpectedRevision((outcome as PromiseRejectedResult).reason, {
                streamId: attempt.streamId,
                expected: attempt.expected,
                actual: -1,
              });
              break;
            case 'shared-no-stream': {
              expect(outcome.status).toBe('rejected');
              const reason: unknown = (outcome as PromiseRejectedResult).reason;
              expect(reason).toBeInstanceOf(WrongExpectedRevision);
              expect((reason as WrongExpectedRevision).actual).toBeGreaterThanOrEqual(0);
              break;
            }
            case 'retry':
              expect(outcome.status).toBe('fulfilled');
              expectReplayOf((outcome as PromiseFulfilledResult<AppendResult>).value, firstResult);
              break;
            case 'foreign-id':
              expect(outcome.status).toBe('rejected');
              expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(EventIdConflict);
              break;
          }
        });

        expect(log.map((event) => event.eventId).sort()).toEqual([...writtenIds].sort());
        expectStrictlyIncreasing(log.map((event) => event.position));
        expect(sharedRevisions.sort((left, right) => left - right)).toEqual(
          Array.from({ length: 20 }, (_, index) => index + 1),
        );
        expect((await collect(store.readStream(shared))).map((event) => event.revision)).toEqual(
          Array.from({ length: 21 }, (_, index) => index),
        );

        await subscriber.reached(log.length);
        subscriber.stop();
        await subscriber.done;
        expect(subscriber.seen).toEqual(log);
      });
    });

    describe('atomic appends to several streams (where the adapter offers them)', () => {
      const atomically = async (): Promise<EventStore & Required<Pick<EventStore, 'appendAtomically'>>> => {
        const store = await freshStore();
        if (store.appendAtomically === undefined) throw new Error('no atomic appends');
        return store as EventStore & Required<Pick<EventStore, 'appendAtomically'>>;
      };
      const itIfAtomic = (name: string, test: () => Promise<void>): void =>
        it(name, async () => {
          const probe = await factory.create();
          const offered = probe.appendAtomically !== undefined;
          await probe.close();
          if (offered) await test();
        });

      itIfAtomic('writes every stream, each at its expected revision, in the order given', async () => {
        const store = await atomically();
        await store.append(neighbourhood(1), [newEvent()], 'no_stream');
        const results = await store.appendAtomically([
          { streamId: neighbourhood(1), events: [newEvent(), newEvent()], expected: 0 },
          { streamId: actor(1), events: [newEvent('ActorRegistered')], expected: 'no_stream' },
        ]);
        expect(results.map((result) => result.nextRevision)).toEqual([2, 0]);
        expect(results[1]!.position).toBeGreaterThan(results[0]!.position);
        const written = (await collect(store.readStream(neighbourhood(1), { fromRevision: 1 }))).map((event) => event.position);
        if (results[0]!.positions !== undefined) expect(results[0]!.positions).toEqual(written);
        expect((await collect(store.readStream(neighbourhood(1)))).map((event) => event.revision)).toEqual([0, 1, 2]);
        expect(await store.streamRevision(actor(1))).toBe(0);
      });

      itIfAtomic('writes nothing when one expectation does not hold, and says which', async () => {
        const store = await atomically();
        await store.append(neighbourhood(2), [newEvent()], 'no_stream');
        const head = await store.headPosition();
        const failed = store.appendAtomically([
          { streamId: actor(2), events: [newEvent('ActorRegistered')], expected: 'no_stream' },
          { streamId: neighbourhood(2), events: [newEvent()], expected: 5 },
        ]);
        await expect(failed).rejects.toBeInstanceOf(WrongExpectedRevision);
        await expect(failed).rejects.toMatchObject({ streamId: neighbourhood(2), actual: 0 });
        expect(await store.headPosition()).toBe(head);
        expect(await store.streamRevision(actor(2))).toBe(-1);
      });

      itIfAtomic('answers a retried stream with its original and writes the others', async () => {
        const store = await atomically();
        const original = [newEvent(), newEvent()];
        const first = await store.append(neighbourhood(3), original, 'no_stream');
        const [again, fresh] = await store.appendAtomically([
          { streamId: neighbourhood(3), events: original, expected: 'no_stream' },
          { streamId: neighbourhood(4), events: [newEvent()], expected: 'no_stream' },
        ]);
        expectReplayOf(again!, first);
        expect(fresh!.nextRevision).toBe(0);
        expect(await store.streamRevision(neighbourhood(3))).toBe(1);
      });

      itIfAtomic('refuses a stream named twice', async () => {
        const store = await atomically();
        await expect(
          store.appendAtomically([
            { streamId: neighbourhood(5), events: [newEvent()], expected: 'any' },
            { streamId: neighbourhood(5), events: [newEvent()], expected: 'any' },
          ]),
        ).rejects.toThrow(TypeError);
      });
    });

    describe('lifecycle', () => {
      it('answers ping while open, and close is idempotent and stops appends', async () => {
        const store = await freshStore();
        await expect(store.ping()).resolves.toBeUndefined();

        await store.close();
        await store.close();

        await expect(store.ping()).rejects.toThrow();
        await expect(store.append(neighbourhood(1), [newEvent()], 'any')).rejects.toThrow();
        expect(store.name.length).toBeGreaterThan(0);
      });
    });
  });
}

interface RunningSubscriber {
  readonly seen: RecordedEvent[];
  /** Set when the iteration threw. */
  readonly error: unknown;
  /** Resolves once `count` events arrived; rejects if the subscription ends before that. */
  reached(count: number): Promise<void>;
  stop(): void;
  /** Settles when the iteration has ended. */
  readonly done: Promise<void>;
}

/** Consumes a subscription in the background, the way a projection would: one event at a time. */
function runSubscriber(
  store: EventStore,
  options: Omit<SubscribeOptions, 'signal'>,
  handle: (event: RecordedEvent) => Promise<void> = async () => undefined,
): RunningSubscriber {
  const controller = new AbortController();
  const seen: RecordedEvent[] = [];
  const waiting: { count: number; resolve: () => void }[] = [];
  let error: unknown;
  const done = (async () => {
    try {
      for await (const event of store.subscribe({ ...options, signal: controller.signal })) {
        await handle(event);
        seen.push(event);
        for (const waiter of waiting.filter((candidate) => seen.length >= candidate.count)) waiter.resolve();
      }
    } catch (thrown) {
      error = thrown;
    }
  })();
  return {
    seen,
    get error() {
      return error;
    },
    done,
    stop: () => controller.abort(),
    reached(count) {
      if (seen.length >= count) return Promise.resolve();
      const arrived = new Promise<void>((resolve) => waiting.push({ count, resolve }));
      const ended = done.then(() => {
        if (seen.length < count) {
          throw new Error(`subscription ended after ${seen.length} of ${count} events: ${String(error)}`);
        }
      });
      return Promise.race([arrived, ended]);
    },
  };
}

function newEvent(
  type = 'PositionCaptured',
  data: unknown = { at: '2024-03-01T10:15:00.000Z' },
  metadata: Record<string, unknown> = { correlationId: randomUUID() },
): EventToAppend {
  return { eventId: randomUUID(), type, data, metadata };
}

/** The same event as a new object, as a client retrying after a timeout would send it. */
function cloneEvent(event: EventToAppend): EventToAppend {
  return structuredClone(event);
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the operation to fail, and it succeeded');
}

function expectWrongExpectedRevision(
  error: unknown,
  fields: { streamId?: string; expected?: ExpectedRevision; actual: number },
): void {
  expect(error).toBeInstanceOf(WrongExpectedRevision);
  expect(error).toMatchObject(fields);
}

function expectStrictlyIncreasing(values: readonly number[]): void {
  values.slice(1).forEach((value, index) => expect(value).toBeGreaterThan(values[index]!));
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Deterministic Fisher–Yates, so a failure reproduces with the same interleaving. */
function shuffle<T>(items: T[], seed: number): void {
  let state = seed >>> 0;
  const random = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
  for (let index = items.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [items[index], items[other]] = [items[other]!, items[index]!];
  }
}
