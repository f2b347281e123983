import type { EventStore, RecordedEvent } from '../event-store/index.js';

/** What a projection runner needs of the log: the store's catch-up subscription, in runs of events. */
export interface LogSource {
  headPosition(): Promise<number>;
  /**
   * Every event after `after`, in position order, exactly once, catch-up then live, as
   * `EventStore.subscribe` delivers them; handed over in runs of whatever has been read so far.
   * Ends when `signal` aborts or the store ends its subscription; throws what the store throws.
   */
  subscribe(options: { readonly after: number; readonly signal: AbortSignal }): AsyncIterable<readonly RecordedEvent[]>;
  /** `EventStore.waitForHeadPast`, when the store offers it. */
  readonly waitForHeadPast?: ((after: number, signal: AbortSignal) => Promise<boolean>) | undefined;
}

export interface SharedSubscriptionsOptions {
  /** Events a subscription reads ahead of its slowest subscriber before it waits for them. */
  readonly readAhead: number;
  /**
   * Events kept behind the slowest subscriber, so that a runner subscribing a moment later
   * from a position still held joins instead of reading the log again.
   */
  readonly retain: number;
  /**
   * At the head of the log, least time between two reads of the store, in ms. The first event
   * after a quiet spell is handed over at once; what is committed after it is read and handed
   * over together once the interval has passed. A steady stream of commands then costs each
   * read model one read of the log and one transaction per interval, not one per event.
   */
  readonly liveIntervalMs: number;
}

/**
 * One store subscription shared by every runner that stands at the same place in the log.
 *
 * The runners of an engine start together from checkpoints written together and take the same
 * batches, so without this each would read and parse every event of the log, once per
 * projection. A runner subscribing from a position that a running shared subscription still
 * holds (between what it has let go of and what it has read) joins it and is handed the very
 * same events, in the same order; anywhere else it starts a shared subscription of its own.
 * Each shared subscription is one `store.subscribe`, so ordering, gaps and backpressure are
 * exactly the store's: the sharing only decides how many runners a read event is handed to.
 *
 * Events are handed to several projections: handlers treat them as read-only.
 */
export class SharedSubscriptions implements LogSource {
  private readonly feeds = new Set<Feed>();
  readonly waitForHeadPast: ((after: number, signal: AbortSignal) => Promise<boolean>) | undefined;

  constructor(
    private readonly store: EventStore,
    private readonly options: SharedSubscriptionsOptions,
  ) {
    this.waitForHeadPast = store.waitForHeadPast?.bind(store);
  }

  headPosition(): Promise<number> {
    return this.store.headPosition();
  }

  /** Shared subscriptions currently reading the log (for tests and status). */
  get activeSubscriptions(): number {
    return this.feeds.size;
  }

  async *subscribe(options: { readonly after: number; readonly signal: AbortSignal }): AsyncGenerator<readonly RecordedEvent[]> {
    const { after, signal } = options;
    if (signal.aborted) return;
    let feed = [...this.feeds].find((candidate) => candidate.holds(after));
    if (feed === undefined) {
      feed = new Feed(this.store, after, this.options, () => this.feeds.delete(feed!));
      this.feeds.add(feed);
    }
    const reader = feed.join(after);
    try {
      for (;;) {
        const events = await feed.take(reader, signal);
        if (events === undefined) return;
        yield events;
      }
    } finally {
      feed.leave(reader);
    }
  }
}

interface Reader {
  /** Absolute index (in the feed's sequence) of the next event this reader takes. */
  next: number;
}

/** One store subscription and the events it has read that some reader has not yet taken. */
class Feed {
  /** events[0] has absolute index `offset`. */
  private events: RecordedEvent[] = [];
  private offset = 0;
  /** Position of the last event let go of (or where the subscription started). */
  private releasedTo: number;
  /** Position of the last event read (or where the subscription started). */
  private readTo: number;
  private readonly readers = new Set<Reader>();
  private readonly abort = new AbortController();
  private readonly iterator: AsyncIterator<RecordedEvent>;
  /** The log's head as last looked up: below it, the store is still being caught up with. */
  private knownHead = 0;
  /** No read of the store before this instant (performance.now()), while at the head. */
  private nextLiveRead = Number.NEGATIVE_INFINITY;
  private ended = false;
  private failure: { error: unknown } | undefined;
  private pulling = false;
  private wakeReaders: (() => void)[] = [];
  private wakeScheduled: NodeJS.Immediate | undefined;
  private wakePuller: (() => void) | undefined;

  constructor(
    private readonly store: EventStore,
    start: number,
    private readonly options: SharedSubscriptionsOptions,
    private readonly onClosed: () => void,
  ) {
    this.releasedTo = start;
    this.readTo = start;
    this.iterator = store.subscribe({ after: start, signal: this.abort.signal })[Symbol.asyncIterator]();
  }

  /** True when a reader starting after `position` can be handed everything from there on. */
  holds(position: number): boolean {
    return !this.ended && this.releasedTo <= position && position <= this.readTo;
  }

  join(after: number): Reader {
    let index = this.offset;
    // Positions only grow: skip what the joining reader already has.
    while (index < this.offset + this.events.length && this.events[index - this.offset]!.position <= after) index++;
    const reader = { next: index };
    this.readers.add(reader);
    return reader;
  }

  leave(reader: Reader): void {
    this.readers.delete(reader);
    if (this.readers.size === 0) this.close();
    else this.release();
  }

  /** What has been read past the reader's place; waits for more. Undefined: the reader is done. */
  async take(reader: Reader, signal: AbortSignal): Promise<readonly RecordedEvent[] | undefined> {
    for (;;) {
      const end = this.offset + this.events.length;
      // What has been read is handed over even once the reader stops: like the store's own
      // subscription, which yields an event before it looks at the signal again.
      if (reader.next < end) {
        const events = this.events.slice(reader.next - this.offset);
        reader.next = end;
        this.release();
        return events;
      }
      if (signal.aborted) return undefined;
      if (this.failure !== undefined) throw this.failure.error;
      if (this.ended) return undefined;
      this.pull();
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          signal.removeEventListener('abort', wake);
          resolve();
        };
        this.wakeReaders.push(wake);
        signal.addEventListener('abort', wake, { once: true });
      });
    }
  }

  /** The one loop that reads the store subscription, staying at most `readAhead` events ahead of the slowest reader. */
  private pull(): void {
    if (this.pulling || this.ended) return;
    this.pulling = true;
    void (async () => {
      try {
        while (!this.ended) {
          if (this.offset + this.events.length - this.slowest() >= this.options.readAhead) {
            await new Promise<void>((resolve) => (this.wakePuller = resolve));
            this.wakePuller = undefined;
            continue;
          }
          await this.paceLiveReads();
          if (this.ended) break;
          const result = await this.iterator.next();
          if (result.done === true) {
            this.ended = true;
            break;
          }
          this.events.push(result.value);
          this.readTo = result.value.position;
          if (await this.atHead(result.value.position)) {
            this.wake();
            this.nextLiveRead = performance.now() + this.options.liveIntervalMs;
          } else {
            this.wakeSoon();
          }
        }
      } catch (error) {
        this.failure = { error };
        this.ended = true;
      } finally {
        this.pulling = false;
        this.wake();
      }
    })();
  }

  /** True when nothing was committed after `position` (the head is looked up again only then). */
  private async atHead(position: number): Promise<boolean> {
    if (position < this.knownHead) return false;
    this.knownHead = await this.store.headPosition();
    return position >= this.knownHead;
  }

  /** Waits until the next read is due, or the subscription closes. */
  private paceLiveReads(): Promise<void> {
    const wait = this.nextLiveRead - performance.now();
    if (wait <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.abort.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, wait);
      this.abort.signal.addEventListener('abort', done, { once: true });
    });
  }

  private slowest(): number {
    let slowest = Number.POSITIVE_INFINITY;
    for (const reader of this.readers) slowest = Math.min(slowest, reader.next);
    return slowest === Number.POSITIVE_INFINITY ? this.offset + this.events.length : slowest;
  }

  /** Lets go of events every reader has taken, but keeps `retain` of them for readers about to join. */
  private release(): void {
    const drop = this.slowest() - this.options.retain - this.offset;
    // In chunks: each release copies what stays.
    if (drop > 0 && (drop >= 1_024 || 2 * drop >= this.events.length)) {
      this.releasedTo = this.events[drop - 1]!.position;
      this.events = this.events.slice(drop);
      this.offset += drop;
    }
    this.wakePuller?.();
  }

  /**
   * Wakes waiting readers at the end of this turn of the event loop. Catching up, the store
   * pages synchronously and this loop reads a whole run of events within one turn: waking
   * readers per event would hand over runs of one. At the head they are woken at once.
   */
  private wakeSoon(): void {
    if (this.wakeReaders.length === 0 || this.wakeScheduled !== undefined) return;
    this.wakeScheduled = setImmediate(() => this.wake());
  }

  private wake(): void {
    if (this.wakeScheduled !== undefined) {
      clearImmediate(this.wakeScheduled);
      this.wakeScheduled = undefined;
    }
    const waiting = this.wakeReaders;
    this.wakeReaders = [];
    for (const wake of waiting) wake();
  }

  private close(): void {
    if (this.ended && !this.pulling) {
      this.onClosed();
      return;
    }
    this.ended = true;
    this.onClosed();
    // Ends the store subscription; a pending read settles, and the pull loop stops.
    this.abort.abort();
    this.wakePuller?.();
    this.wake();
    this.events = [];
  }
}
