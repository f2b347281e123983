import type {
  AppendResult,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
} from '../../src/event-store/index.js';

/**
 * A store that hands every call to `inner`, for a test's wrapper to change one behaviour of.
 * Closing it leaves the inner store open: that belongs to the test.
 */
export abstract class DelegatingStore implements EventStore {
  abstract readonly name: string;

  constructor(protected readonly inner: EventStore) {}

  append(streamId: string, events: readonly EventToAppend[], expected: ExpectedRevision): Promise<AppendResult> {
    return this.inner.append(streamId, events, expected);
  }

  readStream(streamId: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent> {
    return this.inner.readStream(streamId, options);
  }

  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent> {
    return this.inner.readAll(options);
  }

  subscribe(options?: SubscribeOptions): AsyncIterable<RecordedEvent> {
    return this.inner.subscribe(options);
  }

  headPosition(): Promise<number> {
    return this.inner.headPosition();
  }

  streamRevision(streamId: string): Promise<number> {
    return this.inner.streamRevision(streamId);
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  async close(): Promise<void> {
    // The inner store belongs to the test.
  }
}

/**
 * Wraps a store so that subscriptions deliver only the first `limit` events of the log, then
 * go quiet: as if the process stopped hearing from the log mid-stream. `honourAbort` decides
 * what stopping does then: end the subscription (a clean shutdown), or nothing at all (a
 * crash: the batch in hand is never committed).
 */
export class GatedStore extends DelegatingStore {
  readonly name = 'gated';
  private signalExhausted!: () => void;
  /** Resolves once a subscriber has taken `limit` events and asked for more. */
  readonly exhausted = new Promise<void>((resolve) => {
    this.signalExhausted = resolve;
  });

  constructor(
    inner: EventStore,
    private readonly limit: number,
    private readonly honourAbort: boolean,
  ) {
    super(inner);
  }

  override async *subscribe(options: SubscribeOptions = {}): AsyncGenerator<RecordedEvent> {
    let delivered = 0;
    for await (const event of this.inner.subscribe(options)) {
      if (delivered === this.limit) {
        this.signalExhausted();
        await this.quiet(options.signal);
        return;
      }
      delivered += 1;
      yield event;
    }
  }

  private quiet(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      if (!this.honourAbort) return;
      if (signal?.aborted) resolve();
      signal?.addEventListener('abort', () => resolve(), { once: true });
    });
  }
}
