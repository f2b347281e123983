/**
 * Runs in its own process, so that its peak RSS is the rebuild's alone:
 *   node dist/bench/rebuild-child.js raw <dataDir>      iterate the log's rows with JSON.parse
 *   node dist/bench/rebuild-child.js rebuild <dataDir>  rebuild every projection from the log
 * Prints one JSON line on stdout; progress goes to stderr.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SQLITE_EVENT_STORE_FILE_NAME, SQLITE_EVENT_STORE_PRAGMAS, SqliteEventStore } from '../src/event-store/sqlite/sqlite-event-store.js';
import { READ_MODELS, READ_MODELS_MODULE } from '../src/features/read-models.js';
import { ProjectionEngine } from '../src/projections/projection-engine.js';
import { READ_MODELS_DIRECTORY } from '../src/projections/projections.module.js';
import { defaultReadModelWriters } from '../src/projections/read-model-writers.js';
import { WRITER_THREAD_ENTRY } from '../src/projections/worker-thread-writer.js';
import { sleep } from './measure.js';

export interface RawReadResult {
  readonly mode: 'raw';
  readonly events: number;
  readonly seconds: number;
  readonly peakRssMb: number;
}

export interface RebuildResult {
  readonly mode: 'rebuild';
  readonly events: number;
  readonly seconds: number;
  readonly peakRssMb: number;
}

const silentLogger = { log: () => undefined, warn: () => undefined, error: (m: unknown) => process.stderr.write(`${String(m)}\n`), debug: () => undefined, verbose: () => undefined };

function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

/** The raw limit of reading the log: every row, both JSON columns parsed, nothing else. */
function rawRead(dataDir: string): RawReadResult {
  const db = new Database(join(dataDir, SQLITE_EVENT_STORE_FILE_NAME));
  for (const pragma of SQLITE_EVENT_STORE_PRAGMAS) db.pragma(pragma);
  const started = performance.now();
  let events = 0;
  let checksum = 0;
  const rows = db
    .prepare<[], { position: number; eventId: string; streamId: string; revision: number; type: string; data: string; metadata: string }>(
      'SELECT position, event_id AS eventId, stream_id AS streamId, revision, type, data, metadata FROM events ORDER BY position',
    )
    .iterate();
  for (const row of rows) {
    const data = JSON.parse(row.data) as { neighbourhoodId?: string };
    const metadata = JSON.parse(row.metadata) as { recordedAt?: string };
    // Touch what was parsed, so that nothing can be skipped.
    checksum += (data.neighbourhoodId?.length ?? 0) + (metadata.recordedAt?.length ?? 0) + row.position;
    events += 1;
  }
  const seconds = (performance.now() - started) / 1000;
  db.close();
  if (checksum === 0 && events > 0) throw new Error('nothing was read');
  return { mode: 'raw', events, seconds, peakRssMb: peakRssMb() };
}

/** A first build of every projection from position 0, through the real engine, until all reach the head with their indexes built. */
async function rebuild(dataDir: string): Promise<RebuildResult> {
  const directory = join(dataDir, READ_MODELS_DIRECTORY);
  rmSync(directory, { recursive: true, force: true });
  const store = SqliteEventStore.openInDirectory(dataDir);
  const head = await store.headPosition();
  // Writers as ProjectionsModule sets them up: the rebuild is measured as production runs it.
  const engine = new ProjectionEngine(store, READ_MODELS, {
    directory,
    logger: silentLogger,
    waitTimeoutMs: 24 * 3_600_000,
    writers: defaultReadModelWriters({ modules: { entry: WRITER_THREAD_ENTRY, readModels: READ_MODELS_MODULE }, log: store.sqlLog }),
  });
  const started = performance.now();
  const progress = setInterval(() => {
    const positions = engine.names.map((name) => `${name} ${Math.round((100 * engine.position(name)) / head)}%`).join(', ');
    process.stderr.write(`  rebuild: ${positions}, rss ${Math.round(process.memoryUsage.rss() / 2 ** 20)} MB\n`);
  }, 5_000);
  try {
    await engine.start();
    await Promise.all(engine.names.map((name) => engine.read(name, head, () => undefined)));
    // Finished means as queries will find it: a first build at the head still builds its
    // query indexes, so the clock stops once every one has them.
    for (;;) {
      const statuses = await engine.status();
      const failed = statuses.find((status) => status.status === 'failed');
      if (failed !== undefined) throw new Error(`projection ${failed.name} failed: ${failed.error?.message ?? 'no reason given'}`);
      if (statuses.every((status) => status.indexesBuilt)) break;
      await sleep(5);
    }
    const seconds = (performance.now() - started) / 1000;
    return { mode: 'rebuild', events: head, seconds, peakRssMb: peakRssMb() };
  } finally {
    clearInterval(progress);
    await engine.close();
    await store.close();
  }
}

async function main(): Promise<void> {
  const [mode, dataDir] = process.argv.slice(2);
  if (dataDir === undefined || (mode !== 'raw' && mode !== 'rebuild')) throw new Error('usage: rebuild-child.js raw|rebuild <dataDir>');
  const result = mode === 'raw' ? rawRead(dataDir) : await rebuild(dataDir);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
