import { randomUUID } from 'node:crypto';
import {
  STREAM_NAME,
  StreamNotFoundError,
  UnavailableError,
  WrongExpectedVersionError,
  type AppendResult as ClientAppendResult,
  type AppendStreamState,
  type Position,
  type ReadAllOptions as ClientReadAllOptions,
  type ReadStreamOptions as ClientReadStreamOptions,
  type SubscribeToAllOptions,
} from '@kurrent/kurrentdb-client';
import { EventIdConflict, WrongExpectedRevision, type EventToAppend } from '../event-store.port.js';
import { KurrentDbEventStore, type KurrentDbClient } from './kurrentdb-event-store.js';
import type { ClientRecordedEvent } from './recorded-event.mapping.js';

/*
 * How the adapter drives the client: where reads start, what a refusal becomes, how a dropped
 * subscription resumes. The client here is a script, not a server; whether KurrentDB behaves as
 * the scripts assume is what test/contract/kurrentdb-event-store.test.ts checks against a live one.
 */

interface Resolved {
  readonly event?: ClientRecordedEvent & { position: Position };
}

function recorded(streamId: string, revision: number, position: number, type = 'PositionCaptured', id: string = randomUUID()): Resolved {
  return {
    event: {
      streamId,
      id,
      revision: BigInt(revision),
      type,
      isJson: true,
      data: { revision },
      metadata: {},
      position: { commit: BigInt(position), prepare: BigInt(position) },
    },
  };
}

async function* yieldAll<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

type Session = { readonly events: readonly Resolved[]; readonly then: 'hang' | Error };

class ScriptedClient {
  readonly log: Resolved[] = [];
  readonly streams = new Map<string, Resolved[]>();
  readonly readAllCalls: ClientReadAllOptions[] = [];
  readonly appendCalls: { streamId: string; state: AppendStreamState | undefined }[] = [];
  readonly subscribeCalls: SubscribeToAllOptions[] = [];
  sessions: Session[] = [];
  appendAnswer: (streamId: string) => Promise<ClientAppendResult> = async () => {
    throw new Error('no append answer scripted');
  };
  disposed = false;

  add(event: Resolved): void {
    this.log.push(event);
    const streamId = event.event!.streamId;
    this.streams.set(streamId, [...(this.streams.get(streamId) ?? []), event]);
  }

  readAll(options: ClientReadAllOptions = {}) {
    this.readAllCalls.push(options);
    const ordered = options.direction === 'backwards' ? [...this.log].reverse() : this.log;
    return yieldAll(ordered.slice(0, Number(options.maxCount ?? ordered.length)));
  }

  readStream(streamId: string, options: ClientReadStreamOptions = {}) {
    const stream = this.streams.get(streamId);
    if (stream === undefined) {
      return (async function* () {
        yield* [];
        throw new StreamNotFoundError(undefined, streamId);
      })();
    }
    const backwards = options.direction === 'backwards';
    const from = typeof options.fromRevision === 'bigint' ? Number(options.fromRevision) : backwards ? Infinity : 0;
    const selected = backwards
      ? stream.filter((resolved) => Number(resolved.event!.revision) <= from).reverse()
      : stream.filter((resolved) => Number(resolved.event!.revision) >= from);
    return yieldAll(selected.slice(0, Number(options.maxCount ?? selected.length)));
  }

  appendToStream(streamId: string, _events: unknown, options: { streamState?: AppendStreamState } = {}) {
    this.appendCalls.push({ streamId, state: options.streamState });
    return this.appendAnswer(streamId);
  }

  subscribeToAll(options: SubscribeToAllOptions = {}) {
    this.subscribeCalls.push(options);
    const session = this.sessions.shift() ?? { events: [], then: 'hang' as const };
    let index = 0;
    return {
      [Symbol.asyncIterator]: () => ({
        next: async (): Promise<IteratorResult<Resolved>> => {
          if (index < session.events.length) return { done: false, value: session.events[index++]! };
          if (session.then === 'hang') return new Promise(() => undefined);
          throw session.then;
        },
      }),
      unsubscribe: async () => undefined,
      destroy: () => undefined,
    };
  }

  async dispose(): Promise<void> {
    this.disposed = true;
  }
}

function storeOn(client: ScriptedClient, warnings: string[] = []): KurrentDbEventStore {
  return new KurrentDbEventStore(client as unknown as KurrentDbClient, {
    target: '127.0.0.1:2113',
    reconnect: { initialMs: 1, maxMs: 2 },
    logger: { warn: (message) => warnings.push(message) },
  });
}

function newEvent(): EventToAppend {
  return { eventId: randomUUID(), type: 'PositionCaptured', data: {}, metadata: {} };
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

describe('KurrentDbEventStore driving the client', () => {
  describe('readAll', () => {
    it('starts at the checkpoint itself (an inclusive read) and delivers only what comes after it', async () => {
      const client = new ScriptedClient();
      [100, 200, 300].forEach((position, index) => client.add(recorded(`neighbourhood-${index}`, 0, position)));
      const store = storeOn(client);

      const read = await collect(store.readAll({ after: 100, filter: { streamPrefixes: ['neighbourhood-'] } }));

      expect(read.map((event) => event.position)).toEqual([200, 300]);
      expect(client.readAllCalls[0]).toMatchObject({
        fromPosition: { commit: 100n, prepare: 100n },
        filter: { filterOn: STREAM_NAME, prefixes: ['neighbourhood-'] },
      });
    });

    it('counts maxCount after its own exact filtering, and asks nothing for an empty filter', async () => {
      const client = new ScriptedClient();
      client.add(recorded('neighbourhood-1', 0, 100, 'PositionCapturedV2'));
      client.add(recorded('neighbourhood-1', 1, 200, 'PositionCaptured'));
      client.add(recorded('$stats-node', 0, 250, 'Stats'));
      client.add(recorded('neighbourhood-1', 2, 300, 'PositionCaptured'));
      const store = storeOn(client);

      const read = await collect(store.readAll({ filter: { eventTypes: ['PositionCaptured'] }, maxCount: 1 }));
      const none = await collect(store.readAll({ filter: { streamPrefixes: [] } }));

      expect(read.map((event) => event.position)).toEqual([200]);
      expect(none).toEqual([]);
      expect(client.readAllCalls).toHaveLength(1);
      expect(client.readAllCalls[0]!.maxCount).toBeUndefined();
    });
  });

  describe('subscribe', () => {
    it('after a dropped connection resubscribes from the last delivered event, and delivers nothing twice', async () => {
      const client = new ScriptedClient();
      const first = [recorded('neighbourhood-1', 0, 100), recorded('neighbourhood-1', 1, 200)];
      client.sessions = [
        { events: first, then: new UnavailableError() },
        { events: [first[1]!, recorded('neighbourhood-1', 2, 300)], then: 'hang' },
      ];
      const warnings: string[] = [];
      const store = storeOn(client, warnings);
      const controller = new AbortController();
      const seen: number[] = [];

      for await (const event of store.subscribe({ after: 50, signal: controller.signal })) {
        seen.push(event.position);
        if (seen.length === 3) controller.abort();
      }

      expect(seen).toEqual([100, 200, 300]);
      expect(client.subscribeCalls.map((call) => call.fromPosition)).toEqual([
        { commit: 50n, prepare: 50n },
        { commit: 200n, prepare: 200n },
      ]);
      expect(warnings).toEqual([expect.stringMatching(/127\.0\.0\.1:2113 dropped \(unavailable\); reconnecting in \d+ ms after position 200/)]);
    });

    it('ends every live subscription on close()', async () => {
      const client = new ScriptedClient();
      client.sessions = [{ events: [recorded('neighbourhood-1', 0, 100)], then: 'hang' }];
      const store = storeOn(client);
      const seen: number[] = [];

      const running = (async () => {
        for await (const event of store.subscribe()) seen.push(event.position);
      })();
      await new Promise((resolve) => setImmediate(resolve));
      await store.close();
      await running;

      expect(seen).toEqual([100]);
      expect(client.disposed).toBe(true);
    });
  });

  describe('append', () => {
    it('answers a retry the server refused with the original result when the batch is in the stream', async () => {
      const client = new ScriptedClient();
      const batch = [newEvent(), newEvent()];
      // The pre-check finds nothing; the original lands meanwhile, and the server refuses the
      // retry because it expects an older revision than the original did.
      client.appendAnswer = async () => {
        client.add(recorded('neighbourhood-1', 0, 100, 'X', batch[0]!.eventId));
        client.add(recorded('neighbourhood-1', 1, 200, 'X', batch[1]!.eventId));
        client.add(recorded('neighbourhood-1', 2, 300, 'X'));
        throw new WrongExpectedVersionError(undefined, { streamName: 's', expected: 0n, current: 2n });
      };
      const store = storeOn(client);

      expect(await store.append('neighbourhood-1', batch, 0)).toEqual({ nextRevision: 1, position: 200, replayed: true });
      expect(client.appendCalls).toEqual([{ streamId: 'neighbourhood-1', state: 0n }]);
    });

    it('finds a retried batch in the stream before writing, whatever it expects', async () => {
      const client = new ScriptedClient();
      const batch = [newEvent()];
      client.add(recorded('neighbourhood-1', 0, 100, 'X', batch[0]!.eventId));
      client.add(recorded('neighbourhood-1', 1, 200, 'X'));
      const store = storeOn(client);

      expect(await store.append('neighbourhood-1', batch, 1)).toEqual({ nextRevision: 0, position: 100, replayed: true });
      await expect(store.append('neighbourhood-1', [newEvent(), batch[0]!], 'any')).rejects.toBeInstanceOf(EventIdConflict);
      expect(client.appendCalls).toEqual([]);
    });

    it('turns a refusal into WrongExpectedRevision carrying the actual revision, -1 for no stream', async () => {
      const client = new ScriptedClient();
      client.appendAnswer = async () => {
        throw new WrongExpectedVersionError(undefined, { streamName: 's', expected: 'stream_exists', current: 'no_stream' });
      };
      const store = storeOn(client);

      const error = await store.append('neighbourhood-9', [newEvent()], 'stream_exists').catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(WrongExpectedRevision);
      expect(error).toMatchObject({ streamId: 'neighbourhood-9', expected: 'stream_exists', actual: -1 });
    });

    it('trusts the position reported for one event, and reads the last event of a longer batch', async () => {
      const client = new ScriptedClient();
      client.appendAnswer = async (streamId) => {
        if (streamId === 'single') return { success: true, nextExpectedRevision: 0n, position: { commit: 700n, prepare: 700n } };
        client.add(recorded('batch', 0, 800));
        client.add(recorded('batch', 1, 900));
        return { success: true, nextExpectedRevision: 1n, position: { commit: 800n, prepare: 800n } };
      };
      const store = storeOn(client);

      expect(await store.append('single', [newEvent()], 'no_stream')).toEqual({ nextRevision: 0, position: 700 });
      expect(await store.append('batch', [newEvent(), newEvent()], 'no_stream')).toEqual({ nextRevision: 1, position: 900 });
    });

    it('checks an empty batch against the head and writes nothing', async () => {
      const client = new ScriptedClient();
      client.add(recorded('neighbourhood-1', 0, 100));
      const store = storeOn(client);

      expect(await store.append('neighbourhood-1', [], 0)).toEqual({ nextRevision: 0, position: 100 });
      expect(await store.append('neighbourhood-2', [], 'no_stream')).toEqual({ nextRevision: -1, position: 0 });
      await expect(store.append('neighbourhood-1', [], 'no_stream')).rejects.toMatchObject({ actual: 0 });
      expect(client.appendCalls).toEqual([]);
    });

    it('lets close() wait for an append already accepted, then refuses new work', async () => {
      const client = new ScriptedClient();
      let release!: () => void;
      client.appendAnswer = () =>
        new Promise((resolve) => {
          release = () => resolve({ success: true, nextExpectedRevision: 0n, position: { commit: 10n, prepare: 10n } });
        });
      const store = storeOn(client);

      const pending = store.append('neighbourhood-1', [newEvent()], 'no_stream');
      await new Promise((resolve) => setImmediate(resolve));
      const closing = store.close();
      await new Promise((resolve) => setImmediate(resolve));
      expect(client.disposed).toBe(false);
      release();
      await closing;

      expect(await pending).toEqual({ nextRevision: 0, position: 10 });
      expect(client.disposed).toBe(true);
      await expect(store.append('neighbourhood-1', [newEvent()], 'any')).rejects.toThrow(/closed/);
      await expect(store.ping()).rejects.toThrow(/closed/);
    });
  });

  it('reports the head as the last event that is not the server\'s own', async () => {
    const client = new ScriptedClient();
    client.add(recorded('neighbourhood-1', 0, 100));
    client.add(recorded('$settings', 0, 200, 'SettingsChanged'));
    const store = storeOn(client);

    expect(await store.headPosition()).toBe(100);
    expect(await storeOn(new ScriptedClient()).headPosition()).toBe(0);
  });

  it('reads a missing stream as empty, at revision -1', async () => {
    const store = storeOn(new ScriptedClient());

    expect(await collect(store.readStream('neighbourhood-404'))).toEqual([]);
    expect(await store.streamRevision('neighbourhood-404')).toBe(-1);
  });
});
