/**
 * A disk that fills under a running server: commands answer 507 STORAGE_FULL in the API's error
 * shape and write nothing, /health turns 503 saying the storage is full on the first failed write
 * and turns back by itself (a probe write every 5 s) once space returns, the log says each change
 * once, nothing acknowledged is lost, and a refused command retried with its Idempotency-Key after
 * recovery is recorded once.
 *
 * Two disks: the store's own connection limited to the pages it has (SQLite then answers
 * SQLITE_FULL for real; it works anywhere), and, where this process may mount one, a small tmpfs
 * under the built server (the event store, the read models and the probe all meet ENOSPC).
 * Waits are bounded, never timed.
 */
import type { LoggerService } from '@nestjs/common';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENT_STORE, StorageError, type EventStore } from '../../src/event-store/index.js';
import { toErrorResponse } from '../../src/http/http-exception.filter.js';
import { pageLimitedDisk } from '../storage/live-connection.fixture.js';
import { type RunningApp, playScenario, startApp, temporaryDataDir } from './app-harness.js';
import Database from 'better-sqlite3';
import { registerTadamon } from './fat-reports.js';
import { type ServerProcess, exitWithin, startFailing, startServer } from './server-process.js';

const TADAMON = '/v1/neighbourhoods/damascus-tadamon';
/** Three probes, and what a loaded machine needs besides. */
const RECOVERY_BOUND_MS = 30_000;

/** 50 sources with long names and URLs, and notes of 10,000 characters: about 125 KB a command. */
const FAT_SOURCES = Array.from({ length: 50 }, (_, i) => ({
  name: `Source ${i} (مصدر ${i}) `.padEnd(200, 'n'),
  kind: 'newspaper',
  reliability: 'C',
  credibility: 3,
  url: `https://news.example.org/${i}/${'article-'.repeat(250)}`,
}));

function fatAttack(k: number) {
  return {
    attackers: ['isis'],
    defenders: ['syrian-regime'],
    occurredAt: new Date(Date.parse('2018-04-18T00:00:00Z') + k * 60_000).toISOString(),
    sources: FAT_SOURCES,
    notes: `Report ${k}: ${'n'.repeat(9_980)}`.slice(0, 10_000),
  };
}

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
}

type Post = (path: string, body: unknown, key: string) => Promise<Answer>;
type Get = (path: string) => Promise<Answer>;

interface Filling {
  readonly acknowledged: { readonly key: string; readonly k: number; readonly eventId: string }[];
  readonly refused: { readonly key: string; readonly k: number; readonly answer: Answer };
}

/** Commands acknowledged before the disk fills: they must survive it. */
const BEFORE_THE_DISK_FILLS = 5;

/**
 * Sends fat attacks, each with its own key: a few, then `fill()`, then more until one is refused.
 * All of them until the refusal are acknowledged.
 */
async function sendUntilRefused(post: Post, prefix: string, fill: () => void, most: number): Promise<Filling> {
  const acknowledged: Filling['acknowledged'][number][] = [];
  for (let k = 0; k < BEFORE_THE_DISK_FILLS + most; k++) {
    if (k === BEFORE_THE_DISK_FILLS) fill();
    const key = `${prefix}-${k}`;
    const answer = await post(`${TADAMON}/attacks`, fatAttack(k), key);
    if (answer.status !== 201 && k >= BEFORE_THE_DISK_FILLS) return { acknowledged, refused: { key, k, answer } };
    expect({ k, status: answer.status }).toEqual({ k, status: 201 });
    acknowledged.push({ key, k, eventId: answer.body.eventId });
  }
  throw new Error(`${most} commands of 125 KB went through a full disk`);
}

function expectStorageFull(answer: Answer): void {
  expect(answer.status).toBe(507);
  expect(answer.body).toEqual({ statusCode: 507, code: 'STORAGE_FULL', message: expect.stringMatching(/no space left.*nothing was written/i) });
}

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, boundMs: number, what: string): Promise<T> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${boundMs} ms; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** After recovery: the refused command is recorded once under its key, and every acknowledged one answers as it did. */
async function expectNothingLostNorDoubled(post: Post, get: Get, filling: Filling): Promise<void> {
  const retried = await post(`${TADAMON}/attacks`, fatAttack(filling.refused.k), filling.refused.key);
  expect(retried.status).toBe(201);
  const replayed = await post(`${TADAMON}/attacks`, fatAttack(filling.refused.k), filling.refused.key);
  expect(replayed.status).toBe(200);
  expect(replayed.body.eventId).toBe(retried.body.eventId);
  for (const { key, k, eventId } of filling.acknowledged) {
    const again = await post(`${TADAMON}/attacks`, fatAttack(k), key);
    expect({ key, status: again.status, eventId: again.body.eventId }).toEqual({ key, status: 200, eventId });
  }
  const ids: string[] = [];
  for (let from = 0; ; ) {
    const page = await get(`${TADAMON}/events?limit=1000&fromRevision=${from}`);
    expect(page.status).toBe(200);
    ids.push(...page.body.items.map((item: { eventId: string }) => item.eventId));
    if (page.body.nextFromRevision === undefined) break;
    from = page.body.nextFromRevision;
  }
  const expected = [...filling.acknowledged.map((ack) => ack.eventId), retried.body.eventId];
  for (const id of expected) expect(ids.filter((candidate) => candidate === id)).toHaveLength(1);
}

describe('the storage refusals as the API answers them', () => {
  it('answers a full store 507 STORAGE_FULL, without Retry-After: space comes back when an operator frees it', () => {
    const answer = toErrorResponse(new StorageError('full', 'no space left'));
    expect(answer.body).toEqual({ statusCode: 507, code: 'STORAGE_FULL', message: 'no space left' });
    expect(answer.headers).toEqual({});
    expect(answer.isServerFault).toBe(false);
  });

  it('answers an unusable store 503 STORAGE_UNAVAILABLE with Retry-After', () => {
    const answer = toErrorResponse(new StorageError('unavailable', 'an I/O error'));
    expect(answer.body).toEqual({ statusCode: 503, code: 'STORAGE_UNAVAILABLE', message: 'an I/O error' });
    expect(answer.headers).toEqual({ 'Retry-After': '5' });
    expect(answer.isServerFault).toBe(false);
  });
});

interface LogLine {
  readonly level: string;
  readonly message: unknown;
  readonly context?: unknown;
}

function capturingLogger(lines: LogLine[]): LoggerService {
  const keep = (level: string) => (message: unknown, ...rest: unknown[]) => lines.push({ level, message, context: rest.at(-1) });
  return { log: keep('log'), warn: keep('warn'), error: keep('error'), debug: keep('debug'), verbose: keep('verbose'), fatal: keep('fatal') };
}

const saying = (lines: readonly LogLine[], prefix: string) => lines.filter((line) => typeof line.message === 'string' && line.message.startsWith(prefix));

describe('a store that cannot grow (its own connection limited to the pages it has), under the running app', () => {
  const data = temporaryDataDir();
  const logged: LogLine[] = [];
  let app: RunningApp;
  let disk: { fill(): void; free(): void };
  let filling: Filling;
  const post: Post = (path, body, key) => app.post(path, body, { headers: { 'idempotency-key': key } });
  const get: Get = (path) => app.get(path, { as: 'admin' });

  beforeAll(async () => {
    app = await startApp(data.dir, { logger: capturingLogger(logged) });
    await playScenario(app);
    disk = pageLimitedDisk(app.nest.get<EventStore>(EVENT_STORE));
    filling = await sendUntilRefused(post, 'page-limit', () => disk.fill(), 100);
    expect(filling.acknowledged.length).toBeGreaterThanOrEqual(BEFORE_THE_DISK_FILLS);
  }, 120_000);

  afterAll(async () => {
    disk.free();
    await app.stop();
    data.remove();
  });

  it('answers the first command it cannot write 507 STORAGE_FULL in the API error shape, and the next ones too', async () => {
    expectStorageFull(filling.refused.answer);
    expectStorageFull(await post(`${TADAMON}/attacks`, fatAttack(999), 'page-limit-another'));
    expectStorageFull(await post(`${TADAMON}/attacks`, fatAttack(filling.refused.k), filling.refused.key));
  });

  it('turns /health 503 on the first failed write, saying the storage is full, while reads still answer', async () => {
    const health = await app.get('/health', { as: null });
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({
      status: 'unavailable',
      eventStore: { name: 'sqlite', status: 'unavailable', headPosition: expect.any(Number), error: expect.stringMatching(/^storage full/) },
      storage: { status: 'unavailable', reason: 'full', where: 'event store', error: expect.stringMatching(/^storage full/) },
    });
    expect((await app.get(`${TADAMON}/timeline`)).status).toBe(200);
  });

  it('turns /health back to 200 by itself once space returns, with nothing written meanwhile', async () => {
    disk.free();
    const health = await until(() => app.get('/health', { as: null }), (answer) => answer.status === 200, RECOVERY_BOUND_MS, '/health 200');
    expect(health.body).toMatchObject({ status: 'ok', storage: { status: 'ok' } });
  }, RECOVERY_BOUND_MS + 10_000);

  it('records the refused command once when retried with its key, and loses nothing acknowledged', async () => {
    await expectNothingLostNorDoubled(post, get, filling);
  }, 120_000);

  it('says "storage full" once and "storage available again" once, and logs no error for the refusals', () => {
    expect(saying(logged, 'storage full')).toEqual([{ level: 'warn', message: expect.any(String), context: 'EventStore' }]);
    expect(saying(logged, 'storage available again')).toEqual([{ level: 'log', message: expect.any(String), context: 'EventStore' }]);
    expect(logged.filter((line) => line.level === 'error')).toEqual([]);
  });
});

describe('a damaged event store', () => {
  it('stops a start within 15 s with one line naming the file, saying it is the source of truth, and where the restore is', async () => {
    const data = temporaryDataDir();
    try {
      const file = join(data.dir, 'events.sqlite');
      writeFileSync(file, Buffer.alloc(64 * 1024, 0x5a), { mode: 0o600 });
      const outcome = await startFailing({ dataDir: data.dir }, 15_000);
      expect(outcome.exit).toEqual({ code: 1, signal: null });
      expect(outcome.stdout).toBe('');
      expect(outcome.stderr).toBe(
        `incident-timeline: cannot start: the event store ${file} is damaged (file is not a database); it is the source of truth, ` +
          'not a read model, and is never rebuilt: keep the damaged file and restore the last backup (docs/operations.md, "Restoring")\n',
      );
    } finally {
      data.remove();
    }
  }, 30_000);

  it('answers commands 503 STORAGE_UNAVAILABLE with Retry-After once a page read at run time is malformed, and /health says so', async () => {
    const data = temporaryDataDir();
    const logged: LogLine[] = [];
    const app = await startApp(data.dir, { logger: capturingLogger(logged) });
    try {
      await playScenario(app);
      const file = join(data.dir, 'events.sqlite');
      // Every page of the log's table and indexes, in the file itself; then a commit through
      // another connection, which makes the server's connection drop the pages it had cached.
      const inspector = new Database(file);
      expect((inspector.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[])[0]!.busy).toBe(0);
      const pages = inspector.prepare<[], number>("SELECT pageno FROM dbstat WHERE name LIKE 'events%' AND pageno > 1").pluck().all();
      const pageSize = Number(inspector.pragma('page_size', { simple: true }));
      inspector.close();
      const fd = openSync(file, 'r+');
      for (const page of pages) writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (page - 1) * pageSize);
      closeSync(fd);
      const writer = new Database(file);
      writer.exec('CREATE TABLE touched (x INTEGER); DROP TABLE touched;');
      writer.close();

      const refused = await app.post(`${TADAMON}/attacks`, fatAttack(1), { headers: { 'idempotency-key': 'after-damage' } });
      expect(refused.status).toBe(503);
      expect(refused.body).toEqual({ statusCode: 503, code: 'STORAGE_UNAVAILABLE', message: expect.stringMatching(/damaged.*restored from a backup/) });
      expect(refused.headers.get('retry-after')).toBe('5');
      const health = await app.get('/health', { as: null });
      expect(health.status).toBe(503);
      expect(health.body.storage).toEqual({ status: 'unavailable', reason: 'unavailable', where: 'event store', error: expect.stringMatching(/^storage damaged: /) });
      expect((await app.post(`${TADAMON}/attacks`, fatAttack(2), { headers: { 'idempotency-key': 'after-damage-2' } })).status).toBe(503);
      const said = logged.filter((line) => line.context === 'EventStore' && typeof line.message === 'string' && line.message.includes('is damaged'));
      expect(said).toEqual([{ level: 'error', message: expect.stringContaining(`event store ${file} is damaged`), context: 'EventStore' }]);
    } finally {
      await app.stop();
      data.remove();
    }
  }, 60_000);
});

/** Whether this process may mount a tmpfs (root, and a container that allows it): checked once. */
function tmpfsMountable(): { readonly ok: true } | { readonly ok: false; readonly why: string } {
  if (process.getuid?.() !== 0) return { ok: false, why: 'not running as root' };
  const probe = mkdtempSync(join(tmpdir(), 'tmpfs-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'pipe' });
    execFileSync('umount', [probe], { stdio: 'pipe' });
    return { ok: true };
  } catch (error) {
    return { ok: false, why: `mount -t tmpfs failed: ${String((error as { stderr?: unknown }).stderr ?? error).trim()}` };
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

const TMPFS = tmpfsMountable();
if (!TMPFS.ok) process.stderr.write(`storage-failures: the tmpfs case is skipped (${TMPFS.why}); the page-limited store covers the rest\n`);

(TMPFS.ok ? describe : describe.skip)('a small tmpfs that fills under the built server', () => {
  let mountPoint: string;
  let dataDir: string;
  let filler: string;
  let server: ServerProcess;
  let filling: Filling;
  const post: Post = (path, body, key) => server.post(path, body, { headers: { 'idempotency-key': key } });
  const get: Get = (path) => server.get(path, { as: 'admin' });

  /** Writes to one file until the file system has no byte left. */
  function fillDisk(): void {
    const fd = openSync(filler, 'w');
    try {
      for (const size of [1024 * 1024, 64 * 1024, 4096, 512, 1]) {
        const chunk = Buffer.alloc(size, 0x20);
        try {
          for (;;) writeSync(fd, chunk);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
        }
      }
    } finally {
      closeSync(fd);
    }
  }

  beforeAll(async () => {
    mountPoint = mkdtempSync(join(tmpdir(), 'timeline-tmpfs-'));
    dataDir = join(mountPoint, 'data');
    filler = join(mountPoint, 'filler');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48m,mode=0700', 'tmpfs', mountPoint]);
    mkdirSync(dataDir, { mode: 0o700 });
    server = await startServer({ dataDir, env: { TIMELINE_LOG_LEVEL: 'info' } });
    await registerTadamon(server);
    filling = await sendUntilRefused(post, 'tmpfs', fillDisk, 200);
    expect(filling.acknowledged.length).toBeGreaterThanOrEqual(BEFORE_THE_DISK_FILLS);
  }, 180_000);

  afterAll(async () => {
    await server?.kill();
    try {
      execFileSync('umount', [mountPoint]);
    } finally {
      rmSync(mountPoint, { recursive: true, force: true });
    }
  });

  it('answers a command that finds no space 507 STORAGE_FULL in the API error shape', () => {
    expectStorageFull(filling.refused.answer);
  });

  it('turns /health 503 saying the storage is full, and still answers reads', async () => {
    const health = await server.get('/health', { as: null });
    expect(health.status).toBe(503);
    expect(health.body.storage).toMatchObject({ status: 'unavailable', reason: 'full' });
    expect((await server.get(`${TADAMON}/events?limit=1`)).status).toBe(200);
  });

  it('turns /health back to 200 by itself once the disk has room again, the read models caught up', async () => {
    rmSync(filler);
    await until(() => server.get('/health', { as: null }), (answer) => answer.status === 200, RECOVERY_BOUND_MS, '/health 200');
  }, RECOVERY_BOUND_MS + 10_000);

  it('records the refused command once when retried with its key, and loses nothing acknowledged', async () => {
    await expectNothingLostNorDoubled(post, get, filling);
    const head = (await server.get('/health', { as: null })).body.eventStore.headPosition as number;
    const projections = await until(
      () => server.get('/v1/projections', { as: 'admin' }),
      (answer) => answer.status === 200 && answer.body.every((projection: { position: number }) => projection.position === head),
      RECOVERY_BOUND_MS,
      'the read models at the head',
    );
    expect(projections.body.map((projection: { lag: number }) => projection.lag)).toEqual([0, 0, 0]);
    const timeline = await server.get(`${TADAMON}/timeline?limit=1000&type=AttackLaunched`);
    expect(timeline.status).toBe(200);
    expect(timeline.body.items).toHaveLength(filling.acknowledged.length + 1);
  }, 120_000);

  it('says each change once: the event store, and each read model that waited, not once per attempt', async () => {
    server.signal('SIGTERM');
    expect(await exitWithin(server, 30_000)).toEqual({ code: 0, signal: null });
    const lines = server
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { context?: string; msg?: string; level: number });
    const from = (context: string, prefix: string) => lines.filter((line) => line.context === context && line.msg?.startsWith(prefix) === true);
    expect(from('EventStore', 'storage full')).toHaveLength(1);
    expect(from('EventStore', 'storage available again')).toHaveLength(1);
    for (const name of ['neighbourhood-control', 'neighbourhood-timeline', 'actors']) {
      expect(from('Projections', `projection ${name}: storage full`).length).toBeLessThanOrEqual(1);
      expect(from('Projections', `projection ${name}: storage available again`).length).toBeLessThanOrEqual(1);
    }
    expect(lines.filter((line) => line.level >= 50 && line.context !== undefined)).toEqual([]);
  }, 60_000);
});
