/**
 * Entry point of a writer thread: owns the writable connection to one generation file and
 * handles the engine runner's requests one at a time, in the order they arrive: batches to
 * apply, the deferred indexes, and (for the embedded store) a catch-up that reads the log
 * attached to that same connection.
 */
import { existsSync } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';
import type { ReadModelDeclaration } from './read-model.js';
import { ReadModelFile } from './read-model-file.js';
import { type ApplyOutcome, applyOrStopAtFailure, fileLogWindow } from './read-model-writer.js';
import { CATCH_UP_LOG_WINDOW, type WriterMessage, type WriterRequest, type WriterThreadData, fromWire } from './worker-thread-writer.js';

const port = parentPort;
if (port === null) throw new Error('read-model-writer.worker.js runs as a worker thread only');
const data = workerData as WriterThreadData;
const { READ_MODELS } = (await import(data.readModels)) as { READ_MODELS: readonly ReadModelDeclaration[] };
const expected = JSON.parse(data.declaration) as ReadModelDeclaration;
const definition = READ_MODELS.find((candidate) => candidate.name === expected.name);
if (definition === undefined) throw new Error(`no read model named ${expected.name} in ${data.readModels}`);
if (JSON.stringify(definition) !== data.declaration) {
  throw new Error(`read model ${expected.name} in ${data.readModels} is not the one the engine runs (an out-of-date build?)`);
}
const file = ReadModelFile.open(data.path, definition);
/** One per catch-up request, created when the request arrives, so that a cancel sent right after it finds it. */
const catchUps: AbortController[] = [];

const send = (message: WriterMessage): void => port.postMessage(message);

/**
 * Files the log from the checkpoint to the head as it stood when the catch-up began, one window
 * of positions per transaction (see `fileLogWindow`). Ends early, at a committed window, once
 * `signal` aborts.
 */
async function catchUp(signal: AbortSignal): Promise<ApplyOutcome> {
  const log = data.log;
  if (log === undefined) throw new Error('this writer thread was given no log to read');
  // Attaching a missing file would create an empty one: the path comes from the running store.
  if (!existsSync(log.file)) throw new Error(`no event store at ${log.file}`);
  // Everything up to here is filed below: once it is, the checkpoint may move here even when
  // the last events were of types this read model ignores.
  const head = file.logHead(log);
  // The engine's thread may have applied batches through its own connection since this one
  // last looked: start from the checkpoint as stored.
  let outcome: ApplyOutcome = { position: file.readSnapshot((position) => position) };
  if (signal.aborted) return outcome;
  while (outcome.position < head) {
    outcome = fileLogWindow(file, log, outcome.position, Math.min(head, outcome.position + CATCH_UP_LOG_WINDOW));
    if (outcome.failure !== undefined) return outcome;
    send({ kind: 'progress', position: outcome.position });
    // Filing a window is synchronous: a turn of the event loop lets a cancel in.
    await nextTurn();
    if (signal.aborted) break;
  }
  return outcome;
}

async function handle(request: WriterRequest): Promise<void> {
  if (request.type === 'close') {
    file.close();
    port!.close();
    return;
  }
  try {
    let outcome: ApplyOutcome;
    if (request.type === 'create-indexes') {
      file.createDeferredIndexes();
      outcome = { position: file.position };
    } else if (request.type === 'catch-up') {
      outcome = await catchUp(catchUps[0]!.signal);
    } else if (request.type === 'apply') {
      outcome = applyOrStopAtFailure(file, request.events.map(fromWire), request.through);
    } else {
      return;
    }
    send({ kind: 'reply', ok: true, outcome });
  } catch (error) {
    const code = (error as { code?: unknown } | undefined)?.code;
    send({
      kind: 'reply',
      ok: false,
      message: error instanceof Error ? error.message : String(error),
      ...(error instanceof Error && error.stack !== undefined ? { stack: error.stack } : {}),
      ...(typeof code === 'string' && { code }),
    });
  } finally {
    if (request.type === 'catch-up') catchUps.shift();
  }
}

// A catch-up yields between windows: later requests wait for it rather than interleave.
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
