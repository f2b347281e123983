/**
 * Entry point of a writer thread: owns the writable connection to one generation file and
 * handles the engine runner's requests one at a time, in the order they arrive: batches to
 * apply, the deferred indexes, and (for the embedded store) a catch-up that reads the log
 * through a connection of its own.
 */
import { existsSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { RecordedEvent } from '../event-store/index.js';
import { SqliteEventStore } from '../event-store/sqlite/sqlite-event-store.js';
import { PROJECTIONS } from './projection-definitions.js';
import { ReadModelFile } from './read-model-file.js';
import { type ApplyOutcome, applyOrStopAtFailure } from './read-model-writer.js';
import { type WriterMessage, type WriterRequest, type WriterThreadData, fromWire } from './worker-thread-writer.js';

const port = parentPort;
if (port === null) throw new Error('read-model-writer.worker.js runs as a worker thread only');
const data = workerData as WriterThreadData;
const definition = PROJECTIONS.find((candidate) => candidate.name === data.projection);
if (definition === undefined) throw new Error(`no projection named ${data.projection} in this build`);
const file = ReadModelFile.open(data.path, definition);
let log: SqliteEventStore | undefined;
/** One per catch-up request, created when the request arrives, so that a cancel sent right after it finds it. */
const catchUps: AbortController[] = [];

const LOG_READER_CACHE_KIB = 2_048;

const send = (message: WriterMessage): void => port.postMessage(message);
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Reads the log from the checkpoint to the head, only the types the projection handles, and applies it in batches. */
async function catchUp(batchSize: number, signal: AbortSignal): Promise<ApplyOutcome> {
  if (data.eventStoreFile === undefined) throw new Error('this writer thread was given no event store to read');
  // Opening a missing file would create an empty store: the path comes from the running store.
  if (!existsSync(data.eventStoreFile)) throw new Error(`no event store at ${data.eventStoreFile}`);
  // Read through once, page by page: a small page cache does (each thread has its own).
  log ??= SqliteEventStore.open(data.eventStoreFile, { cacheSizeKiB: LOG_READER_CACHE_KIB, pageSize: batchSize });
  // Everything up to here is read below (the read ends at the head as it stands when it
  // starts, which is at least this): once it is applied, the checkpoint may move here even
  // when the last events were of types this projection skips.
  const head = await log.headPosition();
  // The engine's thread may have applied batches through its own connection since this one
  // last looked: start from the checkpoint as stored.
  const from = file.readSnapshot((position) => position);
  const batch: RecordedEvent[] = [];
  let outcome: ApplyOutcome = { position: from };
  /** Applies the batch in hand (moving the checkpoint to `through` too) and reports the checkpoint; false on a handler failure. */
  const applyInHand = (through?: number): boolean => {
    outcome = applyOrStopAtFailure(file, batch.splice(0), through);
    if (outcome.failure !== undefined) return false;
    send({ kind: 'progress', position: outcome.position });
    return true;
  };
  const commit = async (): Promise<boolean> => {
    if (!applyInHand()) return false;
    // Reading pages is synchronous: a turn of the event loop lets a cancel in.
    await nextTurn();
    return !signal.aborted;
  };
  // Page by page and synchronously (see `readAllPages`): a page's events are applied soon
  // after they were read, and are garbage by the next page.
  for (const page of log.readAllPages({ after: from, filter: { eventTypes: [...file.handledTypes] } })) {
    batch.push(...page);
    if (batch.length >= batchSize) {
      if (!(await commit())) return outcome;
    } else {
      // A page short of a batch (a scan window with little or nothing this projection
      // handles): let a cancel in here too.
      await nextTurn();
      if (signal.aborted) break;
    }
  }
  if (signal.aborted) {
    // Cancelled: what was read is committed, and the checkpoint stays where that leaves it
    // (the read ended before the head).
    if (batch.length > 0) applyInHand();
    return outcome;
  }
  // Read to the end: the last batch, in the same transaction, moves the checkpoint past the
  // events no handler takes (following the log live, that is one transaction a round, not two).
  applyInHand(head);
  return outcome;
}

async function handle(request: WriterRequest): Promise<void> {
  if (request.type === 'close') {
    file.close();
    await log?.close();
    port!.close();
    return;
  }
  try {
    let outcome: ApplyOutcome;
    if (request.type === 'create-indexes') {
      file.createDeferredIndexes();
      outcome = { position: file.position };
    } else if (request.type === 'catch-up') {
      outcome = await catchUp(request.batchSize, catchUps[0]!.signal);
    } else if (request.type === 'apply') {
      outcome = applyOrStopAtFailure(file, request.events.map(fromWire), request.through);
    } else {
      return;
    }
    send({ kind: 'reply', ok: true, outcome });
  } catch (error) {
    send({
      kind: 'reply',
      ok: false,
      message: error instanceof Error ? error.message : String(error),
      ...(error instanceof Error && error.stack !== undefined ? { stack: error.stack } : {}),
    });
  } finally {
    if (request.type === 'catch-up') catchUps.shift();
  }
}

// A catch-up awaits the log between pages: later requests wait for it rather than interleave.
let queue = Promise.resolve();
port.on('message', (request: WriterRequest) => {
  if (request.type === 'catch-up') catchUps.push(new AbortController());
  if (request.type === 'cancel-catch-up') {
    // The newest catch-up asked for: the one the engine's thread is waiting on.
    catchUps.at(-1)?.abort();
    return;
  }
  queue = queue.then(() => handle(request));
});
