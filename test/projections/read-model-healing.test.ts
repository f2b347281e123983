/**
 * Read models heal themselves: a damaged generation file (cut short, empty, random bytes, a table
 * missing, a malformed page found by a query, by its runner or by the check of every page after
 * start) or a damaged manifest is moved aside, kept for inspection, said once in the log, and the
 * read model rebuilt from the log. Meanwhile it has no usable copy: queries answer
 * PROJECTION_REBUILDING and its health says so. Afterwards it equals a fresh build. A read model
 * on a full disk waits and tries again, saying so once.
 *
 * The engine runs on its own thread here, over a store whose subscriptions the test can hold:
 * the window without a usable copy stays open for as long as the test looks at it. Waits are
 * bounded, never timed.
 */
import { closeSync, openSync, readFileSync, readdirSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { RecordedEvent, SubscribeOptions } from '../../src/event-store/index.js';
import { READ_MODELS } from '../../src/features/read-models.js';
import { NEIGHBOURHOOD_TIMELINE } from '../../src/features/neighbourhood-timeline/neighbourhood-timeline.read-model.js';
import { NEIGHBOURHOOD_CONTROL } from '../../src/features/neighbourhood-control/neighbourhood-control.read-model.js';
import type { ProjectionEngine } from '../../src/projections/projection-engine.js';
import type { ReadModelDeclaration } from '../../src/projections/read-model.js';
import { ReadModelFile } from '../../src/projections/read-model-file.js';
import { DelegatingStore } from './gated-store.fixture.js';
import { type TempLog, FIELD_SOURCE, caughtUp, dumpTables, openTempLog, readAllEvents, startEngine } from './event-log.fixture.js';
import { recordTadamonReport, TADAMON } from './tadamon.fixture.js';

const BOUND_MS = 20_000;

/**
 * A log that the test can hold: its subscriptions hand over events, and its head is told, only
 * while released. (A runner may be handed events kept in memory by a subscription shared with
 * others; it still asks the head before it gets on.)
 */
class HoldableStore extends DelegatingStore {
  readonly name = 'holdable';
  private gate: Promise<void> | undefined;
  private open: () => void = () => undefined;

  hold(): void {
    this.gate ??= new Promise<void>((resolve) => (this.open = resolve));
  }

  release(): void {
    this.gate = undefined;
    this.open();
  }

  override async *subscribe(options: SubscribeOptions = {}): AsyncGenerator<RecordedEvent> {
    for await (const event of this.inner.subscribe(options)) {
      await this.released(options.signal);
      if (options.signal?.aborted === true) return;
      yield event;
    }
  }

  override async headPosition(): Promise<number> {
    await this.released();
    return this.inner.headPosition();
  }

  private async released(signal?: AbortSignal): Promise<void> {
    while (this.gate !== undefined && signal?.aborted !== true) {
      await Promise.race([this.gate, new Promise((resolve) => signal?.addEventListener('abort', resolve, { once: true }))]);
    }
  }
}

interface Logged {
  readonly level: string;
  readonly message: string;
}

function recordingLogger(into: Logged[]) {
  const keep = (level: string) => (message: unknown) => into.push({ level, message: String(message) });
  return { log: keep('log'), warn: keep('warn'), error: keep('error'), debug: keep('debug'), verbose: keep('verbose') };
}

/** Attacks with long notes, so that the timeline's reports span many pages. */
async function recordAttacks(temp: TempLog, count: number, from = 0): Promise<void> {
  for (let k = from; k < from + count; k++) {
    await temp.log.neighbourhood(
      {
        type: 'AttackLaunched',
        data: {
          neighbourhoodId: TADAMON,
          attackers: ['isis'],
          defenders: ['syrian-regime'],
          targets: ['south-tadamon'],
          occurredAt: new Date(Date.UTC(2018, 3, 19, 12) + k * 60_000).toISOString(),
          timePrecision: 'exact',
          sources: [FIELD_SOURCE],
          notes: `attack ${k} ${'n'.repeat(2_000)}`,
        },
      } as never,
      new Date(Date.UTC(2018, 3, 20) + k * 60_000).toISOString(),
    );
  }
}

async function freshBuild(temp: TempLog, definition: ReadModelDeclaration): Promise<Record<string, unknown[]>> {
  const dir = await mkdtemp(join(tmpdir(), 'fresh-build-'));
  const file = ReadModelFile.create(join(dir, 'fresh.sqlite'), definition);
  try {
    file.applyBatch(await readAllEvents(temp.store));
    return dumpTables(file.db, definition);
  } finally {
    file.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + BOUND_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${BOUND_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const readModelsDir = (temp: TempLog) => join(temp.dir, 'read-models');
const liveFile = (temp: TempLog, name: string): string => {
  const manifest = JSON.parse(readFileSync(join(readModelsDir(temp), `${name}.manifest.json`), 'utf8')) as { generation: number };
  return join(readModelsDir(temp), `${name}.${manifest.generation}.sqlite`);
};
const damagedCopies = (temp: TempLog) => readdirSync(readModelsDir(temp)).filter((file) => /\.damaged-\d{8}T\d{6}Z(-\d+)?$/.test(file));

/**
 * Overwrites every page of a table of a read model file, after moving its WAL into it (so that
 * the pages read are the file's), then commits a write elsewhere in the file through another
 * connection: as any commit does, it makes every other connection drop the pages it had cached.
 */
function corruptTable(path: string, table: string): void {
  const inspector = new Database(path);
  const [checkpoint] = inspector.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
  expect(checkpoint!.busy).toBe(0);
  const pages = inspector.prepare<[string], number>('SELECT pageno FROM dbstat WHERE name = ?').pluck().all(table);
  const pageSize = Number(inspector.pragma('page_size', { simple: true }));
  inspector.close();
  expect(pages.length).toBeGreaterThan(0);
  const fd = openSync(path, 'r+');
  for (const page of pages) writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (page - 1) * pageSize);
  closeSync(fd);
  const writer = new Database(path);
  writer.exec('UPDATE projection_checkpoint SET position = position WHERE id = 1');
  writer.close();
}

/** How many reports the timeline holds, read through the table itself (a count alone would read the smallest index). */
function timelineRows(engine: ProjectionEngine): Promise<number> {
  return engine.read(NEIGHBOURHOOD_TIMELINE, undefined, ({ db }) =>
    db.prepare<[], number>('SELECT count(*) FROM reports WHERE length(data) > 0').pluck().get()!,
  );
}

describe('read models that heal themselves', () => {
  let temp: TempLog;
  let store: HoldableStore;
  const engines: ProjectionEngine[] = [];
  let logged: Logged[];

  const start = async (options: Parameters<typeof startEngine>[2] = {}): Promise<ProjectionEngine> => {
    const engine = await startEngine({ dir: temp.dir, store: store as unknown as TempLog['store'] }, READ_MODELS, {
      logger: recordingLogger(logged),
      ...options,
    });
    engines.push(engine);
    return engine;
  };

  /** A first engine builds every read model up to the head, and stops cleanly. */
  const builtAndStopped = async (): Promise<void> => {
    const engine = await start();
    await settled(engine);
    await engine.close();
    logged.length = 0;
  };

  const expectEqualToFreshBuild = async (engine: ProjectionEngine): Promise<void> => {
    const head = await caughtUp(engine, temp.store);
    for (const definition of READ_MODELS) {
      const live = await engine.read(definition.name, head, ({ db }) => dumpTables(db, definition));
      expect({ name: definition.name, tables: live }).toEqual({ name: definition.name, tables: await freshBuild(temp, definition) });
    }
    expect(engine.readModelsHealth().status).toBe('ok');
  };

  const expectNoUsableTimeline = async (engine: ProjectionEngine): Promise<void> => {
    await expect(timelineRows(engine)).rejects.toMatchObject({
      code: 'PROJECTION_REBUILDING',
      retryAfterSeconds: 5,
      details: [{ projection: NEIGHBOURHOOD_TIMELINE, position: expect.any(Number) }],
    });
    const health = engine.readModelsHealth();
    expect(health.status).toBe('unavailable');
    expect(health.projections.find((projection) => projection.name === NEIGHBOURHOOD_TIMELINE)).toMatchObject({
      status: 'rebuilding',
      usable: false,
      error: expect.stringContaining('being rebuilt'),
    });
    // The other read models answer as before.
    await expect(engine.read(NEIGHBOURHOOD_CONTROL, undefined, ({ position }) => position)).resolves.toBeGreaterThan(0);
  };

  /** Caught up, with the query indexes a first build creates at the head built too: nothing writes meanwhile. */
  const settled = async (engine: ProjectionEngine): Promise<void> => {
    await caughtUp(engine, temp.store);
    await until(async () => (await engine.status()).every((status) => status.indexesBuilt), 'the indexes built');
  };

  const expectSaidOnce = (path: string): void => {
    const said = logged.filter((line) => line.message.includes('a disposable read model, rebuilt from the event log'));
    expect(said).toEqual([{ level: 'warn', message: expect.stringContaining(`read model ${path} is damaged (`) }]);
  };

  beforeEach(async () => {
    temp = await openTempLog('healing-');
    store = new HoldableStore(temp.store);
    logged = [];
    await recordTadamonReport(temp.log);
    await recordAttacks(temp, 60);
  });

  afterEach(async () => {
    store.release();
    for (const engine of engines.splice(0)) await engine.close();
    await temp.dispose();
  });

  describe('found at start-up', () => {
    it.each([
      ['cut short', (path: string) => truncateSync(path, Math.floor(readFileSync(path).length / 2))],
      ['empty', (path: string) => truncateSync(path, 0)],
      ['random bytes', (path: string) => writeFileSync(path, Buffer.alloc(readFileSync(path).length, 0x3c))],
      [
        'without one of its tables',
        (path: string) => {
          const db = new Database(path);
          db.exec('DROP TABLE report_actors');
          db.close();
        },
      ],
    ])('a generation file %s is moved aside as it is, and the read model rebuilt from the log', async (_case, damage) => {
      await builtAndStopped();
      const path = liveFile(temp, NEIGHBOURHOOD_TIMELINE);
      damage(path);
      const damagedBytes = readFileSync(path);

      store.hold();
      const engine = await start();
      await expectNoUsableTimeline(engine);
      const [copy] = damagedCopies(temp);
      expect(copy).toMatch(new RegExp(`^${NEIGHBOURHOOD_TIMELINE}\\.1\\.sqlite\\.damaged-`));
      expect(readFileSync(join(readModelsDir(temp), copy!))).toEqual(damagedBytes);
      expectSaidOnce(path);

      store.release();
      await expectEqualToFreshBuild(engine);
      expect(liveFile(temp, NEIGHBOURHOOD_TIMELINE)).toBe(join(readModelsDir(temp), `${NEIGHBOURHOOD_TIMELINE}.2.sqlite`));
    });

    it.each([
      ['not JSON', '{"name": "neighbourhood-'],
      ['naming another projection', JSON.stringify({ name: 'actors', generation: 1, version: 1 })],
    ])('a manifest %s is moved aside, and the read model rebuilt from the log', async (_case, text) => {
      await builtAndStopped();
      const manifest = join(readModelsDir(temp), `${NEIGHBOURHOOD_TIMELINE}.manifest.json`);
      writeFileSync(manifest, text);

      store.hold();
      const engine = await start();
      await expectNoUsableTimeline(engine);
      const [copy] = damagedCopies(temp);
      expect(copy).toMatch(new RegExp(`^${NEIGHBOURHOOD_TIMELINE}\\.manifest\\.json\\.damaged-`));
      expect(readFileSync(join(readModelsDir(temp), copy!), 'utf8')).toBe(text);
      expectSaidOnce(manifest);

      store.release();
      await expectEqualToFreshBuild(engine);
    });

    it('a page damaged mid-file, which opening does not read, is found by the check of every page and healed', async () => {
      await builtAndStopped();
      const path = liveFile(temp, NEIGHBOURHOOD_TIMELINE);
      corruptTable(path, 'reports');

      const engine = await start();
      await until(() => damagedCopies(temp).length === 1, 'the damaged file moved aside');
      expectSaidOnce(path);
      expect(logged.find((line) => line.message.includes('is damaged'))!.message).toMatch(/quick_check|Tree|page/i);
      await expectEqualToFreshBuild(engine);
    });
  });

  it('a page damaged while running: the next query answers PROJECTION_REBUILDING, and the read model is rebuilt', async () => {
    const engine = await start();
    await settled(engine);
    expect(await timelineRows(engine)).toBeGreaterThan(60);
    const path = liveFile(temp, NEIGHBOURHOOD_TIMELINE);
    corruptTable(path, 'reports');

    store.hold();
    await expectNoUsableTimeline(engine);
    await until(() => damagedCopies(temp).length === 1, 'the damaged file moved aside');
    expectSaidOnce(path);
    // Still no usable copy: the rebuild is held.
    await expectNoUsableTimeline(engine);

    store.release();
    await expectEqualToFreshBuild(engine);
  });

  it('a page its runner meets while filing new events is confirmed damaged, moved aside and rebuilt', async () => {
    const engine = await start();
    await settled(engine);
    const path = liveFile(temp, NEIGHBOURHOOD_TIMELINE);
    corruptTable(path, 'reports');

    await recordAttacks(temp, 5, 100);
    await until(() => damagedCopies(temp).length === 1, 'the damaged file moved aside');
    expectSaidOnce(path);
    await expectEqualToFreshBuild(engine);
  });

  it('a read model on a full disk waits and tries again, saying so once, and carries on once space returns', async () => {
    const engine = await start({ retryDelayMs: 20 });
    await caughtUp(engine, temp.store);
    const connection = await engine.read(NEIGHBOURHOOD_TIMELINE, undefined, ({ db }) => db);
    connection.pragma(`max_page_count = ${Number(connection.pragma('page_count', { simple: true }))}`);

    await recordAttacks(temp, 40, 200);
    await until(
      () => engine.readModelsHealth().projections.some((projection) => projection.name === NEIGHBOURHOOD_TIMELINE && projection.storage === 'full'),
      'the timeline waiting for space',
    );
    const health = engine.readModelsHealth();
    expect(health.status).toBe('unavailable');
    // It still answers, from what it has.
    expect(await timelineRows(engine)).toBeGreaterThan(60);
    // Several attempts pass meanwhile (20 ms, then doubling); each is not said again.
    await new Promise((resolve) => setTimeout(resolve, 500));

    connection.pragma('max_page_count = 4294967294');
    await expectEqualToFreshBuild(engine);
    const said = (prefix: string) => logged.filter((line) => line.message.startsWith(`projection ${NEIGHBOURHOOD_TIMELINE}: ${prefix}`));
    expect(said('storage full')).toHaveLength(1);
    expect(said('storage available again')).toHaveLength(1);
    expect(logged.filter((line) => line.level === 'error')).toEqual([]);
    expect(damagedCopies(temp)).toEqual([]);
  });

  it('a table a query does not find is checked for first: a file that has all its tables is left as it is', async () => {
    const engine = await start();
    await caughtUp(engine, temp.store);
    await expect(engine.read(NEIGHBOURHOOD_TIMELINE, undefined, ({ db }) => db.prepare('SELECT * FROM no_such_table').all())).rejects.toMatchObject({
      message: expect.stringMatching(/^no such table/),
    });
    expect(damagedCopies(temp)).toEqual([]);
    expect(await timelineRows(engine)).toBeGreaterThan(60);
  });
});
