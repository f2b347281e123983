import type { RecordedEvent, SqlReadableLog } from '../event-store/index.js';
import { ProjectionApplyError, type ReadModelFile } from './read-model-file.js';
import { readModelFailure } from './read-model-failure.js';

/** Events read at a time from the log when a window goes through the filers. */
const FILER_PAGE_EVENTS = 2_000;

/** An event could not be filed: what the runner reports as its failure. */
export interface ApplyFailure {
  readonly message: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly position: number;
  readonly stack?: string;
}

/** What applying a batch left in the file: its checkpoint, and the failure that cut the batch short, if any. */
export interface ApplyOutcome {
  readonly position: number;
  readonly failure?: ApplyFailure;
}

/**
 * Writes batches into one generation file. The engine reads the same file through its own
 * connection; a writer may run on another thread, so that applying events (most of a
 * projection's cost) does not hold up the requests served on the main thread.
 *
 * `apply` is called with one batch at a time, and only after the previous one settled. An event
 * that cannot be filed comes back in the outcome (`failure`); anything else (an I/O failure, a
 * closed writer) rejects.
 */
export interface ReadModelWriter {
  apply(events: readonly RecordedEvent[]): Promise<ApplyOutcome>;
  /** Builds the file's deferred indexes (see `ProjectionDefinition.indexes`); like `apply`, one call at a time. */
  createDeferredIndexes(): Promise<void>;
  /**
   * Present on a writer that can read the log itself: applies, in batches, every event after
   * the file's checkpoint up to the head as it stood when reading began, reporting each
   * committed checkpoint to `onProgress`. Once `signal` aborts, ends at the next committed
   * batch (or at once, when it was aborted before). Like `apply`, one call at a time.
   */
  catchUp?(onProgress: (position: number) => void, signal: AbortSignal): Promise<ApplyOutcome>;
  /** Waits for the batch in hand, then releases the writer's connection or thread. */
  close(): Promise<void>;
}

export type ReadModelWriterFactory = (file: ReadModelFile) => ReadModelWriter;

/** The writer can apply nothing more (its thread crashed, or could not open the file). */
export class ReadModelWriterGone extends Error {
  override readonly name = 'ReadModelWriterGone';
}

/**
 * Applies the batch in one transaction (moving the checkpoint to `through` as well, when
 * given; see `ReadModelFile.applyBatch`). On an event that cannot be filed, commits what
 * preceded it instead: filing is deterministic, so those events apply again exactly as they did,
 * and the checkpoint then points at the last event the model really reflects.
 */
export function applyOrStopAtFailure(file: ReadModelFile, events: readonly RecordedEvent[], through?: number): ApplyOutcome {
  try {
    return { position: file.applyBatch(events, through) };
  } catch (error) {
    if (!(error instanceof ProjectionApplyError)) throw error;
    const position = file.applyBatch(events.slice(0, error.index));
    const cause = error.cause;
    return {
      position,
      failure: {
        message: error.message,
        eventId: error.event.eventId,
        eventType: error.event.type,
        position: error.event.position,
        ...(cause instanceof Error && cause.stack !== undefined ? { stack: cause.stack } : {}),
      },
    };
  }
}

/**
 * Files the window (after, until] of the embedded store's log into the file, and moves the
 * checkpoint to `until`: in SQL, or, when the SQL refuses the window, through the filers, which
 * file it or stop at the event that cannot be filed, as `applyOrStopAtFailure` reports. Memory
 * stays at a page of events.
 */
export function fileLogWindow(file: ReadModelFile, log: SqlReadableLog, after: number, until: number): ApplyOutcome {
  try {
    return { position: file.applyLogWindow(log, after, until) };
  } catch (error) {
    // A full disk or a damaged file fails the filers as well: the caller waits, or heals.
    if (readModelFailure(error) !== undefined) throw error;
    // Nothing was committed; the filers take the window.
  }
  const head = Math.min(until, file.logHead(log));
  let outcome: ApplyOutcome = { position: Math.max(after, file.position) };
  while (outcome.position < head) {
    const events = file.logEvents(log, outcome.position, head, FILER_PAGE_EVENTS);
    const through = events.length < FILER_PAGE_EVENTS ? head : events.at(-1)!.position;
    outcome = applyOrStopAtFailure(file, events, through);
    if (outcome.failure !== undefined) return outcome;
  }
  return outcome;
}

/** Applies on the calling thread, through the engine's own connection to the file. */
export const inThreadWriter: ReadModelWriterFactory = (file) => ({
  apply: (events) => {
    try {
      return Promise.resolve(applyOrStopAtFailure(file, events));
    } catch (error) {
      return Promise.reject(error);
    }
  },
  createDeferredIndexes: () => {
    try {
      file.createDeferredIndexes();
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  },
  close: () => Promise.resolve(),
});
