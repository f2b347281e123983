import type { RecordedEvent, SubscribeOptions } from '../../src/event-store/index.js';
import { SharedSubscriptions } from '../../src/projections/shared-subscriptions.js';
import { type TempLog, openTempLog } from './event-log.fixture.js';

/** Counts the store subscriptions opened, and can make the next one fail after a few events. */
function countingStore(temp: TempLog) {
  const counter = { subscriptions: 0, failAfter: undefined as number | undefined };
  const store = Object.create(temp.store) as TempLog['store'];
  store.subscribe = async function* (options?: SubscribeOptions): AsyncGenerator<RecordedEvent> {
    counter.subscriptions += 1;
    const failAfter = counter.failAfter;
    counter.failAfter = undefined;
    let delivered = 0;
    for await (const event of temp.store.subscribe(options)) {
      if (delivered === failAfter) throw new Error('the log went away');
      delivered += 1;
      yield event;
    }
  };
  return { store, counter };
}

async function appendActors(temp: TempLog, count: number, from = 0): Promise<number[]> {
  const positions: number[] = [];
  for (let i = from; i < from + count; i++) {
    const appended = await temp.log.actor({ type: 'ActorRegistered', data: { actorId: `actor-${i}`, name: `Actor ${i}`, side: 'side' } }, '2018-04-16T00:00:00Z');
    positions.push(appended.position);
  }
  return positions;
}

/** Takes runs of events from a subscription until `until` is reached. */
async function take(runs: AsyncIterator<readonly RecordedEvent[]>, until: number): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  while (events.at(-1)?.position !== until) {
    const run = await runs.next();
    if (run.done === true) break;
    events.push(...run.value);
  }
  return events;
}

describe('shared subscriptions', () => {
  let temp: TempLog;

  beforeEach(async () => {
    temp = await openTempLog();
  });

  afterEach(() => temp.dispose());

  it('hands runners that start at the same position the same events from one store subscription, catch-up then live', async () => {
    const positions = await appendActors(temp, 25);
    const { store, counter } = countingStore(temp);
    const shared = new SharedSubscriptions(store, { readAhead: 10, retain: 5, liveIntervalMs: 0 });
    const abort = new AbortController();
    const readers = [0, 1, 2].map(() => shared.subscribe({ after: 0, signal: abort.signal })[Symbol.asyncIterator]());

    const caughtUp = await Promise.all(readers.map((reader) => take(reader, positions.at(-1)!)));
    const live = await appendActors(temp, 3, 25);
    const followed = await Promise.all(readers.map((reader) => take(reader, live.at(-1)!)));

    for (const events of caughtUp) expect(events.map((e) => e.position)).toEqual(positions);
    for (const events of followed) expect(events.map((e) => e.position)).toEqual(live);
    // The very same objects: parsed once, whatever the number of projections.
    expect(caughtUp[1]![7]).toBe(caughtUp[0]![7]);
    expect(counter.subscriptions).toBe(1);
    abort.abort();
    for (const reader of readers) await reader.return?.(undefined);
    expect(shared.activeSubscriptions).toBe(0);
  });

  it('lets a runner join from a position still held, and starts a subscription of its own anywhere else', async () => {
    const positions = await appendActors(temp, 30);
    const { store, counter } = countingStore(temp);
    const shared = new SharedSubscriptions(store, { readAhead: 100, retain: 10, liveIntervalMs: 0 });
    const abort = new AbortController();
    const first = shared.subscribe({ after: 0, signal: abort.signal })[Symbol.asyncIterator]();
    await take(first, positions.at(-1)!);

    // Still held (within the retained tail): joins.
    const joining = shared.subscribe({ after: positions[24]!, signal: abort.signal })[Symbol.asyncIterator]();
    expect((await take(joining, positions.at(-1)!)).map((e) => e.position)).toEqual(positions.slice(25));
    expect(counter.subscriptions).toBe(1);

    // Let go of long ago: reads the log itself, and still misses nothing.
    const behind = shared.subscribe({ after: positions[2]!, signal: abort.signal })[Symbol.asyncIterator]();
    expect((await take(behind, positions.at(-1)!)).map((e) => e.position)).toEqual(positions.slice(3));
    expect(counter.subscriptions).toBe(2);

    abort.abort();
    for (const reader of [first, joining, behind]) await reader.return?.(undefined);
  });

  it('hands a stopping runner what was already read, then ends', async () => {
    const positions = await appendActors(temp, 5);
    const shared = new SharedSubscriptions(temp.store, { readAhead: 100, retain: 0, liveIntervalMs: 0 });
    const abort = new AbortController();
    const reader = shared.subscribe({ after: 0, signal: abort.signal })[Symbol.asyncIterator]();
    const events = await take(reader, positions.at(-1)!);
    const waiting = reader.next();
    abort.abort();
    await expect(waiting).resolves.toEqual({ done: true, value: undefined });
    expect(events).toHaveLength(5);
  });

  it('reports a failed store subscription to every runner on it, and the next subscribe reads afresh', async () => {
    const positions = await appendActors(temp, 12);
    const { store, counter } = countingStore(temp);
    counter.failAfter = 4;
    const shared = new SharedSubscriptions(store, { readAhead: 100, retain: 100, liveIntervalMs: 0 });
    const abort = new AbortController();
    const readers = [0, 1].map(() => shared.subscribe({ after: 0, signal: abort.signal })[Symbol.asyncIterator]());

    const outcomes = await Promise.all(readers.map((reader) => take(reader, positions.at(-1)!).catch((error: unknown) => error)));
    for (const outcome of outcomes) expect(outcome).toMatchObject({ message: 'the log went away' });

    const retry = shared.subscribe({ after: positions[3]!, signal: abort.signal })[Symbol.asyncIterator]();
    expect((await take(retry, positions.at(-1)!)).map((e) => e.position)).toEqual(positions.slice(4));
    expect(counter.subscriptions).toBe(2);
    abort.abort();
    await retry.return?.(undefined);
  });
});
