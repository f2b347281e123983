import type { EventStore, ReadAllOptions, RecordedEvent, SubscribeOptions } from '../../event-store/index.js';
import { BacklogExceeded, LiveLog } from './live-log.js';
import type { LogEntry } from './live-message.js';

/** A log in memory with the port's reads: positions 1, 2, 3…; subscriptions wait for appends. */
class MemoryLog {
  readonly events: RecordedEvent[] = [];
  private waiters = new Set<() => void>();

  append(count: number): void {
    for (let index = 0; index < count; index += 1) {
      const position = this.events.length + 1;
      this.events.push({
        eventId: `e${position}`,
        type: 'ActorRegistered',
        streamId: `actor-a${position}`,
        revision: 0,
        position,
        data: { actorId: `a${position}`, name: `Actor ${position}`, side: 'x' },
        metadata: { recordedAt: '2018-04-18T00:00:00.000Z' },
      });
    }
    for (const wake of [...this.waiters]) wake();
  }

  store(): EventStore {
    const log = this;
    return {
      name: 'memory',
      headPosition: async () => log.events.length,
      async *readAll(options: ReadAllOptions = {}) {
        const head = log.events.length;
        for (const event of log.events.slice(options.after ?? 0, head)) {
          if (options.signal?.aborted) return;
          yield event;
        }
      },
      async *subscribe(options: SubscribeOptions = {}) {
        let cursor = options.after ?? 0;
        while (!options.signal?.aborted) {
          if (cursor < log.events.length) {
            yield log.events[cursor++]!;
            continue;
          }
          await new Promise<void>((resolve) => {
            const wake = (): void => {
              log.waiters.delete(wake);
              resolve();
            };
            log.waiters.add(wake);
            options.signal?.addEventListener('abort', wake, { once: true });
          });
        }
      },
    } as unknown as EventStore;
  }
}

const positionsOf = (entry: LogEntry): number[] => [entry.position];

/** Pulls until `count` items came (or the iteration ended). */
async function take<T>(iterator: AsyncGenerator<T[]>, count: number): Promise<T[]> {
  const items: T[] = [];
  while (items.length < count) {
    const next = await iterator.next();
    if (next.done === true) break;
    items.push(...next.value);
  }
  return items;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, index) => from + index);

describe('LiveLog', () => {
  const logs: LiveLog[] = [];
  const liveLog = (memory: MemoryLog, ringCapacity: number): LiveLog => {
    const log = new LiveLog(memory.store(), { ringCapacity, batchSize: 7 });
    logs.push(log);
    return log;
  };
  afterEach(() => {
    for (const log of logs.splice(0)) log.close();
  });

  it('hands every consumer each entry after its position exactly once, in order, then what comes', async () => {
    const memory = new MemoryLog();
    memory.append(30);
    const log = liveLog(memory, 100);
    const signal = new AbortController().signal;
    const fromStart = log.follow(0, { signal, select: positionsOf });
    const fromMiddle = log.follow(12, { signal, select: positionsOf });
    expect(await take(fromStart, 30)).toEqual(range(1, 30));
    expect(await take(fromMiddle, 18)).toEqual(range(13, 30));
    memory.append(5);
    expect(await take(fromStart, 5)).toEqual(range(31, 35));
    expect(await take(fromMiddle, 5)).toEqual(range(31, 35));
  });

  it('replays the log for a consumer behind its ring, with the same messages, until the ring takes over', async () => {
    const memory = new MemoryLog();
    memory.append(50);
    const log = liveLog(memory, 5);
    const signal = new AbortController().signal;
    const messages = (entry: LogEntry) => entry.messages.map((message) => `${message.id} ${message.data('others')}`);
    const atHead = log.follow(50, { signal, select: messages });
    memory.append(3);
    const fromHub = await take(atHead, 3);
    // Position 45 left the ring long ago: this consumer folds the log itself up to the ring.
    const behind = log.follow(2, { signal, select: messages });
    const replayed = await take(behind, 51);
    expect(replayed.map((text) => Number(text.split(' ')[0]))).toEqual(range(3, 53));
    expect(replayed.slice(-3)).toEqual(fromHub);
    memory.append(2);
    expect((await take(behind, 2)).map((text) => Number(text.split(' ')[0]))).toEqual([54, 55]);
  });

  it('hands consumers that gather on the same interval their entries at the same instants, however apart their first ones came', async () => {
    const memory = new MemoryLog();
    memory.append(1);
    const log = liveLog(memory, 1_000);
    const signal = new AbortController().signal;
    // The second consumer's first entry comes about 20 ms after the first consumer's.
    const all = log.follow(1, { signal, select: positionsOf, gatherMs: 40 });
    const late = log.follow(1, { signal, select: (entry) => (entry.position >= 5 ? [entry.position] : []), gatherMs: 40 });
    const batchesOf = async (iterator: AsyncGenerator<number[]>, count: number): Promise<number[][]> => {
      const batches: number[][] = [];
      for (let items = 0; items < count; ) {
        const next = await iterator.next();
        if (next.done === true) break;
        batches.push(next.value);
        items += next.value.length;
      }
      return batches;
    };
    const taken = Promise.all([batchesOf(all, 40), batchesOf(late, 37)]);
    for (let index = 0; index < 40; index += 1) {
      memory.append(1);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const [first, second] = await taken;
    expect(first!.flat()).toEqual(range(2, 41));
    expect(second!.flat()).toEqual(range(5, 41));
    expect(first!.length).toBeLessThan(40);
    // Once both have taken twice, each hand-over ends at the same entry for both.
    const ends = (batches: number[][]): number[] => batches.map((batch) => batch[batch.length - 1]!).filter((end) => end >= 20);
    expect(ends(second!)).toEqual(ends(first!));
  });

  it('cuts off a consumer that falls too far behind once live, and tells it at once', async () => {
    const memory = new MemoryLog();
    memory.append(3);
    const log = liveLog(memory, 100);
    let exceeded = 0;
    const slow = log.follow(3, {
      signal: new AbortController().signal,
      select: positionsOf,
      backlog: { items: 4, bytes: 1_000_000, sizeOf: () => 1, onExceeded: () => (exceeded += 1) },
    });
    const first = slow.next();
    memory.append(1);
    expect((await first).value).toEqual([4]);
    memory.append(10);
    await new Promise((resolve) => setImmediate(resolve));
    expect(exceeded).toBe(1);
    await expect(slow.next()).rejects.toBeInstanceOf(BacklogExceeded);
  });

  it('ends an iteration whose signal aborts, and every iteration when closed', async () => {
    const memory = new MemoryLog();
    memory.append(2);
    const log = liveLog(memory, 100);
    const stop = new AbortController();
    const stopped = log.follow(2, { signal: stop.signal, select: positionsOf });
    const pending = stopped.next();
    stop.abort();
    expect((await pending).done).toBe(true);
    const closed = log.follow(2, { signal: new AbortController().signal, select: positionsOf });
    const waiting = closed.next();
    await new Promise((resolve) => setImmediate(resolve));
    log.close();
    expect((await waiting).done).toBe(true);
  });
});
