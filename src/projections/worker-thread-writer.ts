import { Worker } from 'node:worker_threads';
import type { RecordedEvent } from '../event-store/index.js';
import type { ReadModelFile } from './read-model-file.js';
import { type ApplyOutcome, type ReadModelWriter, ReadModelWriterGone } from './read-model-writer.js';

/** The compiled entry point. Run from TypeScript sources (a test runner), it does not exist. */
export const WRITER_THREAD_ENTRY = new URL('./read-model-writer.worker.js', import.meta.url);

export interface WriterThreadData {
  readonly path: string;
  readonly projection: string;
  /** The embedded store's file, which a catch-up reads through a connection of its own; absent for other stores. */
  readonly eventStoreFile?: string;
}

/**
 * An event as it is copied to a writer thread. When the store handed over the data's text
 * (`dataJson`), only the text goes, and the thread parses it: copying one string costs the
 * engine's thread about half of what copying the parsed tree does (2 against 4 µs an event,
 * measured), and both copies together cost more than either.
 */
export type EventOnTheWire = Omit<RecordedEvent, 'data'> & { readonly data?: unknown };

export function toWire(event: RecordedEvent): EventOnTheWire {
  if (event.dataJson === undefined) return event;
  const { data: _parsed, ...wire } = event;
  return wire;
}

export function fromWire(event: EventOnTheWire): RecordedEvent {
  if (event.dataJson === undefined) return event as RecordedEvent;
  return { ...event, data: JSON.parse(event.dataJson) as unknown };
}

export type WriterRequest =
  /** `events` holds only the types the projection handles; the checkpoint moves to `through` (the batch's last position) all the same. */
  | { readonly type: 'apply'; readonly events: readonly EventOnTheWire[]; readonly through: number }
  | { readonly type: 'catch-up'; readonly pageSize: number }
  /** Ends the catch-up under way (or the one just sent) at its next committed batch. Handled on arrival, not in turn. */
  | { readonly type: 'cancel-catch-up' }
  | { readonly type: 'create-indexes' }
  | { readonly type: 'close' };

export type WriterMessage =
  | { readonly kind: 'progress'; readonly position: number }
  | { readonly kind: 'reply'; readonly ok: true; readonly outcome: ApplyOutcome }
  | { readonly kind: 'reply'; readonly ok: false; readonly message: string; readonly stack?: string };

export interface WriterThreadOptions {
  /** The compiled entry point (tests running TypeScript sources name the built one). */
  readonly entry?: URL;
  /** See `WriterThreadData.eventStoreFile`: without it, the writer has no `catchUp`. */
  readonly eventStoreFile?: string;
}

const WRITER_THREAD_YOUNG_GENERATION_MB = 16;

/**
 * The page size a writer thread reads the log in when it files a window through the handlers
 * (see CATCH_UP_LOG_WINDOW). When the handlers took every window, a 200k-event catch-up ran
 * about 5% faster in pages and batches of 500 than of 2,000 (four alternating runs per read
 * model), as fewer events outlived a young-generation collection.
 */
export const CATCH_UP_BATCH_EVENTS = 500;

/**
 * Log positions a writer thread files per transaction when it catches up by itself (see
 * `ReadModelFile.applyLogWindow`); a window the SQL cannot file goes through the handlers, so
 * memory stays at about one window's events. Windows of 500 positions took about a fifth
 * longer than windows of 2,000 (control model, 200k events, SQL).
 */
export const CATCH_UP_LOG_WINDOW = 2_000;

/**
 * Applies batches on a thread of its own, through a second connection to the generation file
 * (WAL lets the engine's connection read meanwhile). The events are copied to the thread; the
 * engine learns the new checkpoint from the reply, which comes after the commit. Given the
 * embedded store's file, it can also catch up by reading the log itself (`catchUp`): nothing
 * is copied between threads then, and each read model catches up on a core of its own.
 */
export function workerThreadWriter(file: ReadModelFile, options: WriterThreadOptions = {}): ReadModelWriter {
  const data: WriterThreadData = {
    path: file.path,
    projection: file.definition.name,
    ...(options.eventStoreFile !== undefined && { eventStoreFile: options.eventStoreFile }),
  };
  const worker = new Worker(options.entry ?? WRITER_THREAD_ENTRY, {
    workerData: data,
    // A batch's events die young: a small young generation keeps each thread's memory down
    // (about 20 MB less per thread at the peak of a rebuild, measured no slower).
    resourceLimits: { maxYoungGenerationSizeMb: WRITER_THREAD_YOUNG_GENERATION_MB },
  });
  let pending:
    | { resolve: (outcome: ApplyOutcome) => void; reject: (error: Error) => void; onProgress?: (position: number) => void }
    | undefined;
  let gone: Error | undefined;
  let closing = false;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));

  const takePending = (): typeof pending => {
    const current = pending;
    pending = undefined;
    return current;
  };
  worker.on('message', (message: WriterMessage) => {
    if (message.kind === 'progress') {
      pending?.onProgress?.(message.position);
      return;
    }
    const current = takePending();
    if (message.ok) current?.resolve(message.outcome);
    else current?.reject(Object.assign(new Error(message.message), message.stack === undefined ? {} : { stack: message.stack }));
  });
  worker.on('error', (error) => {
    gone ??= new ReadModelWriterGone(`the writer thread of ${file.path} failed: ${error.message}`, { cause: error });
    takePending()?.reject(gone);
  });
  worker.on('exit', (code) => {
    gone ??= new ReadModelWriterGone(`the writer thread of ${file.path} ${closing ? 'was closed' : `exited with code ${code}`}`);
    takePending()?.reject(gone);
  });

  const request = (message: WriterRequest, onProgress?: (position: number) => void): Promise<ApplyOutcome> => {
    if (gone !== undefined) return Promise.reject(gone);
    if (closing) return Promise.reject(new ReadModelWriterGone(`the writer thread of ${file.path} is closing`));
    if (pending !== undefined) return Promise.reject(new Error(`the writer thread of ${file.path} is busy with another request`));
    return new Promise<ApplyOutcome>((resolve, reject) => {
      pending = { resolve, reject, ...(onProgress !== undefined && { onProgress }) };
      worker.postMessage(message);
    });
  };

  const handled = new Set(file.handledTypes);
  return {
    // Only what a handler takes is copied to the thread: the actors read model, say, gets
    // the registrations and not the whole stream of incidents.
    apply: (events) => {
      const taken: EventOnTheWire[] = [];
      for (const event of events) if (handled.has(event.type)) taken.push(toWire(event));
      return request({ type: 'apply', events: taken, through: events.at(-1)?.position ?? 0 });
    },
    createDeferredIndexes: async () => {
      await request({ type: 'create-indexes' });
    },
    ...(options.eventStoreFile !== undefined && {
      catchUp: (onProgress: (position: number) => void, signal: AbortSignal) => {
        if (signal.aborted) return Promise.resolve({ position: file.position });
        const caughtUp = request({ type: 'catch-up', pageSize: CATCH_UP_BATCH_EVENTS }, onProgress);
        const cancel = (): void => {
          if (gone === undefined && !closing) worker.postMessage({ type: 'cancel-catch-up' } satisfies WriterRequest);
        };
        signal.addEventListener('abort', cancel, { once: true });
        return caughtUp.finally(() => signal.removeEventListener('abort', cancel));
      },
    }),
    async close() {
      if (!closing) {
        closing = true;
        // Requests are handled in order: the batch in hand commits before the file closes.
        if (gone === undefined) worker.postMessage({ type: 'close' } satisfies WriterRequest);
      }
      await exited;
    },
  };
}
