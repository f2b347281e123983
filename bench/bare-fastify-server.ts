/**
 * The HTTP baseline: a bare Fastify route that parses the same JSON body and inserts one
 * event-shaped row per request, in its own durable transaction, on a file with the event
 * store's schema and exactly SQLITE_EVENT_STORE_PRAGMAS. No validation, no auth, no domain.
 *   node dist/bench/bare-fastify-server.js <dataDir>
 * Prints `{"port":N}` on stdout once listening.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { SQLITE_EVENT_STORE_FILE_NAME, SQLITE_EVENT_STORE_PRAGMAS, SqliteEventStore } from '../src/event-store/sqlite/sqlite-event-store.js';

const TYPES: Readonly<Record<string, string>> = {
  attacks: 'AttackLaunched',
  captures: 'PositionCaptured',
  counterattacks: 'CounterattackLaunched',
  retreats: 'ForcesRetreated',
  casualties: 'CasualtiesReported',
  retractions: 'ReportRetracted',
};

async function main(): Promise<void> {
  const dataDir = process.argv[2];
  if (dataDir === undefined) throw new Error('usage: bare-fastify-server.js <dataDir>');
  await SqliteEventStore.openInDirectory(dataDir).close();
  const db = new Database(join(dataDir, SQLITE_EVENT_STORE_FILE_NAME));
  for (const pragma of SQLITE_EVENT_STORE_PRAGMAS) db.pragma(pragma);
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const insert = db.prepare<[string, string, number, string, string, string]>(
    'INSERT INTO events (event_id, stream_id, revision, type, data, metadata) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const revisions = new Map<string, number>();

  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  app.post<{ Params: { id: string; kind: string }; Body: Record<string, unknown> }>('/v1/neighbourhoods/:id/:kind', (request, reply) => {
    const streamId = `neighbourhood-${request.params.id}`;
    const revision = (revisions.get(streamId) ?? -1) + 1;
    const eventId = randomUUID();
    const metadata = JSON.stringify({ recordedAt: new Date().toISOString(), recordedBy: 'writer-3fa2b1c4', role: 'writer', requestId: String(request.id) });
    begin.run();
    let position: number;
    try {
      position = Number(insert.run(eventId, streamId, revision, TYPES[request.params.kind] ?? 'Unknown', JSON.stringify(request.body), metadata).lastInsertRowid);
      commit.run();
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
    revisions.set(streamId, revision);
    void reply.code(201).header('ETag', `"${revision}"`);
    return { eventId, type: TYPES[request.params.kind], neighbourhoodId: request.params.id, streamRevision: revision, position };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address !== null ? address.port : 0 })}\n`);
  const shutdown = (): void => {
    void app.close().then(() => {
      db.close();
      process.exit(0);
    });
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
