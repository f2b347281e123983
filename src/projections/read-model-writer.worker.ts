/**
 * Entry point of a writer thread: owns the writable connection to one generation file and
 * handles the engine runner's requests one at a time, in the order they arrive: batches to
 * apply, the deferred indexes, and (for the embedded store) a catch-up that reads the log
 * through a connection of its own.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { RecordedEvent } from '../event-store/index.js';
import { SqliteEventStore } from '../event-store/sqlite/sqlite-event-store.js';
import { PROJECTIONS } from './projection-definitions.js';
import { ReadModelFile } from './read-model-file.js';
import { type ApplyOutcome, applyOrStopAtFailure } from './read-model-writer.js';
import type { WriterMessage, WriterRequest, WriterThreadData } from './worker-thread-writer.js';

const port = parentPort;
if (port === null) throw new Error('read-model-writer.worker.js runs as a worker thread only');
const data = workerData as WriterThreadData;
const definition = PROJECTIONS.find((candidate) => candidate.name === data.projection);
if (definition === undefined) throw new Error(`no projection named ${data.projection} in this build`);
const file = ReadModelFile.open(data.path, definition);
const cancelled = new Int32Array(data.cancel);
let log: SqliteEventStore | undefined;

const send = (message: WriterMessage): void => port.postMessage(message);

/** Reads the log from the checkpoint to the head, only the types the projection handles, and applies it in batches. */
async function catchUp(batchSize: number): Promise<ApplyOutcome> {
  if (data.eventStoreFile === undefined) throw new Error('this writer thread was given no event store to read');
  log ??= SqliteEventStore.open(data.eventStoreFile);
  // Everything up to here is read below (the read ends at the head as it stands when it
  // starts, which is at least this): once it is applied, the checkpoint may move here even
  // when the last events were of types this projection skips.
  const head = await log.headPosition();
  const batch: RecordedEvent[] = [];
  let outcome: ApplyOutcome = { position: file.position };
  const commit = (): boolean => {
    outcome = applyOrStopAtFailure(file, batch.splice(0));
    if (outcome.failure !== undefined) return false;
    send({ kind: 'progress', position: outcome.position });
    return Atomics.load(cancelled, 0) === 0;
  };
  for await (const event of log.readAll({ after: file.position, filter: { eventTypes: [...file.handledTypes] } })) {
    batch.push(event);
    if (batch.length >= batchSize && !commit()) return outcome;
  }
  if (batch.length > 0 && !commit()) return outcome;
  return { position: file.advanceTo(head) };
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
      outcome = await catchUp(request.batchSize);
    } else {
      outcome = applyOrStopAtFailure(file, request.events as RecordedEvent[]);
      if (outcome.failure === undefined) outcome = { position: file.advanceTo(request.through) };
    }
    send({ kind: 'reply', ok: true, outcome });
  } catch (error) {
    send({
      kind: 'reply',
      ok: false,
      message: error instanceof Error ? error.message : String(error),
      ...(error instanceof Error && error.stack !== undefined ? { stack: error.stack } : {}),
    });
  }
}

// A catch-up awaits the log between pages: later requests wait for it rather than interleave.
let queue = Promise.resolve();
port.on('message', (request: WriterRequest) => {
  queue = queue.then(() => handle(request));
});
