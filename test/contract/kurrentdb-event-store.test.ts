import { createServer, type Server, type Socket } from 'node:net';
import { loadConfig } from '../../src/config/app-config.js';
import { openEventStore } from '../../src/event-store/event-store.module.js';
import type { EventStore } from '../../src/event-store/event-store.port.js';
import {
  EventStoreUnavailable,
  KURRENTDB_STARTUP_PING_TIMEOUT_MS,
  openKurrentDbEventStore,
} from '../../src/event-store/kurrentdb/open-kurrentdb-event-store.js';
import { describeEventStoreContract } from './event-store.contract.js';

/*
 * The shared contract against a live KurrentDB (or EventStoreDB 22.10+), e.g.
 *
 *   docker run -d --name kurrentdb -p 2113:2113 docker.kurrent.io/kurrent-latest/kurrentdb:25.1 --insecure
 *   KURRENTDB_CONNECTION_STRING='kurrentdb://127.0.0.1:2113?tls=false' npm test -- test/contract/kurrentdb
 *
 * Every test writes under its own stream prefix, so the server may be shared and need not be empty.
 * Without the variable the suite is skipped, and says so: there is no stand-in for a real server.
 */
const connectionString = process.env.KURRENTDB_CONNECTION_STRING?.trim() ?? '';
const SKIP_REASON =
  'KURRENTDB_CONNECTION_STRING is not set: the KurrentDB contract suite needs a live server ' +
  "(e.g. KURRENTDB_CONNECTION_STRING='kurrentdb://127.0.0.1:2113?tls=false'); see docs/operations.md";

if (connectionString === '') {
  // Printed as well as reported: Jest lists skipped tests by name only in verbose runs.
  process.stderr.write(`\nSKIPPED event store contract: kurrentdb. ${SKIP_REASON}\n\n`);
  describe('event store contract: kurrentdb', () => {
    it.skip(`(skipped) ${SKIP_REASON}`, () => undefined);
  });
} else {
  describeEventStoreContract('kurrentdb', {
    // KurrentDB deduplicates event ids within a stream only.
    detectsEventIdReuseAcrossStreams: false,
    reportsEveryReplay: false,
    create: () => openKurrentDbEventStore(connectionString),
    async reopen(store: EventStore) {
      await store.close();
      return openKurrentDbEventStore(connectionString);
    },
  });
}

describe('starting on a KurrentDB that cannot be used', () => {
  /** API.md: a start that cannot work exits within 15 s. */
  const STARTUP_LIMIT_MS = 15_000;

  function kurrentDbConfig(connection: string) {
    return loadConfig({ EVENT_STORE: 'kurrentdb', KURRENTDB_CONNECTION_STRING: connection }, { cwd: '/tmp' });
  }

  async function failureWithin(limitMs: number, opening: Promise<EventStore>): Promise<{ error: unknown; elapsedMs: number }> {
    const started = Date.now();
    const error = await opening.then(
      async (store) => {
        await store.close();
        return new Error('expected opening the event store to fail, and it succeeded');
      },
      (caught: unknown) => caught,
    );
    const elapsedMs = Date.now() - started;
    expect(elapsedMs).toBeLessThan(limitMs);
    return { error, elapsedMs };
  }

  function listen(server: Server): Promise<number> {
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
    });
  }

  function closeServer(server: Server): Promise<void> {
    return new Promise((resolve) => server.close(() => resolve()));
  }

  it('rejects at once, naming the store and its address, when nothing listens on the port', async () => {
    // A port that was free a moment ago and that nobody listens on any more.
    const probe = createServer();
    const port = await listen(probe);
    await closeServer(probe);

    const { error } = await failureWithin(STARTUP_LIMIT_MS, openEventStore(kurrentDbConfig(`kurrentdb://127.0.0.1:${port}?tls=false`)));

    expect(error).toBeInstanceOf(EventStoreUnavailable);
    expect((error as Error).message).toBe(`event store kurrentdb at 127.0.0.1:${port}: unreachable (unavailable)`);
    expect((error as Error).message).not.toContain('\n');
  });

  it('gives up after its ping deadline when the server accepts connections but never answers', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    const port = await listen(silent);
    try {
      const { error, elapsedMs } = await failureWithin(
        STARTUP_LIMIT_MS,
        openEventStore(kurrentDbConfig(`esdb://127.0.0.1:${port}?tls=false`)),
      );

      expect(error).toBeInstanceOf(EventStoreUnavailable);
      expect((error as Error).message).toBe(
        `event store kurrentdb at 127.0.0.1:${port}: unreachable (no answer within ${KURRENTDB_STARTUP_PING_TIMEOUT_MS} ms)`,
      );
      expect(elapsedMs).toBeGreaterThanOrEqual(KURRENTDB_STARTUP_PING_TIMEOUT_MS - 100);
    } finally {
      for (const socket of sockets) socket.destroy();
      await closeServer(silent);
    }
  }, 20_000);

  it('rejects a malformed connection string without quoting it, since it may hold a password', async () => {
    const { error } = await failureWithin(
      STARTUP_LIMIT_MS,
      openEventStore(kurrentDbConfig('kurrentdb://admin:s3cret@127.0.0.1:notaport?tls=false')),
    );

    expect(error).toBeInstanceOf(EventStoreUnavailable);
    expect((error as Error).message).toMatch(/^event store kurrentdb: the connection string for 127\.0\.0\.1:notaport is malformed \(at character \d+, expected port number\)$/);
    expect((error as Error).message).not.toContain('s3cret');
  });
});
