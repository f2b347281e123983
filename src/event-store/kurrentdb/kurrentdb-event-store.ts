import { Logger } from '@nestjs/common';
import {
  BACKWARDS,
  END,
  FORWARDS,
  KurrentDBClient,
  excludeSystemEvents,
  type AllStreamResolvedEvent,
  type ResolvedEvent,
} from '@kurrent/kurrentdb-client';
import {
  EventIdConflict,
  nonNegativeInteger,
  WrongExpectedRevision,
  type AppendResult,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
} from '../event-store.port.js';
import { DEFAULT_RECONNECT_BACKOFF, type BackoffPolicy } from './backoff.js';
import { classifyBatch, repeatedEventId, type EventLocation } from '../batch-idempotency.js';
import {
  describeClientError,
  isStreamNotFound,
  isTransient,
  isWrongExpectedVersion,
  toStorageError,
  toWrongExpectedRevision,
} from './client-error.mapping.js';
import { describeConnectionTarget, normalizeConnectionString } from './connection-string.js';
import {
  assertExpectedRevision,
  expectationHolds,
  revisionToNumber,
  toStreamState,
} from './expected-revision.mapping.js';
import { assertPortPosition, readAllStart, subscriptionStart, toPortPosition } from './position.mapping.js';
import { compileReadFilter, type CompiledReadFilter } from './read-filter.mapping.js';
import { reconnectingSubscription, type SubscriptionSession } from './reconnecting-subscription.js';
import { isSystemEvent, toEventData, toRecordedEvent, type ClientRecordedEvent } from './recorded-event.mapping.js';

/** The part of the official client this adapter uses; a narrower type keeps it replaceable in tests. */
export type KurrentDbClient = Pick<KurrentDBClient, 'appendToStream' | 'readStream' | 'readAll' | 'subscribeToAll' | 'dispose'>;

export interface KurrentDbEventStoreOptions {
  /**
   * How many of a stream's latest events an append searches for its own ids before writing,
   * and after a refusal. Default 32. See "Idempotent appends" on the class.
   */
  readonly idempotencyWindow?: number;
  /** `ping()` fails when the server has not answered within this. Default 5000 ms. */
  readonly pingTimeoutMs?: number;
  /** Pauses between a subscription's reconnect attempts. Default 100 ms doubling to 5 s, with jitter. */
  readonly reconnect?: BackoffPolicy;
  /** Hosts for messages, e.g. `127.0.0.1:2113`. `connect()` fills it from the connection string. */
  readonly target?: string;
  readonly logger?: { warn(message: string): void };
}

const DEFAULT_IDEMPOTENCY_WINDOW = 32;
const DEFAULT_PING_TIMEOUT_MS = 5_000;
/** Subscription events buffered ahead of the consumer before gRPC flow control holds the server back. */
const SUBSCRIPTION_HIGH_WATER_MARK = 64;

/**
 * The event store on KurrentDB (or EventStoreDB 22.10+), through the official client.
 *
 * Positions: KurrentDB's commit position, as a number; see position.mapping.ts for why that is
 * exact for every event written through gRPC.
 *
 * Idempotent appends. Event ids are carried through, so the server can recognise a retry:
 * - Strong: a retry with the SAME exact expected revision (or `no_stream`) as the original. The
 *   server compares the ids at the revisions the batch would take and answers with the original
 *   result, however old the original is. The application's command path always appends at the
 *   exact revision it folded (src/application/command-pipeline.ts), so its retries are of this kind.
 * - Weak: `any` and `stream_exists`. The server only knows the ids in its recent-events cache;
 *   an older batch would be written a second time.
 * - The port promises more: the original result "whatever it expects" (say a retry expecting
 *   the stream's current revision, which the server would accept as new). So before writing,
 *   and again when the server refuses the expectation, the adapter looks for the batch's ids
 *   among the stream's last `idempotencyWindow` events. Beyond that window the server's rules
 *   above are all there is.
 * - The same id in another stream is never detected: KurrentDB deduplicates per stream.
 */
export class KurrentDbEventStore implements EventStore {
  readonly name = 'kurrentdb';
  /** Hosts this store talks to, for messages; never credentials. */
  readonly target: string;

  private readonly idempotencyWindow: number;
  private readonly pingTimeoutMs: number;
  private readonly reconnect: BackoffPolicy;
  private readonly logger: { warn(message: string): void };
  /** Aborted by close(): ends every live subscription. */
  private readonly lifetime = new AbortController();
  private readonly pendingAppends = new Set<Promise<unknown>>();
  private closing: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly client: KurrentDbClient,
    options: KurrentDbEventStoreOptions = {},
  ) {
    this.target = options.target ?? 'kurrentdb';
    this.idempotencyWindow = nonNegativeInteger(options.idempotencyWindow ?? DEFAULT_IDEMPOTENCY_WINDOW, 'idempotencyWindow');
    this.pingTimeoutMs = nonNegativeInteger(options.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS, 'pingTimeoutMs');
    this.reconnect = options.reconnect ?? DEFAULT_RECONNECT_BACKOFF;
    this.logger = options.logger ?? new Logger('KurrentDbEventStore');
  }

  /**
   * A store on the server(s) the connection string names (`kurrentdb://`, `esdb://`, `+discover`).
   * Connects lazily: call `ping()` to know whether the server answers.
   */
  static connect(connectionString: string, options: Omit<KurrentDbEventStoreOptions, 'target'> = {}): KurrentDbEventStore {
    const target = describeConnectionTarget(connectionString);
    let client: KurrentDBClient;
    try {
      client = KurrentDBClient.connectionString(normalizeConnectionString(connectionString));
    } catch (error) {
      throw new Error(`the connection string for ${target} is malformed (${describeParseError(error)})`);
    }
    return new KurrentDbEventStore(client, { ...options, target });
  }

  append(streamId: string, events: readonly EventToAppend[], expected: ExpectedRevision): Promise<AppendResult> {
    try {
      this.assertAcceptingAppends();
      assertStreamId(streamId);
      assertExpectedRevision(expected);
      const data = events.map(toEventData);
      const eventIds = events.map((event) => event.eventId);
      const repeated = repeatedEventId(eventIds);
      if (repeated !== undefined) throw new EventIdConflict(streamId, repeated);
      // close() waits for every append it accepted: each was promised an outcome.
      const appending = this.appendChecked(streamId, eventIds, data, expected);
      this.pendingAppends.add(appending);
      const forget = (): void => void this.pendingAppends.delete(appending);
      appending.then(forget, forget);
      return appending;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private async appendChecked(
    streamId: string,
    eventIds: readonly string[],
    data: ReturnType<typeof toEventData>[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    if (eventIds.length === 0) return this.checkExpectation(streamId, expected);
    // `no_stream` needs no search: the server compares a retry's ids from revision 0 onwards.
    if (expected !== 'no_stream') {
      const earlier = await this.findBatch(streamId, eventIds);
      if (earlier !== undefined) return earlier;
    }
    let written;
    try {
      written = await this.client.appendToStream(streamId, data, { streamState: toStreamState(expected) });
    } catch (error) {
      if (!isWrongExpectedVersion(error)) throw toStorageError(error) ?? error;
      // A retry expecting an older revision than its original is refused by the server (it
      // compares the ids at the wrong revisions); the search answers it with the original.
      const earlier = await this.findBatch(streamId, eventIds);
      if (earlier !== undefined) return earlier;
      throw toWrongExpectedRevision(error, streamId, expected);
    }
    const nextRevision = revisionToNumber(written.nextExpectedRevision);
    // A one-event append is reported at that event's own position. For a longer batch the
    // reported position is the last event's only "most of the time" (the client maintainers'
    // words), and an append the server recognised as a retry may carry none: read the event.
    if (eventIds.length === 1 && written.position !== undefined) {
      return { nextRevision, position: toPortPosition(written.position, `append to ${streamId}`) };
    }
    const last = await this.eventAt(streamId, nextRevision);
    return { nextRevision, position: last?.position ?? toPortPosition(written.position, `append to ${streamId}`) };
  }

  /** An empty batch writes nothing: it only checks the expectation against the stream's head. */
  private async checkExpectation(streamId: string, expected: ExpectedRevision): Promise<AppendResult> {
    const last = await this.lastEvent(streamId);
    const actual = last?.revision ?? -1;
    if (!expectationHolds(expected, actual)) throw new WrongExpectedRevision(streamId, expected, actual);
    return { nextRevision: actual, position: last?.position ?? 0 };
  }

  /**
   * The original result if the batch is already among the stream's last `idempotencyWindow`
   * events; undefined if none of its ids is; EventIdConflict if only some are.
   */
  private async findBatch(streamId: string, eventIds: readonly string[]): Promise<AppendResult | undefined> {
    if (this.idempotencyWindow === 0) return undefined;
    const wanted = new Set(eventIds);
    const found = new Map<string, EventLocation>();
    for await (const event of this.readStreamRaw(streamId, { direction: BACKWARDS, fromRevision: END, maxCount: this.idempotencyWindow })) {
      if (!wanted.has(event.id)) continue;
      const recorded = toRecordedEvent(event);
      found.set(recorded.eventId, { revision: recorded.revision, position: recorded.position });
      if (found.size === wanted.size) break;
    }
    const lookup = classifyBatch(eventIds, found);
    switch (lookup.kind) {
      case 'absent':
        return undefined;
      case 'original':
        return lookup.result;
      case 'conflict':
        throw new EventIdConflict(streamId, lookup.eventId);
    }
  }

  async *readStream(streamId: string, options: ReadStreamOptions = {}): AsyncGenerator<RecordedEvent> {
    assertStreamId(streamId);
    const fromRevision = nonNegativeInteger(options.fromRevision ?? 0, 'fromRevision');
    const maxCount = options.maxCount === undefined ? undefined : nonNegativeInteger(options.maxCount, 'maxCount');
    this.assertOpen();
    if (maxCount === 0) return;
    const read = this.readStreamRaw(streamId, {
      direction: FORWARDS,
      fromRevision: BigInt(fromRevision),
      ...(maxCount !== undefined && { maxCount }),
    });
    for await (const event of read) yield toRecordedEvent(event);
  }

  async *readAll(options: ReadAllOptions = {}): AsyncGenerator<RecordedEvent> {
    const after = options.after ?? 0;
    assertPortPosition(after, 'after');
    let remaining = options.maxCount === undefined ? Infinity : nonNegativeInteger(options.maxCount, 'maxCount');
    const filter = compileReadFilter(options.filter);
    this.assertOpen();
    if (filter.matchesNothing || remaining === 0) return;
    const { fromPosition, skipThrough } = readAllStart(after);
    // No maxCount for the server: events the exact filter drops here would count against it.
    // Leaving the loop early cancels the read.
    for await (const resolved of this.client.readAll({ direction: FORWARDS, fromPosition, filter: filter.serverFilter })) {
      if (options.signal?.aborted === true) return;
      const event = resolved.event;
      if (event === undefined || !filter.matches(event)) continue;
      const recorded = toRecordedEvent(event);
      if (recorded.position <= skipThrough) continue;
      yield recorded;
      remaining -= 1;
      if (remaining === 0) return;
    }
  }

  subscribe(options: SubscribeOptions = {}): AsyncIterable<RecordedEvent> {
    const after = options.after ?? 0;
    assertPortPosition(after, 'after');
    const filter = compileReadFilter(options.filter);
    this.assertOpen();
    const signal = options.signal === undefined ? this.lifetime.signal : AbortSignal.any([this.lifetime.signal, options.signal]);
    if (filter.matchesNothing) return nothingUntil(signal);
    return reconnectingSubscription({
      after,
      open: (resumeAfter) => this.openSubscription(resumeAfter, filter),
      positionOf: (event) => event.position,
      isRetryable: isTransient,
      signal,
      backoff: this.reconnect,
      onReconnect: ({ attempt, delayMs, after: resumeAfter, error }) =>
        this.logger.warn(
          `subscription to ${this.target} dropped (${describeClientError(error)}); ` +
            `reconnecting in ${delayMs} ms after position ${resumeAfter} (attempt ${attempt + 1})`,
        ),
    });
  }

  private openSubscription(after: number, filter: CompiledReadFilter): SubscriptionSession<RecordedEvent> {
    this.assertOpen();
    const subscription = this.client.subscribeToAll(
      { fromPosition: subscriptionStart(after), filter: filter.serverFilter },
      // The client's subscription is a Node stream piped from gRPC: once this many events wait
      // unread, the pipe pauses and HTTP/2 flow control holds the server back.
      { highWaterMark: SUBSCRIPTION_HIGH_WATER_MARK },
    );
    const events = subscription[Symbol.asyncIterator]();
    return {
      async next() {
        for (;;) {
          const step = await events.next();
          if (step.done === true) return step;
          const event = step.value.event;
          if (event === undefined || !filter.matches(event)) continue;
          return { done: false, value: toRecordedEvent(event) };
        }
      },
      async close() {
        await subscription.unsubscribe().catch(() => undefined);
        subscription.destroy();
      },
    };
  }

  async headPosition(): Promise<number> {
    this.assertOpen();
    // The server filters `$`-types; `$`-streams with other types are dropped here, so the head
    // agrees with what an unfiltered readAll or subscribe delivers.
    try {
      for await (const resolved of this.client.readAll({ direction: BACKWARDS, fromPosition: END, filter: excludeSystemEvents() })) {
        const event = resolved.event;
        if (event !== undefined && !isSystemEvent(event)) return toPortPosition(event.position, 'the last event of $all');
      }
    } catch (error) {
      throw toStorageError(error) ?? error;
    }
    return 0;
  }

  async streamRevision(streamId: string): Promise<number> {
    assertStreamId(streamId);
    this.assertOpen();
    return (await this.lastEvent(streamId))?.revision ?? -1;
  }

  async ping(): Promise<void> {
    this.assertOpen();
    await withDeadline(this.probe(), this.pingTimeoutMs, `no answer within ${this.pingTimeoutMs} ms`);
  }

  /** Ends live subscriptions once the appends already accepted have their outcome, then disconnects. */
  close(): Promise<void> {
    this.closing ??= this.closeNow();
    return this.closing;
  }

  private async closeNow(): Promise<void> {
    await Promise.allSettled([...this.pendingAppends]);
    // Abort first: a subscription between two sessions then ends instead of failing to reopen.
    this.lifetime.abort();
    this.closed = true;
    await this.client.dispose();
  }

  /** A cheap read of `$all` that needs the server, its read permission and a leader or follower. */
  private async probe(): Promise<void> {
    for await (const resolved of this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 })) {
      void resolved;
    }
  }

  private async lastEvent(streamId: string): Promise<RecordedEvent | undefined> {
    for await (const event of this.readStreamRaw(streamId, { direction: BACKWARDS, fromRevision: END, maxCount: 1 })) {
      return toRecordedEvent(event);
    }
    return undefined;
  }

  private async eventAt(streamId: string, revision: number): Promise<RecordedEvent | undefined> {
    for await (const event of this.readStreamRaw(streamId, { direction: FORWARDS, fromRevision: BigInt(revision), maxCount: 1 })) {
      return toRecordedEvent(event);
    }
    return undefined;
  }

  /** The stream's events as the client gives them; a stream that does not exist reads as empty. */
  private async *readStreamRaw(
    streamId: string,
    options: Parameters<KurrentDbClient['readStream']>[1],
  ): AsyncGenerator<ClientRecordedEvent> {
    const read: AsyncIterableIterator<ResolvedEvent | AllStreamResolvedEvent> = this.client.readStream(streamId, options);
    try {
      for await (const resolved of read) {
        if (resolved.event !== undefined) yield resolved.event;
      }
    } catch (error) {
      if (isStreamNotFound(error)) return;
      throw toStorageError(error) ?? error;
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`the kurrentdb event store (${this.target}) is closed`);
  }

  private assertAcceptingAppends(): void {
    if (this.closing !== undefined) throw new Error(`the kurrentdb event store (${this.target}) is closed`);
  }
}

/** A subscription with nothing to deliver still lasts until it is ended, like any other. */
async function* nothingUntil(signal: AbortSignal): AsyncGenerator<RecordedEvent> {
  if (signal.aborted) return;
  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

async function withDeadline<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  // The abandoned work may fail later; that must not become an unhandled rejection.
  work.catch(() => undefined);
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** The parser's complaint without the connection string, which it quotes and which may hold a password. */
function describeParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const located = /at position (\d+), expected (.+?)\.?$/m.exec(message);
  return located === null ? 'not a kurrentdb:// or esdb:// connection string' : `at character ${located[1]}, expected ${located[2]}`;
}

function assertStreamId(streamId: string): void {
  if (typeof streamId !== 'string' || streamId.length === 0) {
    throw new TypeError('a stream id must be a non-empty string');
  }
}

