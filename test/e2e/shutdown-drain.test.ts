/**
 * A stop sends the answers in flight whole: SIGTERM or SIGINT while a large answer (a page of
 * fat events asked for 1,000 of them, or 200 for SIGINT, and cut at about 8 MB) is read slowly
 * lets it arrive whole and parse, refuses what
 * still arrives (503 SHUTTING_DOWN on a connection kept alive, a refused connection otherwise),
 * and exits 0. A drain that runs out of time cuts the answer, exits 1 and says so in one line.
 * Waits are bounded, never timed.
 */
import { Agent, get, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import {
  exitWithin,
  SERVER_KEYS,
  type ServerProcess,
  startServer,
  temporaryDataDir,
} from './server-process.js';
import { writeFatReports } from './fat-reports.js';

const EVENTS = 1000;
const WRITERS = 8;
const page = (limit: number) => `/v1/neighbourhoods/damascus-tadamon/events?limit=${limit}`;
const EXIT_BOUND_MS = 30_000;
const TEST_TIMEOUT_MS = 120_000;

/** A GET whose reading the test paces: paused, or throttled to a rate. */
class PacedRead {
  readonly chunks: Buffer[] = [];
  bytes = 0;
  status = 0;
  /** The Content-Length of the answer. */
  length = 0;
  private response?: IncomingMessage;
  private rate = 0;
  private waiters: { bytes: number; resolve: () => void }[] = [];
  readonly done: Promise<{ complete: boolean; error?: string }>;

  constructor(port: number, path: string) {
    this.done = new Promise((resolve) => {
      const request = get({ host: '127.0.0.1', port, path, headers: { authorization: `Bearer ${SERVER_KEYS.analyst}` } }, (response) => {
        this.response = response;
        this.status = response.statusCode ?? 0;
        this.length = Number(response.headers['content-length']);
        response.on('data', (chunk: Buffer) => this.take(chunk));
        response.on('end', () => resolve({ complete: response.complete }));
        response.on('error', (error) => resolve({ complete: false, error: error.message }));
        response.on('aborted', () => resolve({ complete: false, error: 'aborted' }));
      });
      request.on('error', (error) => resolve({ complete: false, error: error.message }));
    });
  }

  /** Resolves once this many bytes have been read. */
  received(bytes: number): Promise<void> {
    return this.bytes >= bytes ? Promise.resolve() : new Promise((resolve) => this.waiters.push({ bytes, resolve }));
  }

  pause(): void {
    this.rate = 0;
    this.response?.pause();
  }

  /** Reads on at about `bytesPerSecond`. */
  throttle(bytesPerSecond: number): void {
    this.rate = bytesPerSecond;
    this.response?.resume();
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }

  private take(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    this.waiters = this.waiters.filter((waiter) => (this.bytes >= waiter.bytes ? (waiter.resolve(), false) : true));
    if (this.rate > 0) {
      this.response!.pause();
      setTimeout(() => this.rate > 0 && this.response!.resume(), (chunk.length / this.rate) * 1000);
    }
  }
}

interface Plain {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: any;
  readonly reusedSocket: boolean;
}

/** A GET through `agent`, which keeps its one connection alive between requests. */
function plainGet(port: number, path: string, agent: Agent): Promise<Plain> {
  return new Promise((resolve, reject) => {
    const request = get({ host: '127.0.0.1', port, path, agent, headers: { authorization: `Bearer ${SERVER_KEYS.analyst}` } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: JSON.parse(text), reusedSocket: request.reusedSocket });
      });
    });
    request.on('error', reject);
  });
}

describe('a stop while a large answer is read slowly', () => {
  const data = temporaryDataDir();

  beforeAll(async () => {
    const writer = await startServer({ dataDir: data.dir });
    try {
      await writeFatReports(writer, EVENTS, WRITERS);
    } finally {
      writer.signal('SIGTERM');
      expect(await exitWithin(writer, EXIT_BOUND_MS)).toEqual({ code: 0, signal: null });
    }
  }, 300_000);

  afterAll(() => data.remove());

  it.each([
    ['SIGTERM', EVENTS, 8_000_000],
    ['SIGINT', 200, 8_000_000],
  ] as const)(
    'on %s: sends the answer in flight (%i fat events) whole, refuses what arrives meanwhile, and exits 0',
    async (signal, limit, atLeastBytes) => {
      const server = await startServer({ dataDir: data.dir, env: { TIMELINE_LOG_LEVEL: 'info' } });
      try {
        const keptAlive = new Agent({ keepAlive: true, maxSockets: 1 });
        expect((await plainGet(server.port, '/v1/actors', keptAlive)).status).toBe(200);

        const read = new PacedRead(server.port, page(limit));
        await read.received(1_000_000);
        read.pause();
        server.signal(signal);

        // The paused answer holds the drain open: what arrives now is refused.
        const late = await waitForRefusal(server.port, keptAlive);
        expect(late.reusedSocket).toBe(true);
        expect(late.status).toBe(503);
        expect(late.body).toEqual({ statusCode: 503, code: 'SHUTTING_DOWN', message: expect.any(String) });
        expect(late.headers['retry-after']).toBe('1');
        expect(late.headers.connection).toBe('close');
        await expect(newConnection(server.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });

        read.throttle(64 * 1024 * 1024);
        const outcome = await read.done;
        expect(outcome).toEqual({ complete: true });
        expect(read.status).toBe(200);
        expect(read.length).toBeGreaterThan(atLeastBytes);
        expect(read.bytes).toBe(read.length);
        // The page is cut by size (about 8 MB) before `limit` events: it says where the next one starts.
        const answer = JSON.parse(read.text()) as { items: unknown[]; nextFromRevision?: number };
        expect(answer.items.length).toBeLessThan(limit);
        expect(answer.nextFromRevision).toBe(answer.items.length);

        expect(await exitWithin(server, EXIT_BOUND_MS)).toEqual({ code: 0, signal: null });
        expect(server.stderr()).toBe('');
        expect(server.stdout()).toContain(`"msg":"${signal}: stopping`);
        keptAlive.destroy();
      } finally {
        await server.kill();
      }
    },
    TEST_TIMEOUT_MS,
  );

  it('exits 1 and names the answer in one line when the drain time runs out before it is sent', async () => {
    const server = await startServer({ dataDir: data.dir, env: { TIMELINE_SHUTDOWN_DRAIN_MS: '1000' } });
    try {
      const read = new PacedRead(server.port, page(200));
      await read.received(1_000_000);
      read.pause();
      server.signal('SIGTERM');
      expect(await exitWithin(server, EXIT_BOUND_MS)).toEqual({ code: 1, signal: null });
      expect(server.stderr()).toBe(
        'incident-timeline: stopped, but the 1 s drain cut 1 answer in flight: GET /v1/neighbourhoods/damascus-tadamon/events (200, partly sent)\n',
      );
      read.throttle(64 * 1024 * 1024);
      const outcome = await read.done;
      expect(outcome.complete).toBe(false);
      expect(read.bytes).toBeLessThan(read.length);
    } finally {
      await server.kill();
    }
  }, TEST_TIMEOUT_MS);
});

/**
 * The first request the kept-alive connection carries after the signal. The signal reaches the
 * server a moment after it is sent; until then the server answers as usual, so this asks until
 * it is refused (a readiness wait, bounded).
 */
async function waitForRefusal(port: number, agent: Agent): Promise<Plain> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const answer = await plainGet(port, '/v1/actors', agent);
    if (answer.status !== 200 || Date.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Resolves when a new connection is accepted, rejects with the socket error otherwise. */
function newConnection(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve();
    });
    socket.on('error', reject);
  });
}
