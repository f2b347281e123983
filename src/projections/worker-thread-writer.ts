import { Worker } from 'node:worker_threads';
import type { RecordedEvent, SqlReadableLog } from '../event-store/index.js';
import type { ReadModelFile } from './read-model-file.js';
import { type ApplyOutcome, type ReadModelWriter, ReadModelWriterGone } from './read-model-writer.js';

/** Where a writer thread finds its code, compiled: its entry point, and the module that lists the read models. */
export interface WriterThreadModules {
  readonly entry: URL;
  /** A module exporting `READ_MODELS: readonly ReadModelDeclaration[]`. */
  readonly readModels: URL;
}

/** The compiled entry point, beside this file. */
export const WRITER_THREAD_ENTRY = new URL('./read-model-writer.worker.js', import.meta.url);

export interface WriterThreadData {
  readonly path: string;
  /** `WriterThreadModules.readModels`. */
  readonly readModels: string;
  /**
   * The declaration as the engine's thread knows it, as JSON: the thread files nothing with a
   * declaration of its own module that differs (an out-of-date build).
   */
  readonly declaration: string;
  /** The embedded store's log, which a catch-up reads through the file's own connection; absent for other stores. */
  readonly log?: SqlReadableLog;
}

/**
 * An event as it is copied to a writer thread. When the store handed over the data's text
 * (`dataJson`), only the text goes, and the thread parses it: copying one string costs less
 * than copying the parsed tree.
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
  /** `events` holds only the types the read model files; the checkpoint moves to `through` (the batch's last position) all the same. */
  | { readonly type: 'apply'; readonly events: readonly EventOnTheWire[]; readonly through: number }
  | { readonly type: 'catch-up' }
  /** Ends the catch-up under way (or the one just sent) at its next committed window. Handled on arrival, not in turn. */
  | { readonly type: 'cancel-catch-up' }
  | { readonly type: 'create-indexes' }
  | { readonly type: 'close' };

export type WriterMessage =
  | { readonly kind: 'progress'; readonly position: number }
  | { readonly kind: 'reply'; readonly ok: true; readonly outcome: ApplyOutcome }
  /** `code`: SQLite's result code (or Node's), so that a full disk or a damaged file is known as such on the engine's side. */
  | { readonly kind: 'reply'; readonly ok: false; readonly message: string; readonly stack?: string; readonly code?: string };

export interface WriterThreadOptions {
  readonly modules: WriterThreadModules;
  /** See `WriterThreadData.log`: without it, the writer has no `catchUp`. */
  readonly log?: SqlReadableLog;
}

const WRITER_THREAD_YOUNG_GENERATION_MB = 16;

/** Log positions a writer thread files per transaction when it catches up by itself (see `ReadModelFile.applyLogWindow`). */
export const CATCH_UP_LOG_WINDOW = 2_000;

/**
 * Applies batches on a thread of its own, through a second connection to the generation file
 * (WAL lets the engine's connection read meanwhile). The events are copied to the thread; the
 * engine learns the new checkpoint from the reply, which comes after the commit. Given the
 * embedded store's log, it can also catch up by reading the log itself (`catchUp`): nothing is
 * copied between threads then, and each read model catches up on a core of its own.
 */
export function workerThreadWriter(file: ReadModelFile, options: WriterThreadOptions): ReadModelWriter {
  const data: WriterThreadData = {
    path: file.path,
    readModels: options.modules.readModels.href,
    declaration: JSON.stringify(file.definition),
    ...(options.log !== undefined && { log: options.log }),
  };
  const worker = new Worker(options.modules.entry, {
    workerData: data,
    // A batch's events die young: a small young generation keeps each thread's memory down.
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
    else {
      current?.reject(
        Object.assign(new Error(message.message), {
          ...(message.stack !== undefined && { stack: message.stack }),
          ...(message.code !== undefined && { code: message.code }),
        }),
      );
    }
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
    ...(options.log !== undefined && {
      catchUp: (onProgress: (position: number) => void, signal: AbortSignal) => {
        if (signal.aborted) return Promise.resolve({ position: file.position });
        const caughtUp = request({ type: 'catch-up' }, onProgress);
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
