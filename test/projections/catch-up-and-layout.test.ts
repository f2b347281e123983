import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordedEvent, SubscribeOptions } from '../../src/event-store/index.js';
import { NEIGHBOURHOOD_CONTROL, neighbourhoodControlReadModel } from '../../src/features/neighbourhood-control/neighbourhood-control.read-model.js';
import type { ProjectionEngine } from '../../src/projections/projection-engine.js';
import { READ_MODELS as PROJECTIONS } from '../../src/features/read-models.js';
import { ReadModelFile } from '../../src/projections/read-model-file.js';
import { inThreadWriter } from '../../src/projections/read-model-writer.js';
import { type TempLog, caughtUp, dumpTables, openTempLog, readAllEvents, startEngine } from './event-log.fixture.js';
import { recordTadamonReport } from './tadamon.fixture.js';

/** The temp log's store, counting the subscriptions opened on it. */
function countingStore(temp: TempLog): { store: TempLog['store']; subscriptions: () => number } {
  let subscriptions = 0;
  const store = Object.create(temp.store) as TempLog['store'];
  store.subscribe = (options?: SubscribeOptions): AsyncGenerator<RecordedEvent> => {
    subscriptions += 1;
    return temp.store.subscribe(options);
  };
  return { store, subscriptions: () => subscriptions };
}

/** The control model's indexes once built: its schema's own and the deferred ones. */
/** The indexes of the control model's schema, and those it builds once caught up. */
/** The control model's version. */
const V = neighbourhoodControlReadModel.version;
const CONTROL_SCHEMA_INDEXES = ['assessments_in_neighbourhood', 'assessments_of_report', 'positions_in_order', 'retractions_in_neighbourhood'];
const CONTROL_INDEXES = [...CONTROL_SCHEMA_INDEXES, 'claims_in_time', 'contests_in_time', 'incidents_in_time'].sort();

describe('projection engine: reading the log once, live batches, physical layouts', () => {
  let temp: TempLog;
  const engines: ProjectionEngine[] = [];

  beforeEach(async () => {
    temp = await openTempLog();
  });

  afterEach(async () => {
    for (const engine of engines.splice(0)) await engine.close();
    await temp.dispose();
  });

  it('feeds every projection standing at the same position from one store subscription', async () => {
    await recordTadamonReport(temp.log);
    const { store, subscriptions } = countingStore(temp);
    const engine = await startEngine({ dir: temp.dir, store }, PROJECTIONS, { batchSize: 7 });
    engines.push(engine);
    const head = await caughtUp(engine, temp.store);
    await temp.log.actor({ type: 'ActorRegistered', data: { actorId: 'ndf-2', name: 'NDF 2', side: 'pro-government' } }, '2018-04-20T00:00:00Z');
    await caughtUp(engine, temp.store);
    expect(head).toBeGreaterThan(7);
    expect(subscriptions()).toBe(1);
  });

  it('does not wait out a long live interval to stop, and loses nothing it had not read yet', async () => {
    await recordTadamonReport(temp.log);
    // An interval no test waits out: after catching up, the next read of the log is due in an hour.
    const first = await startEngine(temp, [neighbourhoodControlReadModel], { liveIntervalMs: 3_600_000 });
    const head = await caughtUp(first, temp.store);
    const late = await temp.log.actor({ type: 'ActorRegistered', data: { actorId: 'ndf-2', name: 'NDF 2', side: 'pro-government' } }, '2018-04-20T00:00:00Z');
    await first.close();
    expect(first.position(NEIGHBOURHOOD_CONTROL)).toBe(head);

    const second = await startEngine(temp, [neighbourhoodControlReadModel]);
    engines.push(second);
    expect(late.position).toBe(head + 1);
    expect(await caughtUp(second, temp.store)).toBe(late.position);
    expect(second.position(NEIGHBOURHOOD_CONTROL)).toBe(late.position);
  });

  it('rebuilds a generation of another physical layout beside the live one, which keeps answering meanwhile', async () => {
    await recordTadamonReport(temp.log);
    const previousLayout = { ...neighbourhoodControlReadModel, layout: (neighbourhoodControlReadModel.layout ?? 0) + 1 };
    const first = await startEngine(temp, [previousLayout]);
    const head = await caughtUp(first, temp.store);
    const before = await first.read(NEIGHBOURHOOD_CONTROL, head, ({ db }) => dumpTables(db, previousLayout));
    await first.close();

    const second = await startEngine(temp, [neighbourhoodControlReadModel]);
    engines.push(second);
    const [during] = await second.status();
    expect(during).toMatchObject({ version: V, generation: 1, status: 'rebuilding', rebuild: { generation: 2, version: V } });
    // Same version, same meaning: the old layout is readable, so queries need not wait.
    await expect(second.read(NEIGHBOURHOOD_CONTROL, undefined, ({ db }) => dumpTables(db, neighbourhoodControlReadModel))).resolves.toEqual(before);
    await second.pendingRebuild(NEIGHBOURHOOD_CONTROL)!.swapped;

    const manifest = JSON.parse(readFileSync(join(temp.dir, 'read-models', `${NEIGHBOURHOOD_CONTROL}.manifest.json`), 'utf8')) as unknown;
    expect(manifest).toEqual({ name: NEIGHBOURHOOD_CONTROL, generation: 2, version: V });
    expect(existsSync(join(temp.dir, 'read-models', `${NEIGHBOURHOOD_CONTROL}.1.sqlite`))).toBe(false);
    await expect(second.read(NEIGHBOURHOOD_CONTROL, head, ({ db }) => dumpTables(db, neighbourhoodControlReadModel))).resolves.toEqual(before);
    const [after] = await second.status();
    expect(after).toMatchObject({ version: V, generation: 2, status: 'running', position: head });
  });

  /** Names of the indexes SQLite holds for the projection's tables, without its own autoindexes. */
  const indexNames = (file: { db: ReadModelFile['db'] }): string[] =>
    file.db
      .prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex%' ORDER BY name")
      .pluck()
      .all();

  it('creates a generation without its query indexes and builds them once it has caught up', async () => {
    await recordTadamonReport(temp.log);
    const created = ReadModelFile.create(join(temp.dir, 'probe.sqlite'), neighbourhoodControlReadModel);
    expect(created.indexesPending).toBe(true);
    expect(indexNames(created)).toEqual(CONTROL_SCHEMA_INDEXES);
    created.applyBatch(await readAllEvents(temp.store));
    created.createDeferredIndexes();
    const built = indexNames(created);
    expect(built).toEqual(CONTROL_INDEXES);
    expect(created.indexesPending).toBe(false);
    created.close();

    // Batches of 5 while catching up: the indexes come with the batch that reaches the head.
    const engine = await startEngine(temp, PROJECTIONS, { batchSize: 5 });
    engines.push(engine);
    const head = await caughtUp(engine, temp.store);
    expect(await engine.read(NEIGHBOURHOOD_CONTROL, head, ({ db }) => indexNames({ db }))).toEqual(built);
    const [timeline] = await engine.read('neighbourhood-timeline', head, ({ db }) => [indexNames({ db })]);
    expect(timeline).toEqual(['assessments_of_report', 'casualties_in_time', 'report_actors_by_actor', 'reports_by_event', 'reports_everywhere_in_time', 'reports_in_time', 'reports_of_type_in_time']);
    const reopened = ReadModelFile.open(join(temp.dir, 'read-models', `${NEIGHBOURHOOD_CONTROL}.1.sqlite`), neighbourhoodControlReadModel);
    expect(reopened.indexesPending).toBe(false);
    reopened.close();
  });

  it('says in its status whether a first build at the head has built its query indexes yet', async () => {
    await recordTadamonReport(temp.log);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let asked!: () => void;
    const indexBuildAsked = new Promise<void>((resolve) => (asked = resolve));
    let done!: () => void;
    const indexBuildDone = new Promise<void>((resolve) => (done = resolve));
    const engine = await startEngine(temp, [neighbourhoodControlReadModel], {
      writers: (file) => {
        const writer = inThreadWriter(file);
        return {
          ...writer,
          createDeferredIndexes: async () => {
            asked();
            await gate;
            await writer.createDeferredIndexes();
            done();
          },
        };
      },
    });
    engines.push(engine);
    await indexBuildAsked;

    const head = await temp.store.headPosition();
    const [building] = await engine.status();
    release();
    await indexBuildDone;
    const [built] = await engine.status();

    expect(building).toMatchObject({ position: head, lag: 0, indexesBuilt: false });
    expect(built).toMatchObject({ position: head, lag: 0, indexesBuilt: true });
  });

  it('swaps a rebuild in only with its indexes, and a file of an older build (indexes in its schema) has none pending', async () => {
    await recordTadamonReport(temp.log);
    const withIndexesInSchema = {
      ...neighbourhoodControlReadModel,
      schema: neighbourhoodControlReadModel.schema + neighbourhoodControlReadModel.indexes!,
      indexes: undefined,
    };
    const older = ReadModelFile.create(join(temp.dir, 'older.sqlite'), withIndexesInSchema);
    const reopened = ReadModelFile.open(older.path, neighbourhoodControlReadModel);
    expect(reopened.indexesPending).toBe(false);
    reopened.close();
    older.close();

    const engine = await startEngine(temp, [neighbourhoodControlReadModel]);
    engines.push(engine);
    const head = await caughtUp(engine, temp.store);
    await engine.rebuild(NEIGHBOURHOOD_CONTROL).swapped;
    const [status] = await engine.status();
    expect(status).toMatchObject({ generation: 2, status: 'running', position: head });
    expect(await engine.read(NEIGHBOURHOOD_CONTROL, head, ({ db }) => indexNames({ db }))).toEqual(CONTROL_INDEXES);
  });

  it('builds the indexes of a generation already at the head: a rebuild on an empty log swaps in', async () => {
    const engine = await startEngine(temp, [neighbourhoodControlReadModel]);
    engines.push(engine);
    await engine.rebuild(NEIGHBOURHOOD_CONTROL).swapped;
    const [status] = await engine.status();
    expect(status).toMatchObject({ generation: 2, status: 'running', position: 0 });
    expect(await engine.read(NEIGHBOURHOOD_CONTROL, undefined, ({ db }) => indexNames({ db }))).toContain('claims_in_time');
  });

  it('resumes a rebuild whose index build was interrupted at the head, and swaps it in', async () => {
    await recordTadamonReport(temp.log);
    const first = await startEngine(temp, [neighbourhoodControlReadModel]);
    const head = await caughtUp(first, temp.store);
    await first.close();
    // Generation 2 as a crash during its index build leaves it: every event applied, the
    // checkpoint at the head, the index build rolled back.
    const directory = join(temp.dir, 'read-models');
    const rebuilt = ReadModelFile.create(join(directory, `${NEIGHBOURHOOD_CONTROL}.2.sqlite`), neighbourhoodControlReadModel);
    rebuilt.applyBatch(await readAllEvents(temp.store));
    expect(rebuilt.indexesPending).toBe(true);
    rebuilt.close();

    const second = await startEngine(temp, [neighbourhoodControlReadModel]);
    engines.push(second);
    await second.pendingRebuild(NEIGHBOURHOOD_CONTROL)!.swapped;
    const [status] = await second.status();
    expect(status).toMatchObject({ generation: 2, status: 'running', position: head });
    expect(await second.read(NEIGHBOURHOOD_CONTROL, head, ({ db }) => indexNames({ db }))).toEqual(CONTROL_INDEXES);
  });
});
