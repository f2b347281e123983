import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { readModelFailure } from './read-model-failure.js';

/** What `PRAGMA quick_check` found in a generation file. `unchecked`: it could not be run (the file is busy, or gone). */
export type PageCheckOutcome =
  | { readonly kind: 'ok' }
  | { readonly kind: 'damaged'; readonly reason: string }
  | { readonly kind: 'unchecked'; readonly reason: string };

export interface PageCheck {
  readonly outcome: Promise<PageCheckOutcome>;
  /** Ends the check at once (the engine is closing); the outcome is then `unchecked`. */
  cancel(): void;
}

/** The driver as this module resolves it: the thread is given its path, whatever directory the process runs from. */
const DRIVER = createRequire(import.meta.url).resolve('better-sqlite3');

/** The problems SQLite lists are many lines; the first few say enough for a log line. */
const MAX_REASON_LENGTH = 300;

const SOURCE = `
  const { parentPort, workerData } = require('node:worker_threads');
  const Database = require(workerData.driver);
  let db;
  try {
    // Read-only: a check never writes to the file it looks at, nor checkpoints its log.
    db = new Database(workerData.path, { readonly: true, fileMustExist: true });
    const found = db.pragma('quick_check(8)').map((row) => row.quick_check);
    parentPort.postMessage({ problems: found.length === 1 && found[0] === 'ok' ? [] : found });
  } catch (error) {
    parentPort.postMessage({ error: { message: String(error && error.message), code: error && error.code } });
  } finally {
    if (db !== undefined) db.close();
  }
`;

type CheckMessage = { readonly problems: readonly string[] } | { readonly error: { readonly message: string; readonly code?: string } };

/**
 * Reads every page of a SQLite file (`PRAGMA quick_check`) on a thread of its own, through a
 * read-only connection of its own: it takes time in proportion to the file, and the engine's
 * thread serves requests meanwhile. The file may be written meanwhile; the check reads one
 * snapshot of it.
 */
export function checkPages(path: string): PageCheck {
  const worker = new Worker(SOURCE, { eval: true, workerData: { path, driver: DRIVER } });
  // A check never keeps a process alive that has nothing else to do.
  worker.unref();
  let settle: (outcome: PageCheckOutcome) => void = () => undefined;
  const outcome = new Promise<PageCheckOutcome>((resolve) => {
    settle = (value) => {
      settle = () => undefined;
      resolve(value);
    };
  });
  worker.once('message', (message: CheckMessage) => {
    if ('problems' in message) {
      settle(
        message.problems.length === 0
          ? { kind: 'ok' }
          : { kind: 'damaged', reason: message.problems.join('; ').replace(/\s*\n\s*/g, ' ').slice(0, MAX_REASON_LENGTH) },
      );
      return;
    }
    const failure = readModelFailure(message.error);
    settle(failure?.kind === 'damaged' ? { kind: 'damaged', reason: failure.reason } : { kind: 'unchecked', reason: message.error.message });
  });
  worker.once('error', (error) => settle({ kind: 'unchecked', reason: error.message }));
  worker.once('exit', () => settle({ kind: 'unchecked', reason: 'the check was ended' }));
  return {
    outcome,
    cancel: () => {
      void worker.terminate();
    },
  };
}
