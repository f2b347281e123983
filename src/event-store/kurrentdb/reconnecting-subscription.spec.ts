import { reconnectingSubscription, type ReconnectInfo, type SubscriptionSession } from './reconnecting-subscription.js';

interface Item {
  readonly position: number;
}

class Dropped extends Error {
  override readonly name = 'Dropped';
}

class Fatal extends Error {
  override readonly name = 'Fatal';
}

type Ending = 'hang' | 'end' | Error;

interface FakeSession extends SubscriptionSession<Item> {
  readonly after: number;
  readonly closed: boolean;
}

/**
 * Plays one script per opened session: the positions it delivers, then how it ends. A session
 * delivers exactly what its script says, whatever `after` it was opened with, so that a test
 * can make a resumed session replay what was already delivered.
 */
function scriptedServer(scripts: readonly (readonly [readonly number[], Ending] | Error)[]) {
  const sessions: FakeSession[] = [];
  const open = (after: number): SubscriptionSession<Item> => {
    const script = scripts[sessions.length];
    if (script === undefined) throw new Error(`no script for session ${sessions.length + 1}`);
    if (script instanceof Error) {
      sessions.push({ after, closed: true, next: () => Promise.reject(script), close: async () => undefined });
      throw script;
    }
    const [positions, ending] = script;
    let index = 0;
    const session = {
      after,
      closed: false,
      async next(): Promise<IteratorResult<Item, unknown>> {
        if (index < positions.length) return { done: false, value: { position: positions[index++]! } };
        if (ending === 'hang') return new Promise(() => undefined);
        if (ending === 'end') return { done: true, value: undefined };
        throw ending;
      },
      async close() {
        session.closed = true;
      },
    };
    sessions.push(session);
    return session;
  };
  return { open, sessions };
}

function subscribe(server: ReturnType<typeof scriptedServer>, controller: AbortController, after = 0) {
  const sleeps: number[] = [];
  const reconnects: ReconnectInfo[] = [];
  const items = reconnectingSubscription<Item>({
    after,
    open: server.open,
    positionOf: (item) => item.position,
    isRetryable: (error) => error instanceof Dropped,
    signal: controller.signal,
    random: () => 1,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    onReconnect: (info) => reconnects.push(info),
  });
  return { items, sleeps, reconnects };
}

/** Takes `count` items, then aborts, and returns every position delivered. */
async function take(items: AsyncIterable<Item>, controller: AbortController, count: number): Promise<number[]> {
  const seen: number[] = [];
  for await (const item of items) {
    seen.push(item.position);
    if (seen.length === count) controller.abort();
  }
  return seen;
}

describe('reconnecting subscription', () => {
  it('after a dropped connection resumes strictly after the last delivered position, without duplicates', async () => {
    const server = scriptedServer([
      [[10, 20, 30], new Dropped('connection reset')],
      // A server resuming from a coarser point replays 20 and 30: they must not come twice.
      [[20, 30, 40, 50], 'hang'],
    ]);
    const controller = new AbortController();
    const { items, sleeps, reconnects } = subscribe(server, controller, 5);

    const seen = await take(items, controller, 5);

    expect(seen).toEqual([10, 20, 30, 40, 50]);
    expect(server.sessions.map((session) => session.after)).toEqual([5, 30]);
    expect(server.sessions.every((session) => session.closed)).toBe(true);
    expect(sleeps).toEqual([100]);
    expect(reconnects).toMatchObject([{ attempt: 0, delayMs: 100, after: 30 }]);
    expect(reconnects[0]!.error).toBeInstanceOf(Dropped);
  });

  it('backs off exponentially while reconnecting fails, and starts over after a delivery', async () => {
    const server = scriptedServer([
      new Dropped('refused'),
      new Dropped('refused'),
      new Dropped('refused'),
      [[1], new Dropped('reset')],
      new Dropped('refused'),
      [[2, 3], 'hang'],
    ]);
    const controller = new AbortController();
    const { items, sleeps } = subscribe(server, controller);

    const seen = await take(items, controller, 3);

    expect(seen).toEqual([1, 2, 3]);
    expect(sleeps).toEqual([100, 200, 400, 100, 200]);
    expect(server.sessions.map((session) => session.after)).toEqual([0, 0, 0, 0, 1, 1]);
  });

  it('reconnects when the server ends the subscription', async () => {
    const server = scriptedServer([
      [[1, 2], 'end'],
      [[3], 'hang'],
    ]);
    const controller = new AbortController();
    const { items, reconnects } = subscribe(server, controller);

    expect(await take(items, controller, 3)).toEqual([1, 2, 3]);
    expect(reconnects).toHaveLength(1);
    expect(server.sessions[1]!.after).toBe(2);
  });

  it('passes on an error that is not worth retrying, after closing the session', async () => {
    const server = scriptedServer([[[1], new Fatal('access denied')]]);
    const controller = new AbortController();
    const { items } = subscribe(server, controller);
    const seen: number[] = [];

    await expect(
      (async () => {
        for await (const item of items) seen.push(item.position);
      })(),
    ).rejects.toBeInstanceOf(Fatal);
    expect(seen).toEqual([1]);
    expect(server.sessions[0]!.closed).toBe(true);
  });

  it('ends without an error when aborted while waiting for the next event, and closes the session', async () => {
    const server = scriptedServer([[[1], 'hang']]);
    const controller = new AbortController();
    const { items } = subscribe(server, controller);
    const iterator = items[Symbol.asyncIterator]();

    expect(await iterator.next()).toEqual({ done: false, value: { position: 1 } });
    const waiting = iterator.next();
    controller.abort();

    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(server.sessions[0]!.closed).toBe(true);
  });

  it('ends when aborted during a backoff pause, without opening again', async () => {
    const server = scriptedServer([new Dropped('refused'), [[1], 'hang']]);
    const controller = new AbortController();
    const items = reconnectingSubscription<Item>({
      after: 0,
      open: server.open,
      positionOf: (item) => item.position,
      isRetryable: () => true,
      signal: controller.signal,
      sleep: async () => controller.abort(),
    });
    const seen: Item[] = [];

    for await (const item of items) seen.push(item);

    expect(seen).toEqual([]);
    expect(server.sessions).toHaveLength(1);
  });

  it('closes the session when the consumer stops early, and opens nothing when already aborted', async () => {
    const server = scriptedServer([[[1, 2, 3], 'hang']]);
    const controller = new AbortController();
    const { items } = subscribe(server, controller);

    for await (const item of items) {
      if (item.position === 2) break;
    }
    expect(server.sessions[0]!.closed).toBe(true);

    const aborted = new AbortController();
    aborted.abort();
    const untouched = scriptedServer([]);
    const none: Item[] = [];
    for await (const item of subscribe(untouched, aborted).items) none.push(item);
    expect(none).toEqual([]);
    expect(untouched.sessions).toHaveLength(0);
  });

  it('pulls from the session only as fast as the consumer takes (backpressure)', async () => {
    let requested = 0;
    const controller = new AbortController();
    const items = reconnectingSubscription<Item>({
      after: 0,
      open: () => ({
        next: async () => ({ done: false, value: { position: (requested += 1) } }),
        close: async () => undefined,
      }),
      positionOf: (item) => item.position,
      isRetryable: () => false,
      signal: controller.signal,
    });
    const iterator = items[Symbol.asyncIterator]();

    await iterator.next();
    await iterator.next();
    await new Promise((resolve) => setImmediate(resolve));

    expect(requested).toBe(2);
    controller.abort();
    await iterator.return(undefined);
  });
});
