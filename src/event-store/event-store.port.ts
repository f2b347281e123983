/**
 * The event store port. Every adapter (embedded SQLite, KurrentDB) implements it and passes
 * the shared contract suite in test/contract/.
 *
 * Positions are the global log order: strictly increasing, never reused. Revisions count the
 * events of one stream from 0. Both are plain numbers: a log would need 2^53 bytes or events
 * before that becomes a limit.
 */

/** Injection token of the configured `EventStore` adapter. */
export const EVENT_STORE = Symbol('EventStore');

/** What the writer believes about the stream before appending. */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

/** An argument of the port (a position, a revision, a count) that must be an integer >= 0. */
export function nonNegativeInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be an integer >= 0, got ${value}`);
  return value;
}

/** An argument that must be an integer >= 1 (a page size, a batch size). */
export function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be an integer >= 1, got ${value}`);
  return value;
}

/** Whether `expected` holds for a stream whose revision is `actual` (-1: no stream). */
export function expectationHolds(expected: ExpectedRevision, actual: number): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return actual === -1;
    case 'stream_exists':
      return actual >= 0;
    default:
      return expected === actual;
  }
}

export interface EventToAppend {
  /** Client-derivable id. Appending an id already in the stream writes nothing. */
  readonly eventId: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: Readonly<Record<string, unknown>>;
}

export interface RecordedEvent {
  readonly eventId: string;
  readonly type: string;
  readonly streamId: string;
  /** Revision of this event within its stream, from 0. */
  readonly revision: number;
  /** Position of this event in the global log. */
  readonly position: number;
  readonly data: unknown;
  /**
   * `data` as the JSON text the store holds, when it keeps events as text (the embedded store
   * does; KurrentDB's client hands data over parsed). It is the same JSON value as `data`: a
   * consumer that stores the data as text takes it rather than serialising `data` again.
   */
  readonly dataJson?: string;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** One stream's part of an atomic append to several streams (see `EventStore.appendAtomically`). */
export interface StreamAppend {
  readonly streamId: string;
  readonly events: readonly EventToAppend[];
  readonly expected: ExpectedRevision;
}

export interface AppendResult {
  /** Revision of the last event of the batch: the stream's revision after the append. */
  readonly nextRevision: number;
  /** Global position of the last event of the batch. */
  readonly position: number;
  /**
   * Global position of each event this append wrote, in order, when the store gives them (the
   * embedded store does); never on a replay or an empty append, which write nothing.
   */
  readonly positions?: readonly number[];
  /**
   * True when every event of the batch was already in the stream and nothing was written: a
   * retry answered with its original. A store that cannot tell (a retry the server itself
   * recognised) leaves it out.
   */
  readonly replayed?: boolean;
}

export interface ReadAllFilter {
  /** Keep events whose stream id starts with one of these prefixes. */
  readonly streamPrefixes?: readonly string[];
  /** Keep events of these types. */
  readonly eventTypes?: readonly string[];
}

export interface ReadStreamOptions {
  readonly fromRevision?: number;
  readonly maxCount?: number;
}

export interface ReadAllOptions {
  /** Start strictly after this position (a checkpoint). Omitted: from the start of the log. */
  readonly after?: number;
  readonly filter?: ReadAllFilter;
  readonly maxCount?: number;
  /**
   * Ends the read early once it aborts: the iterator finishes, between two events or two
   * pages, without an error. A sparse filter may scan long stretches of the log that yield
   * nothing; the signal is looked at there too.
   */
  readonly signal?: AbortSignal;
}

export interface SubscribeOptions {
  /** Start strictly after this position (a checkpoint). Omitted: from the start of the log. */
  readonly after?: number;
  readonly filter?: ReadAllFilter;
  /** Ends the subscription: the iterator finishes instead of waiting for more events. */
  readonly signal?: AbortSignal;
}

/**
 * A log kept in a SQLite table that another connection may attach (`ATTACH DATABASE file`) and
 * read in SQL, e.g. a read model filing a window of the log in one statement. The store names
 * its own table and columns; readers use nothing else of its schema. Data and metadata are the
 * JSON text of `RecordedEvent.data` and `RecordedEvent.metadata`.
 */
export interface SqlReadableLog {
  /** The SQLite file that holds the table. */
  readonly file: string;
  readonly table: string;
  readonly columns: {
    readonly position: string;
    readonly eventId: string;
    readonly streamId: string;
    readonly revision: string;
    readonly type: string;
    readonly data: string;
    readonly metadata: string;
  };
}

export interface EventStore {
  /** A short name for logs and /health, e.g. `sqlite`. */
  readonly name: string;

  /** Optional: where another connection can read the log in SQL (see `SqlReadableLog`). */
  readonly sqlLog?: SqlReadableLog;

  /**
   * Atomically appends the batch. Throws WrongExpectedRevision when `expected` does not hold.
   * When every event id of the batch is already in the stream, returns the original result
   * and writes nothing; when only some are, or an id is taken by another stream, throws
   * EventIdConflict.
   */
  append(streamId: string, events: readonly EventToAppend[], expected: ExpectedRevision): Promise<AppendResult>;

  /**
   * Optional: appends to several streams in one atomic, durable step: every expectation holds
   * and every batch is written (each as `append` would, retries answered with their original), or
   * nothing is and the first error is thrown. Results come in the order of `appends`; a stream
   * may appear once only.
   */
  appendAtomically?(appends: readonly StreamAppend[]): Promise<AppendResult[]>;

  /** The stream's events from `fromRevision` (default 0), oldest first. A missing stream is empty. */
  readStream(streamId: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent>;

  /** The global log in position order, from after `after`, filtered. Ends at the current head. */
  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent>;

  /**
   * Catch-up then live: every matching event after `after`, in position order, exactly once,
   * never skipping an event that commits later with a lower position. Pulling is the
   * backpressure: the store reads ahead only as far as the consumer takes.
   */
  subscribe(options?: SubscribeOptions): AsyncIterable<RecordedEvent>;

  /** Position of the last event in the log, or 0 when it is empty. */
  headPosition(): Promise<number>;

  /**
   * Optional: waits, without reading any event, until the head of the log is past `after`.
   * True then; false when `signal` aborted or the store closed first. A store that offers it
   * lets a reader that reads the log by other means (a read model's writer thread with its
   * own connection to the embedded store) learn when there is something to read.
   */
  waitForHeadPast?(after: number, signal?: AbortSignal): Promise<boolean>;

  /** The stream's current revision, or -1 when it does not exist. */
  streamRevision(streamId: string): Promise<number>;

  /** Throws when the store is not usable (for /health and start-up checks). */
  ping(): Promise<void>;

  close(): Promise<void>;
}

export class WrongExpectedRevision extends Error {
  override readonly name = 'WrongExpectedRevision';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    /** The stream's revision at the time of the append, -1 when it does not exist. */
    readonly actual: number,
  ) {
    super(`stream ${streamId}: expected revision ${String(expected)}, actual ${actual}`);
  }
}

export class EventIdConflict extends Error {
  override readonly name = 'EventIdConflict';
  constructor(
    readonly streamId: string,
    readonly eventId: string,
  ) {
    super(`event id ${eventId} is already used elsewhere than this exact batch of stream ${streamId}`);
  }
}
