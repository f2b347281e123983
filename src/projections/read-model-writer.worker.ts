/**
 * Entry point of a writer thread: owns the writable connection to one generation file and
 * applies the batches the engine's runner posts, one at a time, in the order they arrive.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { RecordedEvent } from '../event-store/index.js';
import { PROJECTIONS } from './projection-definitions.js';
import { ReadModelFile } from './read-model-file.js';
import { applyOrStopAtFailure } from './read-model-writer.js';
import type { WriterReply, WriterRequest, WriterThreadData } from './worker-thread-writer.js';

const port = parentPort;
if (port === null) throw new Error('read-model-writer.worker.js runs as a worker thread only');
const { path, projection } = workerData as WriterThreadData;
const definition = PROJECTIONS.find((candidate) => candidate.name === projection);
if (definition === undefined) throw new Error(`no projection named ${projection} in this build`);
const file = ReadModelFile.open(path, definition);

port.on('message', (request: WriterRequest) => {
  if (request.type === 'close') {
    file.close();
    port.close();
    return;
  }
  let reply: WriterReply;
  try {
    if (request.type === 'create-indexes') {
      file.createDeferredIndexes();
      reply = { ok: true, outcome: { position: file.position } };
    } else {
      reply = { ok: true, outcome: applyOrStopAtFailure(file, request.events as RecordedEvent[]) };
    }
  } catch (error) {
    reply = {
      ok: false,
      message: error instanceof Error ? error.message : String(error),
      ...(error instanceof Error && error.stack !== undefined ? { stack: error.stack } : {}),
    };
  }
  port.postMessage(reply);
});
