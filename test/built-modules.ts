import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { WriterThreadModules } from '../src/projections/worker-thread-writer.js';

/**
 * The compiled writer-thread modules, as production runs them: tests run TypeScript sources, and
 * a worker thread cannot, so they point the engine at the build (`npm test` builds first).
 */
export const BUILT_WRITER_THREADS: WriterThreadModules = {
  entry: pathToFileURL(resolve('dist/src/projections/read-model-writer.worker.js')),
  readModels: pathToFileURL(resolve('dist/src/features/read-models.js')),
};
