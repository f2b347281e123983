/**
 * Read models heal themselves, over HTTP, with writer threads as production files them: a
 * generation file damaged while the server was down (cut short, empty, random bytes, a table
 * missing) or a damaged manifest is moved aside and the read model rebuilt, and every query
 * then answers exactly as after a fresh rebuild; a page corrupted under the running server makes
 * the next query answer 503 PROJECTION_REBUILDING with Retry-After, commands keep being
 * recorded, and the answers are right again once the rebuild is in. Waits are bounded, never
 * timed.
 */
import type { LoggerService } from '@nestjs/common';
import { cpSync, closeSync, openSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type RunningApp, playScenario, startApp, temporaryDataDir } from './app-harness.js';

const TADAMON = '/v1/neighbourhoods/damascus-tadamon';
const TIMELINE = 'neighbourhood-timeline';
const BOUND_MS = 30_000;
const AS_OF = '2018-04-20T00:00:00Z';
/** Control answers name the knowledge time they were folded at: a fixed one, later than any recording. */
const KNOWN_AT = '2100-01-01T00:00:00Z';

/** What a client sees of every read model: the timeline whole, control now and at two instants, the actors and the neighbourhoods. */
async function answers(app: RunningApp): Promise<Record<string, unknown>> {
  const get = async (path: string): Promise<unknown> => {
    const answer = await app.get(path, { as: 'admin' });
    expect({ path, status: answer.status }).toEqual({ path, status: 200 });
    return answer.body;
  };
  return {
    timeline: await get(`${TADAMON}/timeline?limit=1000`),
    attacks: await get(`${TADAMON}/timeline?limit=1000&type=AttackLaunched`),
    control: await get(`${TADAMON}/control?asOf=${AS_OF}&knownAt=${KNOWN_AT}`),
    controlWednesday: await get(`${TADAMON}/control?asOf=2018-04-18T12:00:00Z&knownAt=${KNOWN_AT}`),
    actors: await get('/v1/actors'),
    neighbourhoods: withoutNow(await get('/v1/neighbourhoods')),
  };
}

/** An answer without the instants it defaults to now (`asOf`, `knownAt`), which differ between any two requests. */
function withoutNow(answer: unknown): unknown {
  const { asOf: _asOf, knownAt: _knownAt, ...rest } = answer as Record<string, unknown>;
  return rest;
}

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + BOUND_MS;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${BOUND_MS} ms; last: ${JSON.stringify(value).slice(0, 500)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Healthy, every read model at the head with its indexes: nothing is being written. */
async function settled(app: RunningApp): Promise<void> {
  await until(() => app.get('/health', { as: null }), (answer) => answer.status === 200, '/health 200');
  const head = (await app.get('/health', { as: null })).body.eventStore.headPosition as number;
  await until(
    () => app.get('/v1/projections', { as: 'admin' }),
    (answer) => answer.status === 200 && answer.body.every((p: { position: number; indexesBuilt: boolean }) => p.position === head && p.indexesBuilt),
    'every read model at the head with its indexes',
  );
}

interface LogLine {
  readonly level: string;
  readonly message: unknown;
}

function capturingLogger(lines: LogLine[]): LoggerService {
  const keep = (level: string) => (message: unknown) => lines.push({ level, message });
  return { log: keep('log'), warn: keep('warn'), error: keep('error'), debug: keep('debug'), verbose: keep('verbose'), fatal: keep('fatal') };
}

const readModels = (dir: string) => join(dir, 'read-models');
const liveFile = (dir: string): string => {
  const manifest = JSON.parse(readFileSync(join(readModels(dir), `${TIMELINE}.manifest.json`), 'utf8')) as { generation: number };
  return join(readModels(dir), `${TIMELINE}.${manifest.generation}.sqlite`);
};
const damagedCopies = (dir: string) => readdirSync(readModels(dir)).filter((file) => file.includes('.damaged-'));

/** The answers of a fresh rebuild: the same log, without its read models. */
async function freshAnswers(dataDir: string): Promise<Record<string, unknown>> {
  const fresh = temporaryDataDir();
  try {
    cpSync(dataDir, fresh.dir, { recursive: true, filter: (source) => !source.startsWith(readModels(dataDir)) });
    const app = await startApp(fresh.dir);
    try {
      await settled(app);
      return await answers(app);
    } finally {
      await app.stop();
    }
  } finally {
    fresh.remove();
  }
}

describe('read models heal themselves, over HTTP', () => {
  const original = temporaryDataDir();
  let reference: Record<string, unknown>;

  beforeAll(async () => {
    const app = await startApp(original.dir);
    await playScenario(app);
    await settled(app);
    await app.stop();
    reference = await freshAnswers(original.dir);
  }, 120_000);

  afterAll(() => original.remove());

  it.each([
    ['a generation file cut short', () => (dir: string) => truncateSync(liveFile(dir), Math.floor(readFileSync(liveFile(dir)).length / 2))],
    ['an empty generation file', () => (dir: string) => truncateSync(liveFile(dir), 0)],
    ['a generation file of random bytes', () => (dir: string) => writeFileSync(liveFile(dir), Buffer.alloc(readFileSync(liveFile(dir)).length, 0x3c))],
    [
      'a generation file without one of its tables',
      () => (dir: string) => {
        const db = new Database(liveFile(dir));
        db.exec('DROP TABLE reports');
        db.close();
      },
    ],
    ['a manifest that is not JSON', () => (dir: string) => writeFileSync(join(readModels(dir), `${TIMELINE}.manifest.json`), '{"generation": 1')],
  ])('%s, found at start: moved aside, rebuilt, and every answer as after a fresh rebuild', async (_case, damage) => {
    const copy = temporaryDataDir();
    const logged: LogLine[] = [];
    let app: RunningApp | undefined;
    try {
      cpSync(original.dir, copy.dir, { recursive: true });
      damage()(copy.dir);
      app = await startApp(copy.dir, { logger: capturingLogger(logged) });
      await settled(app);
      expect(await answers(app)).toEqual(reference);
      expect(damagedCopies(copy.dir)).toHaveLength(1);
      const said = logged.filter((line) => typeof line.message === 'string' && line.message.includes('a disposable read model, rebuilt from the event log'));
      expect(said).toEqual([{ level: 'warn', message: expect.stringContaining(join(readModels(copy.dir), TIMELINE)) }]);
    } finally {
      await app?.stop();
      copy.remove();
    }
  }, 120_000);

  it('a page corrupted under the running server: the next query answers 503 PROJECTION_REBUILDING, commands go on, and the answers come back right', async () => {
    const copy = temporaryDataDir();
    let app: RunningApp | undefined;
    try {
      cpSync(original.dir, copy.dir, { recursive: true });
      app = await startApp(copy.dir);
      await settled(app);
      expect(await answers(app)).toEqual(reference);

      // Every page of the reports table, in the file itself; then a commit through another
      // connection, which makes the server's connections drop the pages they had cached.
      const path = liveFile(copy.dir);
      const inspector = new Database(path);
      expect((inspector.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[])[0]!.busy).toBe(0);
      const pages = inspector.prepare<[], number>("SELECT pageno FROM dbstat WHERE name = 'reports'").pluck().all();
      const pageSize = Number(inspector.pragma('page_size', { simple: true }));
      inspector.close();
      const fd = openSync(path, 'r+');
      for (const page of pages) writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (page - 1) * pageSize);
      closeSync(fd);
      const writer = new Database(path);
      writer.exec('UPDATE projection_checkpoint SET position = position WHERE id = 1');
      writer.close();

      const refused = await app.get(`${TADAMON}/timeline?limit=1000`);
      expect(refused.status).toBe(503);
      expect(refused.body).toEqual({
        statusCode: 503,
        code: 'PROJECTION_REBUILDING',
        message: expect.stringContaining('being rebuilt from the event log'),
        details: [{ projection: TIMELINE, position: expect.any(Number) }],
      });
      expect(refused.headers.get('retry-after')).toBe('5');

      const recorded = await app.post(`${TADAMON}/casualties`, {
        actor: 'isis',
        killed: { best: 3 },
        occurredAt: '2018-04-19T20:00:00Z',
        sources: [{ name: 'field sources', kind: 'field', reliability: 'C', credibility: 3 }],
      });
      expect(recorded.status).toBe(201);

      const running = app;
      const healed = await until(
        () => running.get(`${TADAMON}/timeline?limit=1000&minPosition=${recorded.body.position}`, { as: 'admin' }),
        (answer) => answer.status !== 503,
        'the timeline answering again',
      );
      expect(healed.status).toBe(200);
      expect(healed.body.items.map((item: { eventId: string }) => item.eventId)).toContain(recorded.body.eventId);
      expect(damagedCopies(copy.dir)).toEqual([expect.stringMatching(new RegExp(`^${TIMELINE}\\.\\d+\\.sqlite\\.damaged-\\d{8}T\\d{6}Z$`))]);
      await settled(app);
      const afterHealing = await answers(app);
      await app.stop();
      app = undefined;
      rmSync(join(copy.dir, 'read-models', damagedCopies(copy.dir)[0]!));
      expect(afterHealing).toEqual(await freshAnswers(copy.dir));
    } finally {
      await app?.stop();
      copy.remove();
    }
  }, 180_000);
});
