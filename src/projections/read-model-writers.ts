import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SqlReadableLog } from '../event-store/index.js';
import type { ReadModelFile } from './read-model-file.js';
import { type ReadModelWriter, type ReadModelWriterFactory, ReadModelWriterGone, inThreadWriter } from './read-model-writer.js';
import { readModelFailure } from './read-model-failure.js';
import { type WriterThreadModules, type WriterThreadOptions, workerThreadWriter } from './worker-thread-writer.js';

/**
 * Batches at least this long are applied on the engine's thread: copying an event to another
 * thread costs about what filing it costs, so a catch-up through the engine's subscription runs
 * where the events already are, and live batches go to the writer thread, off the requests'.
 */
export const IN_THREAD_BATCH_THRESHOLD = 1_000;

export interface SplitWriterOptions extends WriterThreadOptions {
  readonly threshold?: number;
  /** Told when work meant for the writer thread goes to the engine's thread from then on, and why. */
  readonly onFallback?: (reason: string) => void;
}

/**
 * Large batches in the engine's thread, small ones on a writer thread started when the first
 * one comes, and a catch-up (when the thread can read the log) on the thread. Requests are
 * made one at a time, and each batch is applied in its own transaction that reads the
 * checkpoint it starts from, so the two connections never write at once and either one carries
 * on exactly where the other stopped.
 *
 * A thread that dies or cannot start (it found no such read model, no event store file) costs
 * the speed-up, not the read model: the batch it was given, and every later one, is applied in
 * the engine's thread, and catching up goes through the engine's subscription again.
 */
export function splitWriter(file: ReadModelFile, options: SplitWriterOptions): ReadModelWriter {
  const threshold = options.threshold ?? IN_THREAD_BATCH_THRESHOLD;
  const local = inThreadWriter(file);
  let thread: ReadModelWriter | undefined;
  let lost = false;
  let catchUpBroken = false;
  const onThread = (): ReadModelWriter | undefined => (lost ? undefined : (thread ??= workerThreadWriter(file, options)));
  const loseThread = (error: unknown): void => {
    if (lost) return;
    lost = true;
    options.onFallback?.(`${describe(error)}; applying in the engine's thread from now on`);
  };
  /** `use` on the thread, or in this thread once the thread is gone. */
  const preferThread = async <T>(use: (writer: ReadModelWriter) => Promise<T>): Promise<T> => {
    const writer = onThread();
    if (writer === undefined) return use(local);
    try {
      return await use(writer);
    } catch (error) {
      if (!(error instanceof ReadModelWriterGone)) throw error;
      loseThread(error);
      return use(local);
    }
  };
  return {
    apply: (events) => (events.length >= threshold ? local.apply(events) : preferThread((writer) => writer.apply(events))),
    // At the end of a catch-up: on the thread, which did the catch-up or can take the time
    // the build needs off the main thread.
    createDeferredIndexes: () => preferThread((writer) => writer.createDeferredIndexes()),
    ...(options.log !== undefined && {
      async catchUp(onProgress: (position: number) => void, signal: AbortSignal) {
        const writer = onThread();
        // Nothing caught up here: the runner carries on through its subscription.
        if (writer === undefined || catchUpBroken) return { position: file.position };
        try {
          return await writer.catchUp!(onProgress, signal);
        } catch (error) {
          // A full disk or a damaged file: the runner waits or heals; the thread is not to blame.
          if (readModelFailure(error) !== undefined) throw error;
          if (error instanceof ReadModelWriterGone) loseThread(error);
          else {
            // The thread could not read the log (the file moved, a schema it does not know):
            // once is enough to fall back on the subscription for good.
            catchUpBroken = true;
            options.onFallback?.(
              `catching up on the writer thread failed (${describe(error)}); catching up through the engine's subscription instead`,
            );
          }
          return { position: file.position };
        }
      },
    }),
    close: () => thread?.close().catch(() => undefined) ?? Promise.resolve(),
  };
}

/**
 * A writer thread per read model (`splitWriter`) when the compiled thread modules are there;
 * given the embedded store's log, each thread reads it itself, catching up and then following
 * it live, else live batches are copied to it. Without the modules (TypeScript sources run
 * without a build), everything in the engine's thread.
 */
export function defaultReadModelWriters(
  options: {
    readonly modules?: WriterThreadModules;
    readonly log?: SqlReadableLog;
    readonly onFallback?: (projection: string, reason: string) => void;
  } = {},
): ReadModelWriterFactory {
  const modules = options.modules;
  if (modules === undefined || !existsSync(fileURLToPath(modules.entry)) || !existsSync(fileURLToPath(modules.readModels))) {
    return inThreadWriter;
  }
  return (file) =>
    splitWriter(file, {
      modules,
      ...(options.log !== undefined && { log: options.log }),
      ...(options.onFallback !== undefined && { onFallback: (reason: string) => options.onFallback!(file.definition.name, reason) }),
    });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
