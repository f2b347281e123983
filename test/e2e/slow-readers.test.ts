/**
 * Slow readers: 16 analysts ask for the biggest pages there are (`/events?limit=1000`, and
 * timeline pages of fat reports: 50 sources with long names and URLs and notes of 10,000
 * characters each, 300 of them) and then stop reading. The server's memory (its resident set,
 * sampled while they hang) stays under a bound, and /health keeps answering.
 *
 * The same test measures another build when `SLOW_READERS_SERVER_ENTRY` names its
 * `dist/src/main.js` (and prints the peak either way); the bound is then not asserted. A build
 * from before paging refuses `limit` on the timeline: `SLOW_READERS_TIMELINE_QUERY=` (empty)
 * asks it for its whole timeline instead, which is what it answered.
 * Waits are bounded, never timed.
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { TADAMON, writeFatReports } from './fat-reports.js';
import { SERVER_KEYS, type ServerProcess, startServer, temporaryDataDir } from './server-process.js';

const REPORTS = 300;
const WRITERS = 8;
const READERS = 16;
/** How long the readers hang while the resident set is sampled (not an assertion: a window to look through). */
const HANG_MS = 4_000;
const SAMPLE_EVERY_MS = 50;
/** The bound asserted on this build: with a margin over what it needs (see docs/operations.md, "Memory"). */
const RSS_BOUND_MB = 1_500;
const OTHER_BUILD = process.env.SLOW_READERS_SERVER_ENTRY;
const TIMELINE_QUERY = process.env.SLOW_READERS_TIMELINE_QUERY ?? '?limit=1000';


/** The process's resident set in MB, from /proc. */
function residentMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]);
  return kb / 1024;
}

/** A client that sends its request, takes the first bytes of the answer, and then stops reading. */
function hangingReader(port: number, path: string): { started: Promise<string>; socket: Socket } {
  const socket = connect(port, '127.0.0.1');
  const started = new Promise<string>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      resolve(chunk.toString('latin1').split('\r\n')[0]!);
    });
  });
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${SERVER_KEYS.analyst}\r\n\r\n`);
  return { started, socket };
}

describe('slow readers of big pages', () => {
  const data = temporaryDataDir();
  let server: ServerProcess;

  beforeAll(async () => {
    server = await startServer({ dataDir: data.dir, ...(OTHER_BUILD !== undefined && { entry: OTHER_BUILD }) });
    await writeFatReports(server, REPORTS, WRITERS);
  }, 300_000);

  afterAll(async () => {
    await server?.kill();
    data.remove();
  });

  (OTHER_BUILD === undefined ? it : it.skip)('cuts pages of raw events and of the timeline at about 8 MB, and walks them to the end without a gap', async () => {
    const bound = 8 * 1024 * 1024 + 200 * 1024;
    const revisions: number[] = [];
    for (let from = 0, pages = 0; ; pages++) {
      const page = await server.get(`${TADAMON}/events?limit=1000&fromRevision=${from}`, { as: 'admin' });
      expect(page.status).toBe(200);
      expect(Buffer.byteLength(page.text)).toBeLessThan(bound);
      revisions.push(...page.body.items.map((item: { streamRevision: number }) => item.streamRevision));
      if (page.body.nextFromRevision === undefined) break;
      expect(page.body.nextFromRevision).toBe(revisions.at(-1)! + 1);
      from = page.body.nextFromRevision;
      expect(pages).toBeLessThan(REPORTS);
    }
    expect(revisions).toEqual(Array.from({ length: REPORTS + 1 }, (_, revision) => revision));
    const reported: string[] = [];
    for (let cursor = ''; ; ) {
      const page = await server.get(`${TADAMON}/timeline?limit=1000${cursor}`);
      expect(page.status).toBe(200);
      expect(Buffer.byteLength(page.text)).toBeLessThan(bound);
      reported.push(...page.body.items.map((item: { data: { notes: string } }) => item.data.notes.split(':')[0]!));
      if (page.body.nextCursor === undefined) break;
      cursor = `&cursor=${page.body.nextCursor}`;
    }
    expect(reported).toEqual(Array.from({ length: REPORTS }, (_, k) => `Report ${k}`));
  }, 120_000);

  it(`keeps the server's memory bounded while ${READERS} analysts hang on big pages, and /health answers meanwhile`, async () => {
    const pid = server.child.pid!;
    const before = residentMb(pid);
    const readers = Array.from({ length: READERS }, (_, i) =>
      hangingReader(server.port, i % 2 === 0 ? `${TADAMON}/events?limit=1000` : `${TADAMON}/timeline${TIMELINE_QUERY}`),
    );
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, residentMb(pid))), SAMPLE_EVERY_MS);
    try {
      const statusLines = await Promise.all(readers.map((reader) => reader.started));
      expect(statusLines).toEqual(readers.map(() => 'HTTP/1.1 200 OK'));
      const healthy = await server.get('/health', { as: null });
      expect(healthy.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, HANG_MS));
      expect((await server.get('/health', { as: null })).status).toBe(200);
      peak = Math.max(peak, residentMb(pid));
    } finally {
      clearInterval(sampler);
      for (const reader of readers) reader.socket.destroy();
    }
    process.stderr.write(
      `slow readers: ${OTHER_BUILD ?? 'this build'}: resident set ${before.toFixed(0)} MB before, peak ${peak.toFixed(0)} MB ` +
        `with ${READERS} readers hanging on ${REPORTS} fat reports\n`,
    );
    if (OTHER_BUILD === undefined) expect(peak).toBeLessThan(RSS_BOUND_MB);
  }, 120_000);
});
