import { Logger } from '@nestjs/common';
import { setImmediate } from 'node:timers/promises';
import type { EventStore } from '../../event-store/index.js';
import { LiveFold } from './live-fold.js';
import type { LogEntry } from './live-message.js';

export interface FollowOptions<T> {
  /** Ends the iteration (it returns) once aborted. */
  readonly signal: AbortSignal;
  /** What the consumer takes of an entry (possibly nothing). */
  readonly select: (entry: LogEntry) => readonly T[];
  /**
   * Once live, hand-overs at most once per interval of this many ms of a clock every consumer
   * shares (default: none, what the hub hands over in the same turn of the event loop goes
   * together). A consumer that writes to a socket trades a little latency under load for far
   * fewer writes; consumers of the same interval wake together, so those that select alike take
   * the very same items.
   */
  readonly gatherMs?: number;
  /**
   * Once the consumer has caught up with the head, what it takes is buffered for it as it comes;
   * past either bound the buffer is dropped, `onExceeded` is called at once and the iteration
   * throws `BacklogExceeded` when next pulled. Without it the buffer is unbounded (a consumer
   * that keeps up by construction, such as the webhook outbox).
   */
  readonly backlog?: {
    readonly items: number;
    readonly bytes: number;
    readonly sizeOf: (item: T) => number;
    readonly onExceeded: () => void;
  };
}

export class BacklogExceeded extends Error {
  override readonly name = 'BacklogExceeded';
}

export interface LiveLogOptions {
  /** Entries kept in memory behind the head, from which consumers resume without reading the log. */
  readonly ringCapacity: number;
  /** Most entries handed over at once while catching up. */
  readonly batchSize?: number;
}

const DEFAULT_BATCH = 256;

/**
 * The log as the live feed sends it, shared by every stream and by the webhook outbox: one
 * subscription to the store and one fold (`LiveFold`) for all of them, started when the first
 * consumer comes. The last `ringCapacity` entries stay in memory. A consumer follows from any
 * position: from the ring when it is still there, else through a fold of its own over the log
 * from its start (the control summaries before its start need the whole log), until the ring
 * takes over; once caught up it is handed each entry as it comes.
 */
export class LiveLog {
  private readonly logger = new Logger('LiveLog');
  private hub: Hub | undefined;
  private closed = false;
  private readonly clock = new GatherClock();

  constructor(
    private readonly store: EventStore,
    private readonly options: LiveLogOptions,
  ) {}

  /**
   * What the consumer selects of every entry after `after`, in log order, each exactly once:
   * the entries up to the head in batches as fast as the consumer pulls, then as they come.
   */
  async *follow<T>(after: number, options: FollowOptions<T>): AsyncGenerator<T[]> {
    if (this.closed) return;
    const hub = this.hubFor(after);
    const follower = new Follower<T>(after, options);
    const wake = (): void => follower.wake();
    options.signal.addEventListener('abort', wake);
    hub.followers.add(follower);
    try {
      await hub.ready;
      for (;;) {
        if (options.signal.aborted) return;
        // The subscription ended (the store closed or failed): what was handed over still goes, then nothing.
        if (hub.ended && !(follower.live && follower.pending)) {
          if (hub.failure !== undefined) throw hub.failure;
          return;
        }
        if (follower.live) {
          if (follower.failure !== undefined) throw follower.failure;
          if (follower.exceeded) throw new BacklogExceeded('the consumer fell too far behind the log');
          if (follower.pending) {
            // What comes close together is taken in one go: one write per consumer, not one per
            // entry. After a quiet spell the first entry goes at once; then at the end of the
            // shared interval it was taken in.
            // The interval is the one waited for, not read off the clock after the wait: a timer
            // that fires late must not put consumers that woke together in different intervals.
            const gatherMs = options.gatherMs;
            const now = performance.now();
            const due = gatherMs === undefined ? now : follower.lastTaken + gatherMs;
            if (due > now) {
              follower.lastTaken = due;
              await this.clock.at(due);
            } else {
              if (gatherMs !== undefined) follower.lastTaken = Math.floor(now / gatherMs) * gatherMs;
              await setImmediate();
            }
            if (follower.exceeded) throw new BacklogExceeded('the consumer fell too far behind the log');
            yield follower.take();
            continue;
          }
        } else if (follower.cursor < hub.floor) {
          yield* this.replay(hub, follower, options);
          continue;
        } else {
          const entries = hub.entriesAfter(follower.cursor, this.options.batchSize ?? DEFAULT_BATCH);
          if (entries.length > 0) {
            follower.cursor = entries[entries.length - 1]!.position;
            const items = entries.flatMap(options.select);
            if (items.length > 0) yield items;
            continue;
          }
          // Nothing after the cursor in the ring, and the hub has read the log to where it
          // stood when it started: from now on the hub hands entries over as they come.
          if (hub.isLive) {
            follower.live = true;
            continue;
          }
        }
        await follower.nextWake();
      }
    } finally {
      hub.followers.delete(follower);
      options.signal.removeEventListener('abort', wake);
    }
  }

  /** Ends the shared subscription; every consumer's iteration ends. */
  close(): void {
    this.closed = true;
    this.hub?.stop();
  }

  /** The running hub; a new one when none runs (the first consumer, or after the store failed). */
  private hubFor(after: number): Hub {
    if (this.hub === undefined || this.hub.ended) {
      this.hub = new Hub(this.store, this.options.ringCapacity, after, this.logger);
    }
    return this.hub;
  }

  /**
   * A consumer behind the ring: its own fold of the log from the start, without messages up to
   * its cursor, with them after it, until the ring holds what follows.
   */
  private async *replay<T>(hub: Hub, follower: Follower<T>, options: FollowOptions<T>): AsyncGenerator<T[]> {
    const fold = new LiveFold();
    const start = follower.cursor;
    const batchSize = this.options.batchSize ?? DEFAULT_BATCH;
    let read = 0;
    let batch: T[] = [];
    while (follower.cursor < hub.floor && !options.signal.aborted) {
      let progressed = false;
      for await (const event of this.store.readAll({ after: read, signal: options.signal })) {
        progressed = true;
        read = event.position;
        const loud = event.position > start;
        const entry = fold.apply(event, loud);
        if (!loud) continue;
        follower.cursor = event.position;
        batch.push(...options.select(entry));
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
        if (follower.cursor >= hub.floor) break;
      }
      if (batch.length > 0) {
        yield batch;
        batch = [];
      }
      // The hub has read no further than the store's head, so the ring is reached by now, unless
      // events came meanwhile: read on.
      if (!progressed) break;
    }
  }
}

/**
 * One timer per instant for every consumer that waits for it: consumers gathering on the same
 * interval resume in the same turn of the event loop, with nothing handed over in between.
 */
class GatherClock {
  private readonly waits = new Map<number, Promise<void>>();

  /** Resolves at `instant` (on `performance.now()`'s clock). */
  at(instant: number): Promise<void> {
    let wait = this.waits.get(instant);
    if (wait === undefined) {
      wait = new Promise<void>((resolve) =>
        setTimeout(() => {
          this.waits.delete(instant);
          resolve();
        }, Math.max(0, instant - performance.now())),
      );
      this.waits.set(instant, wait);
    }
    return wait;
  }
}

/** One shared subscription and its ring; replaced by a new one if the store fails it. */
class Hub {
  readonly followers = new Set<Listener>();
  readonly ready: Promise<void>;
  /** Every entry after this position, up to `tip`, is in the ring. */
  floor = Number.POSITIVE_INFINITY;
  tip = 0;
  private liveFrom = Number.POSITIVE_INFINITY;
  private ring: LogEntry[] = [];
  private ringStart = 0;
  private readonly abort = new AbortController();
  ended = false;
  failure: unknown;

  constructor(
    private readonly store: EventStore,
    private readonly capacity: number,
    firstAfter: number,
    private readonly logger: Logger,
  ) {
    this.ready = this.start(firstAfter);
  }

  get isLive(): boolean {
    return this.tip >= this.liveFrom;
  }

  stop(): void {
    this.abort.abort();
  }

  /** Up to `max` entries after `position`, oldest first (`position` must not be below `floor`). */
  entriesAfter(position: number, max: number): LogEntry[] {
    let lo = this.ringStart;
    let hi = this.ring.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ring[mid]!.position <= position) lo = mid + 1;
      else hi = mid;
    }
    return this.ring.slice(lo, Math.min(this.ring.length, lo + max));
  }

  /**
   * Reads the head, then runs the subscription in the background. The log up to the first
   * consumer's position and up to the last `capacity` positions before the head is folded
   * without messages (positions of the embedded store are dense, so that leaves about
   * `capacity` entries in the ring).
   */
  private async start(firstAfter: number): Promise<void> {
    try {
      const head = await this.store.headPosition();
      const quietUntil = Math.max(0, Math.min(firstAfter, head - this.capacity));
      this.floor = quietUntil;
      this.liveFrom = head;
      void this.run(quietUntil);
    } catch (error) {
      this.finish(error);
    }
  }

  private async run(quietUntil: number): Promise<void> {
    const fold = new LiveFold();
    try {
      for await (const event of this.store.subscribe({ after: 0, signal: this.abort.signal })) {
        const loud = event.position > quietUntil;
        const entry = fold.apply(event, loud);
        if (loud) this.keep(entry);
        this.tip = event.position;
        for (const follower of this.followers) follower.offer(entry, loud);
      }
      this.finish(undefined);
    } catch (error) {
      this.logger.error(`the live feed's subscription to the log failed: ${error instanceof Error ? error.message : String(error)}`);
      this.finish(error);
    }
  }

  private keep(entry: LogEntry): void {
    this.ring.push(entry);
    if (this.ring.length - this.ringStart > this.capacity) {
      this.floor = this.ring[this.ringStart]!.position;
      this.ringStart += 1;
      if (this.ringStart >= this.capacity) {
        this.ring = this.ring.slice(this.ringStart);
        this.ringStart = 0;
      }
    }
  }

  private finish(failure: unknown): void {
    this.ended = true;
    this.failure = failure;
    for (const follower of this.followers) follower.wake();
  }
}

/** What the hub needs of a consumer. */
interface Listener {
  offer(entry: LogEntry, loud: boolean): void;
  wake(): void;
}

/** One consumer's place in the log, and what the hub has handed it once it is live. */
class Follower<T> implements Listener {
  live = false;
  exceeded = false;
  /** What the consumer's `select` threw, handed to it at its next pull. */
  failure: unknown;
  /** When the consumer last took what was handed over (performance.now(), down to the start of its gather interval). */
  lastTaken = Number.NEGATIVE_INFINITY;
  private buffer: T[] = [];
  private bytes = 0;
  private waiter: (() => void) | undefined;

  constructor(
    public cursor: number,
    private readonly options: FollowOptions<T>,
  ) {}

  /** A new entry of the hub: taken when live (and past the cursor), else only a wake-up call. */
  offer(entry: LogEntry, loud: boolean): void {
    if (!this.live || !loud) {
      if (loud) this.wake();
      return;
    }
    if (this.exceeded || this.failure !== undefined || entry.position <= this.cursor) return;
    this.cursor = entry.position;
    let items: readonly T[];
    try {
      items = this.options.select(entry);
    } catch (error) {
      // One consumer's failure is its own: the hub and the others go on.
      this.failure = error;
      this.wake();
      return;
    }
    if (items.length === 0) return;
    const backlog = this.options.backlog;
    for (const item of items) {
      this.buffer.push(item);
      if (backlog !== undefined) this.bytes += backlog.sizeOf(item);
    }
    if (backlog !== undefined && (this.buffer.length > backlog.items || this.bytes > backlog.bytes)) {
      this.exceeded = true;
      this.buffer = [];
      this.bytes = 0;
      backlog.onExceeded();
    }
    this.wake();
  }

  get pending(): boolean {
    return this.buffer.length > 0;
  }

  take(): T[] {
    const items = this.buffer;
    this.buffer = [];
    this.bytes = 0;
    return items;
  }

  nextWake(): Promise<void> {
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }
}
