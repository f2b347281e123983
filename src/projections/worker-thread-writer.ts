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
}

export type WriterRequest =
  | { readonly type: 'apply'; readonly events: readonly RecordedEvent[] }
  | { readonly type: 'create-indexes' }
  | { readonly type: 'close' };

export type WriterReply =
  | { readonly ok: true; readonly outcome: ApplyOutcome }
  | { readonly ok: false; readonly message: string; readonly stack?: string };

/**
 * Applies batches on a thread of its own, through a second connection to the generation file
 * (WAL lets the engine's connection read meanwhile). The events are copied to the thread; the
 * engine learns the new checkpoint from the reply, which comes after the commit.
 */
export function workerThreadWriter(file: ReadModelFile, entry: URL = WRITER_THREAD_ENTRY): ReadModelWriter {
  const data: WriterThreadData = { path: file.path, projection: file.definition.name };
  const worker = new Worker(entry, { workerData: data });
  let pending: { resolve: (outcome: ApplyOutcome) => void; reject: (error: Error) => void } | undefined;
  let gone: Error | undefined;
  let closing = false;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));

  const settle = (): typeof pending => {
    const current = pending;
    pending = undefined;
    return current;
  };
  worker.on('message', (reply: WriterReply) => {
    const current = settle();
    if (reply.ok) current?.resolve(reply.outcome);
    else current?.reject(Object.assign(new Error(reply.message), reply.stack === undefined ? {} : { stack: reply.stack }));
  });
  worker.on('error', (error) => {
    gone ??= new ReadModelWriterGone(`the writer thread of ${file.path} failed: ${error.message}`, { cause: error });
    settle()?.reject(gone);
  });
  worker.on('exit', (code) => {
    gone ??= new ReadModelWriterGone(`the writer thread of ${file.path} ${closing ? 'was closed' : `exited with code ${code}`}`);
    settle()?.reject(gone);
  });

  const request = (message: WriterRequest): Promise<ApplyOutcome> => {
    if (gone !== undefined) return Promise.reject(gone);
    if (pending !== undefined) return Promise.reject(new Error(`the writer thread of ${file.path} is busy with another request`));
    return new Promise<ApplyOutcome>((resolve, reject) => {
      pending = { resolve, reject };
      worker.postMessage(message);
    });
  };

  return {
    apply: (events) => request({ type: 'apply', events }),
    createDeferredIndexes: async () => {
      await request({ type: 'create-indexes' });
    },
    async close() {
      if (!closing) {
        closing = true;
        // Messages are handled in order: the batch in hand commits before the file closes.
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
 * one comes. Batches are applied one at a time, each in its own transaction that reads the
 * checkpoint it starts from, so the two connections never write at once and either one
 * carries on exactly where the other stopped.
 */
export function splitWriter(
  file: ReadModelFile,
  threshold = IN_THREAD_BATCH_THRESHOLD,
  entry: URL = WRITER_THREAD_ENTRY,
): ReadModelWriter {
  const local = inThreadWriter(file);
  let thread: ReadModelWriter | undefined;
  return {
    apply(events) {
      if (events.length >= threshold) return local.apply(events);
      thread ??= workerThreadWriter(file, entry);
      return thread.apply(events);
    },
    // The end of a catch-up, like the catch-up itself: where the rows were written. (On a
    // thread of its own, building them measured no faster and held ~70 MB more at the peak.)
    createDeferredIndexes: () => local.createDeferredIndexes(),
    close: () => thread?.close() ?? Promise.resolve(),
  };
}

/**
 * For this build's own projections when running compiled: catch-up batches in the engine's
 * thread and live ones on a writer thread (`splitWriter`). Otherwise (definitions a thread
 * cannot load, or TypeScript sources under a test runner) everything in the engine's thread.
 */
export function defaultReadModelWriters(): ReadModelWriterFactory {
  if (!existsSync(fileURLToPath(WRITER_THREAD_ENTRY))) return inThreadWriter;
  return (file) => (PROJECTIONS.includes(file.definition) ? splitWriter(file) : inThreadWriter(file));
}
