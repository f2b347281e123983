import { backoffDelay, DEFAULT_RECONNECT_BACKOFF, type BackoffPolicy } from './backoff.js';

/** One connection's worth of a catch-up subscription, pulled one item at a time. */
export interface SubscriptionSession<T> {
  /** The next item; `done` when the server ended the subscription. */
  next(): Promise<IteratorResult<T, unknown>>;
  /** Ends the session and releases its connection. Called exactly once per session. */
  close(): Promise<void>;
}

export interface ReconnectInfo {
  /** 0 for the first reconnect after a delivery (or after the start). */
  readonly attempt: number;
  readonly delayMs: number;
  /** The position the next session resumes after. */
  readonly after: number;
  readonly error: unknown;
}

export interface ReconnectingSubscriptionOptions<T> {
  /** Deliver items strictly after this position. */
  readonly after: number;
  /** Opens a session delivering items strictly after `after`, in position order. */
  readonly open: (after: number) => SubscriptionSession<T>;
  readonly positionOf: (item: T) => number;
  /** Whether a failed session is worth reopening (a dropped connection), or the error is final. */
  readonly isRetryable: (error: unknown) => boolean;
  /** Ends the subscription: the generator returns, without an error. */
  readonly signal: AbortSignal;
  readonly backoff?: BackoffPolicy;
  readonly random?: () => number;
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly onReconnect?: (info: ReconnectInfo) => void;
}

/** The server closed a subscription that should run until we end it. */
export class SubscriptionEnded extends Error {
  override readonly name = 'SubscriptionEnded';
  constructor(after: number) {
    super(`the server ended the subscription after position ${after}`);
  }
}

const ABORTED = Symbol('aborted');

/**
 * A catch-up subscription that survives dropped connections.
 *
 * Exactly once, in order: `after` only ever advances to the position of an item handed to the
 * consumer, and every new session starts strictly after it. A session that replays anything at
 * or before it (a server resuming from a coarser point) has those items dropped here, so nothing
 * is delivered twice; and since a session delivers every item after its start, nothing is
 * skipped. Server checkpoints are deliberately not used as resume points: one can run ahead of
 * an event that is committed later at a lower position (KurrentDB issue 4970).
 *
 * Backpressure: the next item is requested only when the consumer asks for it.
 */
export async function* reconnectingSubscription<T>(options: ReconnectingSubscriptionOptions<T>): AsyncGenerator<T, void, undefined> {
  const { signal } = options;
  const sleep = options.sleep ?? abortableSleep;
  let after = options.after;
  let attempt = 0;
  while (!signal.aborted) {
    let session: SubscriptionSession<T> | undefined;
    try {
      session = options.open(after);
      for (;;) {
        const step = await unlessAborted(session.next(), signal);
        if (step === ABORTED) return;
        if (step.done === true) throw new SubscriptionEnded(after);
        const item = step.value;
        const position = options.positionOf(item);
        if (position <= after) continue;
        after = position;
        attempt = 0;
        yield item;
        if (signal.aborted) return;
      }
    } catch (error) {
      if (signal.aborted) return;
      if (!(error instanceof SubscriptionEnded) && !options.isRetryable(error)) throw error;
      const delayMs = backoffDelay(attempt, options.backoff ?? DEFAULT_RECONNECT_BACKOFF, options.random);
      options.onReconnect?.({ attempt, delayMs, after, error });
      attempt += 1;
      await sleep(delayMs, signal);
    } finally {
      await session?.close().catch(() => undefined);
    }
  }
}

/** The promise's outcome, or ABORTED as soon as the signal fires (the promise is then left to settle alone). */
function unlessAborted<V>(promise: Promise<V>, signal: AbortSignal): Promise<V | typeof ABORTED> {
  if (signal.aborted) {
    // Whatever the abandoned promise does later must not surface as an unhandled rejection.
    promise.catch(() => undefined);
    return Promise.resolve(ABORTED);
  }
  return new Promise((resolve, reject) => {
    const onAbort = (): void => resolve(ABORTED);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
