import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { RecordedEvent } from '../event-store/index.js';
import { PROJECTIONS } from './projection-definitions.js';
import type { ReadModelFile } from './read-model-file.js';
import { type ApplyOutcome, type ReadModelWriter, type ReadModelWriterFactory, ReadModelWriterGone, inThreadWriter } from './read-model-writer.js';

/** The compiled entry point. Run from TypeScript sources (a test runner), it does not exist. */
export const WRITER_THREAD_ENTRY = new URL('./read-model-writer.worker.js', import.meta.url);

export interface WriterThreadData {
  readonly path: string;
  readonly projection: string;
  /** The embedded store's file, which a catch-up reads through a connection of its own; absent for other stores. */
  readonly eventStoreFile?: string;
  /** One Int32: set to 1 to end a catch-up at its next committed batch. */
  readonly cancel: SharedArrayBuffer;
}

export type WriterRequest =
  /** `events` holds only the types the projection handles; the checkpoint moves to `through` (the batch's last position) all the same. */
  | { readonly type: 'apply'; readonly events: readonly RecordedEvent[]; readonly through: number }
  | { readonly type: 'catch-up'; readonly batchSize: number }
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

/** Events per transaction when a writer thread catches up by itself: memory stays at one batch. */
export const CATCH_UP_BATCH_EVENTS = 2_000;

/**
 * Applies batches on a thread of its own, through a second connection to the generation file
 * (WAL lets the engine's connection read meanwhile). The events are copied to the thread; the
 * engine learns the new checkpoint from the reply, which comes after the commit. Given the
 * embedded store's file, it can also catch up by reading the log itself (`catchUp`): nothing
 * is copied between threads then, and each read model catches up on a core of its own.
 */
export function workerThreadWriter(file: ReadModelFile, options: WriterThreadOptions = {}): ReadModelWriter {
  const cancel = new SharedArrayBuffer(4);
  const cancelled = new Int32Array(cancel);
  const data: WriterThreadData = {
    path: file.path,
    projection: file.definition.name,
    cancel,
    ...(options.eventStoreFile !== undefined && { eventStoreFile: options.eventStoreFile }),
  };
  const worker = new Worker(options.entry ?? WRITER_THREAD_ENTRY, { workerData: data });
  let pending:
    | { resolve: (outcome: ApplyOutcome) => void; reject: (error: Error) => void; onProgress?: (position: number) => void }
    | undefined;
  let gone: Error | undefined;
  let closing = false;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));

  const settle = (): typeof pending => {
    const current = pending;
    pending = undefined;
    return current;
  };
  worker.on('message', (message: WriterMessage) => {
    if (message.kind === 'progress') {
      pending?.onProgress?.(message.position);
      return;
    }
    const current = settle();
    if (message.ok) current?.resolve(message.outcome);
    else current?.reject(Object.assign(new Error(message.message), message.stack === undefined ? {} : { stack: message.stack }));
  });
  worker.on('error', (error) => {
    gone ??= new ReadModelWriterGone(`the writer thread of ${file.path} failed: ${error.message}`, { cause: error });
    settle()?.reject(gone);
  });
  worker.on('exit', (code) => {
    gone ??= new ReadModelWriterGone(`the writer thread of ${file.path} ${closing ? 'was closed' : `exited with code ${code}`}`);
    settle()?.reject(gone);
  });

  const request = (message: WriterRequest, onProgress?: (position: number) => void): Promise<ApplyOutcome> => {
    if (gone !== undefined) return Promise.reject(gone);
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
      const taken = events.filter((event) => handled.has(event.type));
      return request({ type: 'apply', events: taken, through: events.at(-1)?.position ?? 0 });
    },
    createDeferredIndexes: async () => {
      await request({ type: 'create-indexes' });
    },
    ...(options.eventStoreFile !== undefined && {
      catchUp: (onProgress: (position: number) => void) => {
        Atomics.store(cancelled, 0, 0);
        return request({ type: 'catch-up', batchSize: CATCH_UP_BATCH_EVENTS }, onProgress);
      },
      cancelCatchUp: () => {
        Atomics.store(cancelled, 0, 1);
      },
    }),
    async close() {
      if (!closing) {
        closing = true;
        Atomics.store(cancelled, 0, 1);
        // Requests are handled in order: the batch in hand commits before the file closes.
        if (gone === undefined) worker.postMessage({ type: 'close' } satisfies WriterRequest);
      }
      await exited;
    },
  };
}

/**
 * Batches at least this long are applied on the engine's thread. Copying an event to another
 * thread costs about what applying it costs, so a catch-up (full batches, nothing else to
 * serve yet) runs faster and in less memory where the events already are; the live batches
 * that follow a steady stream of commands (tens to hundreds of events per interval) go to the
 * writer thread, and the requests on the main thread no longer wait for them.
 */
export const IN_THREAD_BATCH_THRESHOLD = 1_000;

/**
 * Large batches in the engine's thread, small ones on a writer thread started when the first
 * one comes, and a catch-up (when the writer thread can read the log) on the thread too.
 * Batches are applied one at a time, each in its own transaction that reads the checkpoint it
 * starts from, so the two connections never write at once and either one carries on exactly
 * where the other stopped.
 */
export function splitWriter(
  file: ReadModelFile,
  options: WriterThreadOptions & { readonly threshold?: number } = {},
): ReadModelWriter {
  const threshold = options.threshold ?? IN_THREAD_BATCH_THRESHOLD;
  const local = inThreadWriter(file);
  let thread: ReadModelWriter | undefined;
  const onThread = (): ReadModelWriter => (thread ??= workerThreadWriter(file, options));
  return {
    apply(events) {
      if (events.length >= threshold) return local.apply(events);
      return onThread().apply(events);
    },
    // The end of a catch-up, where it was written: on the thread after a catch-up there, here
    // after one here. (Starting a thread only to build them measured no faster and held ~70 MB
    // more at the peak.)
    createDeferredIndexes: () => (thread ?? local).createDeferredIndexes(),
    ...(options.eventStoreFile !== undefined && {
      catchUp: (onProgress: (position: number) => void) => onThread().catchUp!(onProgress),
      cancelCatchUp: () => thread?.cancelCatchUp?.(),
    }),
    close: () => thread?.close() ?? Promise.resolve(),
  };
}

/**
 * For this build's own projections when running compiled: catch-ups and live batches on a
 * writer thread per read model (`splitWriter`); given the embedded store's file, a catch-up
 * reads the log on that thread too. Otherwise (definitions a thread cannot load, or
 * TypeScript sources under a test runner) everything in the engine's thread.
 */
export function defaultReadModelWriters(options: { readonly eventStoreFile?: string } = {}): ReadModelWriterFactory {
  if (!existsSync(fileURLToPath(WRITER_THREAD_ENTRY))) return inThreadWriter;
  return (file) => (PROJECTIONS.includes(file.definition) ? splitWriter(file, options) : inThreadWriter(file));
}
