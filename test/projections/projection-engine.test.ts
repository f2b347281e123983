import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationError } from '../../src/application/application-error.js';
import type { RecordedEvent } from '../../src/event-store/index.js';
import type { ReadModelDeclaration, RowMapping } from '../../src/projections/read-model.js';
import { compileFilers } from '../../src/projections/read-model-rows.js';
import { READ_MODELS as PROJECTIONS } from '../../src/features/read-models.js';
import type { ProjectionEngine } from '../../src/projections/projection-engine.js';
import { ReadModelFile } from '../../src/projections/read-model-file.js';
import { NEIGHBOURHOOD_CONTROL, neighbourhoodControlReadModel } from '../../src/features/neighbourhood-control/neighbourhood-control.read-model.js';
import { actorsReadModel } from '../../src/features/actors/actors.read-model.js';
import {
  type EventLog,
  type TempLog,
  FIELD_SOURCE,
  caughtUp,
  dumpTables,
  openTempLog,
  readAllEvents,
  silentLogger,
  startEngine,
} from './event-log.fixture.js';
import { GatedStore } from './gated-store.fixture.js';
import { recordActors, recordTadamonReport, TADAMON } from './tadamon.fixture.js';

/** A long, busy history: positions changing hands back and forth, attacks, casualties, retractions. */
async function recordSkirmishes(log: EventLog, rounds: number): Promise<void> {
  await log.neighbourhood(
    {
      type: 'NeighbourhoodRegistered',
      data: {
        neighbourhoodId: 'skirmish-town',
        name: 'Skirmish town',
        city: 'Nowhere',
        country: 'Testland',
        controlAsOf: '2018-01-01T00:00:00Z',
        positions: [0, 1, 2, 3].map((i) => ({ id: `p${i}`, name: `Position ${i}`, weight: i + 1, controller: 'syrian-regime' })),
      },
    },
    '2018-01-01T00:00:00Z',
  );
  const base = { neighbourhoodId: 'skirmish-town', timePrecision: 'exact' as const, sources: [FIELD_SOURCE] };
  for (let round = 0; round < rounds; round++) {
    const position = `p${round % 4}`;
    // Each round is a day; even rounds ISIS takes the position, odd rounds the regime takes it back.
    const day = new Date(Date.UTC(2018, 0, 2 + round)).toISOString();
    const recordedAt = new Date(Date.UTC(2018, 0, 2 + round, 12)).toISOString();
    const [by, from] = Math.floor(round / 4) % 2 === 0 ? ['isis', 'syrian-regime'] : ['syrian-regime', 'isis'];
    const attack = await log.neighbourhood(
      { type: 'AttackLaunched', data: { ...base, attackers: [by], defenders: [from], targets: [position], occurredAt: day } },
      recordedAt,
    );
    await log.neighbourhood(
      { type: 'PositionCaptured', data: { ...base, by, positions: [position], from: { [position]: from }, attackId: attack.eventId, occurredAt: day } },
      recordedAt,
    );
    await log.neighbourhood(
      { type: 'CasualtiesReported', data: { ...base, actor: from, killed: { best: round }, occurredAt: day } },
      recordedAt,
    );
    if (round % 5 === 0) {
      await log.neighbourhood(
        { type: 'ReportRetracted', data: { neighbourhoodId: 'skirmish-town', eventId: attack.eventId, retractedType: 'AttackLaunched', reason: 'duplicate' } },
        recordedAt,
      );
    }
  }
}

/** A model built from the whole log in one batch, by nobody but the projection's own handlers. */
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

function liveDump(engine: ProjectionEngine, definition: ReadModelDeclaration, minPosition?: number): Promise<Record<string, unknown[]>> {
  return engine.read(definition.name, minPosition, ({ db }) => dumpTables(db, definition));
}

function manifest(temp: TempLog, name: string): { generation: number; version: number } {
  return JSON.parse(readFileSync(join(temp.dir, 'read-models', `${name}.manifest.json`), 'utf8')) as { generation: number; version: number };
}

const generationFile = (temp: TempLog, name: string, generation: number): string =>
  join(temp.dir, 'read-models', `${name}.${generation}.sqlite`);

describe('projections: applying events', () => {
  let temp: TempLog;
  let events: RecordedEvent[];

  beforeAll(async () => {
    temp = await openTempLog();
    await recordTadamonReport(temp.log);
    await recordSkirmishes(temp.log, 12);
    events = await readAllEvents(temp.store);
  });

  afterAll(() => temp.dispose());

  describe.each(PROJECTIONS.map((definition) => [definition.name, definition] as const))('%s', (_name, definition) => {
    const withFile = async (use: (file: ReadModelFile) => void): Promise<Record<string, unknown[]>> => {
      const dir = await mkdtemp(join(tmpdir(), 'apply-'));
      const file = ReadModelFile.create(join(dir, 'model.sqlite'), definition);
      try {
        use(file);
        return dumpTables(file.db, definition);
      } finally {
        file.close();
        await rm(dir, { recursive: true, force: true });
      }
    };

    it('writes rows for the log (the comparisons below are not between empty tables)', async () => {
      const once = await withFile((file) => file.applyBatch(events));
      expect(Object.values(once).some((rows) => rows.length > 0)).toBe(true);
    });

    it('applying a batch twice equals applying it once', async () => {
      const once = await withFile((file) => file.applyBatch(events));
      const twice = await withFile((file) => {
        file.applyBatch(events);
        expect(file.applyBatch(events)).toBe(events.at(-1)!.position);
      });
      expect(twice).toEqual(once);
    });

    it('its rows are idempotent on their own, without the checkpoint to skip replays', async () => {
      const once = await withFile((file) => file.applyBatch(events));
      const replayed = await withFile((file) => {
        const filers = compileFilers(definition, file.db);
        for (const event of [...events, ...events]) filers.get(event.type)?.(event);
      });
      expect(replayed).toEqual(once);
    });

    it('small overlapping batches equal one big batch', async () => {
      const once = await withFile((file) => file.applyBatch(events));
      const overlapping = await withFile((file) => {
        for (let start = 0; start < events.length; start += 5) file.applyBatch(events.slice(Math.max(0, start - 3), start + 5));
      });
      expect(overlapping).toEqual(once);
    });
  });
});

describe('projection engine', () => {
  let temp: TempLog;
  const engines: ProjectionEngine[] = [];

  const start = async (
    definitions: readonly ReadModelDeclaration[] = PROJECTIONS,
    options: Parameters<typeof startEngine>[2] = {},
    store: TempLog['store'] | GatedStore = temp.store,
  ): Promise<ProjectionEngine> => {
    const engine = await startEngine({ dir: temp.dir, store: store as TempLog['store'] }, definitions, { batchSize: 7, ...options });
    engines.push(engine);
    return engine;
  };

  beforeEach(async () => {
    temp = await openTempLog();
  });

  afterEach(async () => {
    for (const engine of engines.splice(0)) await engine.close();
    await temp.dispose();
  });

  it('builds every read model from the log, in batches, up to the head', async () => {
    await recordTadamonReport(temp.log);
    await recordSkirmishes(temp.log, 20);
    const engine = await start();
    const head = await caughtUp(engine, temp.store);
    const statuses = await engine.status();
    expect(statuses.map((s) => [s.name, s.status, s.position, s.lag])).toEqual(PROJECTIONS.map((p) => [p.name, 'running', head, 0]));
    for (const definition of PROJECTIONS) expect(await liveDump(engine, definition)).toEqual(await freshBuild(temp, definition));
  });

  it('answers a query once the read model has processed minPosition, woken by the checkpoint moving', async () => {
    await recordActors(temp.log);
    const engine = await start();
    await caughtUp(engine, temp.store);
    const before = engine.position(actorsReadModel.name);
    const answer = engine.read(actorsReadModel.name, before + 1, ({ db, position }) => ({
      position,
      count: db.prepare('SELECT count(*) FROM actors').pluck().get(),
    }));
    const appended = await temp.log.actor({ type: 'ActorRegistered', data: { actorId: 'ndf-2', name: 'NDF 2', side: 'pro-government' } }, '2018-04-20T00:00:00Z');
    await expect(answer).resolves.toEqual({ position: appended.position, count: 7 });
  });

  it('answers PROJECTION_LAGGING with Retry-After when minPosition is not reached in time', async () => {
    await recordActors(temp.log);
    const engine = await start(PROJECTIONS, { waitTimeoutMs: 50 });
    const head = await caughtUp(engine, temp.store);
    const error = await engine.read(actorsReadModel.name, head + 100, () => 'unreachable').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationError);
    expect(error).toMatchObject({ code: 'PROJECTION_LAGGING', retryAfterSeconds: 1, details: [{ projection: 'actors', position: head, minPosition: head + 100 }] });
  });

  it('rebuilds beside the live model, swaps when caught up, deletes the old file, and the rebuild equals the live model', async () => {
    await recordTadamonReport(temp.log);
    await recordSkirmishes(temp.log, 10);
    const engine = await start();
    const head = await caughtUp(engine, temp.store);
    const live = await liveDump(engine, neighbourhoodControlReadModel, head);
    expect(manifest(temp, NEIGHBOURHOOD_CONTROL).generation).toBe(1);

    const ticket = engine.rebuild(NEIGHBOURHOOD_CONTROL);
    expect(ticket).toMatchObject({ name: NEIGHBOURHOOD_CONTROL, generation: 2, alreadyRunning: false });
    expect(engine.rebuild(NEIGHBOURHOOD_CONTROL)).toMatchObject({ generation: 2, alreadyRunning: true });
    await ticket.swapped;

    expect(manifest(temp, NEIGHBOURHOOD_CONTROL)).toEqual({ name: NEIGHBOURHOOD_CONTROL, generation: 2, version: neighbourhoodControlReadModel.version });
    expect(existsSync(generationFile(temp, NEIGHBOURHOOD_CONTROL, 1))).toBe(false);
    expect(existsSync(generationFile(temp, NEIGHBOURHOOD_CONTROL, 2))).toBe(true);
    const [status] = await engine.status();
    expect(status).toMatchObject({ name: NEIGHBOURHOOD_CONTROL, generation: 2, status: 'running', position: head });
    expect(await liveDump(engine, neighbourhoodControlReadModel, head)).toEqual(live);
  });

  it('keeps serving and following the log while a rebuild runs, and the swapped-in model has the new events too', async () => {
    await recordTadamonReport(temp.log);
    const engine = await start();
    await caughtUp(engine, temp.store);
    const ticket = engine.rebuild(NEIGHBOURHOOD_CONTROL);
    await recordSkirmishes(temp.log, 15);
    await ticket.swapped;
    const head = await caughtUp(engine, temp.store);
    expect(await liveDump(engine, neighbourhoodControlReadModel, head)).toEqual(await freshBuild(temp, neighbourhoodControlReadModel));
  });

  it('rebuilds on start when the code version differs from the stored one; queries wait for the swap', async () => {
    await recordTadamonReport(temp.log);
    const first = await start([neighbourhoodControlReadModel]);
    const head = await caughtUp(first, temp.store);
    const v1 = await liveDump(first, neighbourhoodControlReadModel, head);
    await first.close();

    const version = neighbourhoodControlReadModel.version;
    const v2 = { ...neighbourhoodControlReadModel, version: version + 1 };
    const second = await start([v2]);
    const [during] = await second.status();
    expect(during).toMatchObject({ version, generation: 1, status: 'rebuilding', rebuild: { generation: 2, version: v2.version } });
    // Version 1 tables are not declared readable by version 2 code: the read waits for the swap.
    const answer = second.read(v2.name, undefined, ({ db, position }) => ({ position, tables: dumpTables(db, v2) }));
    await second.pendingRebuild(v2.name)!.swapped;
    await expect(answer).resolves.toEqual({ position: head, tables: v1 });
    const [after] = await second.status();
    expect(after).toMatchObject({ version: v2.version, generation: 2, status: 'running', position: head });
    expect(existsSync(generationFile(temp, v2.name, 1))).toBe(false);
  });

  it('resumes from its checkpoint after a clean stop in mid-stream, committing the batch it had in hand', async () => {
    await recordTadamonReport(temp.log);
    await recordSkirmishes(temp.log, 20);
    const events = await readAllEvents(temp.store);
    const gated = new GatedStore(temp.store, 33, true);
    const first = await start([neighbourhoodControlReadModel], { batchSize: 10 }, gated);
    await gated.exhausted;
    await first.close();

    const second = await start([neighbourhoodControlReadModel], { batchSize: 10 });
    // Not 30 (the last full batch): stopping committed events 31 to 33 too. And not 0: no replay.
    expect(second.position(NEIGHBOURHOOD_CONTROL)).toBe(events[32]!.position);
    const head = await caughtUp(second, temp.store);
    expect(await liveDump(second, neighbourhoodControlReadModel, head)).toEqual(await freshBuild(temp, neighbourhoodControlReadModel));
  });

  it('loses nothing and doubles nothing after a crash that abandoned a batch in hand', async () => {
    await recordTadamonReport(temp.log);
    await recordSkirmishes(temp.log, 20);
    const events = await readAllEvents(temp.store);
    const gated = new GatedStore(temp.store, 35, false);
    const crashed = await startEngine({ dir: temp.dir, store: gated as unknown as TempLog['store'] }, [neighbourhoodControlReadModel], { batchSize: 10 });
    await gated.exhausted;
    // The crashed engine is abandoned as it is: never stopped, its file never closed.
    expect(crashed.position(NEIGHBOURHOOD_CONTROL)).toBe(events[29]!.position);

    const restarted = await start([neighbourhoodControlReadModel], { batchSize: 10 });
    expect(restarted.position(NEIGHBOURHOOD_CONTROL)).toBe(events[29]!.position);
    const head = await caughtUp(restarted, temp.store);
    expect(await liveDump(restarted, neighbourhoodControlReadModel, head)).toEqual(await freshBuild(temp, neighbourhoodControlReadModel));
  });

  it('marks a projection that throws on an event as failed, keeps what came before it, and keeps the others running', async () => {
    const errors: string[] = [];
    // A casualty report files a row whose NOT NULL column reads a field such reports do not have.
    const [incident] = neighbourhoodControlReadModel.events.CasualtiesReported as readonly RowMapping[];
    const exploding: ReadModelDeclaration = {
      ...neighbourhoodControlReadModel,
      name: 'exploding',
      events: {
        ...neighbourhoodControlReadModel.events,
        CasualtiesReported: [{ ...incident!, columns: { ...incident!.columns, neighbourhood_id: { kind: 'text', from: 'data', path: 'noSuchField' } } }],
      },
    };
    const ids = await recordTadamonReport(temp.log);
    const events = await readAllEvents(temp.store);
    const failing = events.findIndex((event) => event.eventId === ids.casualties);
    const engine = await start([exploding, actorsReadModel], {
      logger: { ...silentLogger, error: (message: unknown) => void errors.push(String(message)) },
    });
    const head = await temp.store.headPosition();
    await engine.read('actors', head, () => undefined);

    await expect(engine.read('exploding', head, () => 'answer')).rejects.toMatchObject({ code: 'PROJECTION_LAGGING' });
    const [failed, actors] = await engine.status();
    expect(failed).toMatchObject({
      name: 'exploding',
      status: 'failed',
      position: events[failing - 1]!.position,
      error: { eventId: ids.casualties, eventType: 'CasualtiesReported', position: events[failing]!.position },
    });
    expect(actors).toMatchObject({ name: 'actors', status: 'running', position: head });
    expect(engine.readModelsHealth()).toMatchObject({
      status: 'unavailable',
      projections: [{ name: 'exploding', status: 'failed', error: expect.stringContaining('CasualtiesReported') }, { name: 'actors', status: 'running' }],
    });
    expect(errors).toEqual([expect.stringContaining('NOT NULL constraint failed: incidents.neighbourhood_id')]);
    // Without minPosition it still answers, from the last event it could apply.
    await expect(engine.read('exploding', undefined, ({ position }) => position)).resolves.toBe(events[failing - 1]!.position);
  });

  it('reports healthy read models, and unavailable ones once stopped', async () => {
    const engine = await start();
    expect(engine.readModelsHealth()).toEqual({
      status: 'ok',
      projections: PROJECTIONS.map((p) => ({ name: p.name, status: 'running', position: 0, usable: true })),
    });
    await engine.stop();
    expect(engine.readModelsHealth().status).toBe('unavailable');
    await expect(engine.read(NEIGHBOURHOOD_CONTROL, undefined, () => 'answer')).rejects.toMatchObject({ code: 'PROJECTION_LAGGING' });
  });

  it('knows its projections by name only', async () => {
    const engine = await start();
    expect(() => engine.rebuild('no-such-projection')).toThrow('no projection named no-such-projection');
  });

  it('serves the neighbourhood read model after a restart without replaying from zero', async () => {
    await recordTadamonReport(temp.log);
    const first = await start();
    const head = await caughtUp(first, temp.store);
    await first.close();
    const second = await start();
    for (const name of second.names) expect(second.position(name)).toBe(head);
    expect(await second.read(NEIGHBOURHOOD_CONTROL, undefined, ({ db }) => db.prepare('SELECT id FROM neighbourhoods').pluck().all())).toEqual([TADAMON]);
  });
});
