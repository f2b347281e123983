import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RecordedEvent, SubscribeOptions } from '../../src/event-store/index.js';
import { neighbourhoodStreamId } from '../../src/domain/index.js';
import { READ_MODELS as PROJECTIONS } from '../../src/features/read-models.js';
import type { ReadModelDeclaration } from '../../src/projections/read-model.js';
import { ReadModelFile } from '../../src/projections/read-model-file.js';
import { type ReadModelWriter, ReadModelWriterGone } from '../../src/projections/read-model-writer.js';
import { splitWriter } from '../../src/projections/read-model-writers.js';
import { CATCH_UP_LOG_WINDOW, type WriterThreadOptions, workerThreadWriter } from '../../src/projections/worker-thread-writer.js';
import { type TempLog, caughtUp, dumpTables, openTempLog, readAllEvents, startEngine } from './event-log.fixture.js';
import { recordTadamonReport } from './tadamon.fixture.js';

import { BUILT_WRITER_THREADS as BUILT } from '../built-modules.js';

async function freshBuild(events: readonly RecordedEvent[], definition: ReadModelDeclaration): Promise<Record<string, unknown[]>> {
  const dir = await mkdtemp(join(tmpdir(), 'fresh-build-'));
  const file = ReadModelFile.create(join(dir, 'fresh.sqlite'), definition);
  try {
    file.applyBatch(events);
    return dumpTables(file.db, definition);
  } finally {
    file.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** A new generation file and a writer thread on it (with `options`), both closed once `use` is done. */
async function withThreadWriter(
  path: string,
  definition: ReadModelDeclaration,
  options: WriterThreadOptions,
  use: (file: ReadModelFile, writer: ReadModelWriter) => Promise<void>,
): Promise<void> {
  const file = ReadModelFile.create(path, definition);
  const writer = workerThreadWriter(file, options);
  try {
    await use(file, writer);
  } finally {
    await writer.close();
    file.close();
  }
}

describe('projections: batches applied on a writer thread', () => {
  let temp: TempLog;
  let events: RecordedEvent[];
  let dir: string;

  beforeAll(async () => {
    if (!existsSync(fileURLToPath(BUILT.entry))) throw new Error(`${BUILT.entry.pathname} is missing: run npm run build first`);
    temp = await openTempLog();
    await recordTadamonReport(temp.log);
    events = await readAllEvents(temp.store);
  });

  afterAll(() => temp.dispose());

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'writer-thread-'));
  });

  afterEach(() => rm(dir, { recursive: true, force: true }));

  it.each(PROJECTIONS.map((definition) => [definition.name, definition] as const))(
    '%s: what the thread commits is what the engine thread would have built, and the engine connection sees it',
    async (_name, definition) => {
      await withThreadWriter(join(dir, `${definition.name}.1.sqlite`), definition, { modules: BUILT }, async (file, writer) => {
        // Batches of three, each applied twice: the second changes nothing.
        for (let start = 0; start < events.length; start += 3) {
          const batch = events.slice(start, start + 3);
          const first = await writer.apply(batch);
          expect(first).toEqual({ position: batch.at(-1)!.position });
          expect(await writer.apply(batch)).toEqual(first);
        }
        // This connection never wrote: its cached position moves only when told.
        expect(file.position).toBe(0);
        file.noteCheckpoint(events.at(-1)!.position);
        expect(file.position).toBe(events.at(-1)!.position);
        expect(file.readSnapshot((position) => position)).toBe(events.at(-1)!.position);
        expect(dumpTables(file.db, definition)).toEqual(await freshBuild(events, definition));
        // Built by the thread's connection; this one sees them as soon as it looks.
        expect(file.indexesPending).toBe(definition.indexes !== undefined);
        await writer.createDeferredIndexes();
        expect(file.indexesPending).toBe(false);
      });
    },
  );

  it('an event that cannot be filed: the events before it are committed, and the event it stopped at reported', async () => {
    const definition = PROJECTIONS[0]!;
    await withThreadWriter(join(dir, 'control.1.sqlite'), definition, { modules: BUILT }, async (file, writer) => {
      const bad = { ...events[5]!, metadata: {} };
      const outcome = await writer.apply([...events.slice(0, 5), bad, ...events.slice(6)]);
      expect(outcome.position).toBe(events[4]!.position);
      expect(outcome.failure).toMatchObject({ eventId: bad.eventId, eventType: bad.type, position: bad.position });
      expect(outcome.failure!.message).toContain('NOT NULL constraint failed');
      expect(file.readSnapshot((position) => position)).toBe(events[4]!.position);
    });
  });

  it('splitWriter applies long batches on this thread and short ones on the writer thread, each from where the other stopped', async () => {
    const definition = PROJECTIONS[1]!;
    const file = ReadModelFile.create(join(dir, 'timeline.1.sqlite'), definition);
    const writer = splitWriter(file, { threshold: 5, modules: BUILT });
    try {
      await writer.apply(events.slice(0, 5));
      // Applied through this connection: its position moved by itself.
      expect(file.position).toBe(events[4]!.position);
      await writer.apply(events.slice(5, 7));
      // Applied by the thread: committed, but this connection only learns it when told.
      expect(file.position).toBe(events[4]!.position);
      expect(file.readSnapshot((position) => position)).toBe(events[6]!.position);
      await writer.apply(events.slice(3, 12));
      expect(file.position).toBe(events[11]!.position);
      await writer.apply(events.slice(12));
      expect(dumpTables(file.db, definition)).toEqual(await freshBuild(events, definition));
    } finally {
      await writer.close();
      file.close();
    }
  });

  it('a closed writer refuses further batches with ReadModelWriterGone', async () => {
    const file = ReadModelFile.create(join(dir, 'actors.1.sqlite'), PROJECTIONS[2]!);
    const writer = workerThreadWriter(file, { modules: BUILT });
    try {
      await writer.apply(events.slice(0, 2));
      await writer.close();
      await expect(writer.apply(events.slice(2, 4))).rejects.toBeInstanceOf(ReadModelWriterGone);
    } finally {
      file.close();
    }
  });

  it('a thread that cannot start costs the speed-up, not the read model: everything is applied in the engine thread', async () => {
    await temp.log.actor({ type: 'ActorRegistered', data: { actorId: 'writer-thread-probe', name: 'Probe', side: 'none' } }, '2018-05-01T00:00:00Z');
    // A definition the compiled build does not know: the thread throws at start.
    const unknown = { ...PROJECTIONS[2]!, name: 'not-in-this-build' };
    const fallbacks: string[] = [];
    const engine = await startEngine(temp, [unknown], {
      // Given the store's file, the runner first asks the writer to follow the log itself: it
      // cannot, and the engine's subscription takes over.
      writers: (file) =>
        splitWriter(file, {
          threshold: Number.POSITIVE_INFINITY,
          modules: BUILT,
          log: temp.store.sqlLog,
          onFallback: (reason) => fallbacks.push(reason),
        }),
    });
    try {
      const head = await caughtUp(engine, temp.store);
      const [status] = await engine.status();
      expect(status).toMatchObject({ name: 'not-in-this-build', status: 'running', position: head });
      expect(fallbacks).toHaveLength(1);
      expect(fallbacks[0]).toContain('no read model named not-in-this-build');
      expect(await engine.read(unknown.name, head, ({ db }) => dumpTables(db, unknown))).toEqual(await freshBuild(await readAllEvents(temp.store), unknown));
    } finally {
      await engine.close();
    }
  });

  it('an engine whose live batches go to writer threads answers exactly as a fresh build, through rebuild and restart', async () => {
    // No batch is long enough to stay on this thread: every one goes to a writer thread, the catch-up included.
    const writers = (file: ReadModelFile): ReturnType<typeof splitWriter> => splitWriter(file, { threshold: Number.POSITIVE_INFINITY, modules: BUILT });
    let engine = await startEngine(temp, PROJECTIONS, { writers });
    try {
      await caughtUp(engine, temp.store);
      const all = await readAllEvents(temp.store);
      for (const definition of PROJECTIONS) {
        expect(await engine.read(definition.name, undefined, ({ db }) => dumpTables(db, definition))).toEqual(await freshBuild(all, definition));
      }
      const ticket = engine.rebuild(PROJECTIONS[0]!.name);
      await ticket.swapped;
      expect(await engine.read(PROJECTIONS[0]!.name, undefined, ({ db }) => dumpTables(db, PROJECTIONS[0]!))).toEqual(
        await freshBuild(all, PROJECTIONS[0]!),
      );
      await engine.close();
      await temp.log.actor({ type: 'ActorRegistered', data: { actorId: 'late-arrival', name: 'Late arrival', side: 'none' } }, '2018-05-02T00:00:00Z');
      engine = await startEngine(temp, PROJECTIONS, { writers });
      const head = await caughtUp(engine, temp.store);
      expect(await engine.read(PROJECTIONS[2]!.name, head, ({ position }) => position)).toBe(head);
      const after = await readAllEvents(temp.store);
      for (const definition of PROJECTIONS) {
        expect(await engine.read(definition.name, undefined, ({ db }) => dumpTables(db, definition))).toEqual(await freshBuild(after, definition));
      }
    } finally {
      await engine.close();
    }
  });

  describe('a writer thread that reads the log itself', () => {
    let big: TempLog;
    let bigEvents: RecordedEvent[];

    beforeAll(async () => {
      // Long enough for a catch-up of many batches.
      big = await openTempLog();
      await recordTadamonReport(big.log);
      const source = { name: 'field sources', kind: 'field', reliability: 'C', credibility: 3 };
      const stream = neighbourhoodStreamId('damascus-tadamon');
      const total = 12_500;
      for (let done = 0; done < total; done += 500) {
        const batch = Array.from({ length: 500 }, (_, i) => ({
          eventId: `casualties-${done + i}`,
          type: 'CasualtiesReported',
          data: {
            neighbourhoodId: 'damascus-tadamon',
            actor: 'isis',
            killed: { best: (done + i) % 7 },
            occurredAt: new Date(Date.UTC(2018, 4, 1) + (done + i) * 60_000).toISOString(),
            timePrecision: 'exact',
            sources: [source],
          },
          metadata: { recordedAt: '2018-06-01T00:00:00.000Z', recordedBy: 'writer-test' },
        }));
        await big.store.append(stream, batch, 'any');
      }
      // The log ends with events the actors projection does not take.
      bigEvents = await readAllEvents(big.store);
    }, 60_000);

    afterAll(() => big.dispose());

    /** Where a catch-up from position 0 commits: every window of the log, up to the head. */
    const windowEnds = (head: number): number[] =>
      Array.from({ length: Math.ceil(head / CATCH_UP_LOG_WINDOW) }, (_, i) => Math.min(head, (i + 1) * CATCH_UP_LOG_WINDOW));

    it.each(PROJECTIONS.map((definition) => [definition.name, definition] as const))(
      '%s: catches up to the head in committed windows of the log, skipping what no handler takes',
      async (_name, definition) => {
        const progress: number[] = [];
        await withThreadWriter(join(dir, `${definition.name}.1.sqlite`), definition, { modules: BUILT, log: big.store.sqlLog }, async (file, writer) => {
          const outcome = await writer.catchUp!((position) => progress.push(position), new AbortController().signal);
          const head = bigEvents.at(-1)!.position;
          expect(outcome).toEqual({ position: head });
          expect(file.readSnapshot((position) => position)).toBe(head);
          expect(progress).toEqual(windowEnds(head));
          expect(dumpTables(file.db, definition)).toEqual(await freshBuild(bigEvents, definition));
        });
      },
    );

    it('a cancelled catch-up ends at a committed batch, and the next one carries on from it', async () => {
      const definition = PROJECTIONS[1]!;
      await withThreadWriter(join(dir, 'timeline.1.sqlite'), definition, { modules: BUILT, log: big.store.sqlLog }, async (file, writer) => {
        // Cancelled right after it was asked for: it stops at a committed batch, short of the head.
        const stop = new AbortController();
        const first = writer.catchUp!(() => undefined, stop.signal);
        stop.abort();
        const { position } = await first;
        expect(windowEnds(bigEvents.at(-1)!.position).slice(0, -1)).toContain(position);
        expect(file.readSnapshot((checkpoint) => checkpoint)).toBe(position);
        // Aborted before it starts: nothing is read at all.
        expect(await writer.catchUp!(() => undefined, stop.signal)).toEqual({ position: file.position });
        expect(file.readSnapshot((checkpoint) => checkpoint)).toBe(position);
        expect(await writer.catchUp!(() => undefined, new AbortController().signal)).toEqual({ position: bigEvents.at(-1)!.position });
        expect(dumpTables(file.db, definition)).toEqual(await freshBuild(bigEvents, definition));
      });
    });

    it('a catch-up that only scans (no event it handles) still stops when cancelled, without moving the checkpoint to the head', async () => {
      const definition = PROJECTIONS[2]!;
      await withThreadWriter(join(dir, 'actors.1.sqlite'), definition, { modules: BUILT, log: big.store.sqlLog }, async (file, writer) => {
        const stop = new AbortController();
        const scan = writer.catchUp!(() => undefined, stop.signal);
        stop.abort();
        const { position } = await scan;
        // Every actor is registered before the casualties: fewer than a batch, read in the first window.
        expect(position).toBeLessThan(bigEvents.at(-1)!.position);
        expect(file.readSnapshot((checkpoint) => checkpoint)).toBe(position);
      });
    });

    it('an engine far behind hands the catch-up to the threads, which then follow the log live themselves, and answers as a fresh build', async () => {
      const caughtUpByThread: string[] = [];
      let applied = 0;
      const writers = (file: ReadModelFile): ReturnType<typeof splitWriter> => {
        const writer = splitWriter(file, { modules: BUILT, log: big.store.sqlLog });
        return {
          ...writer,
          apply: (events) => {
            applied += 1;
            return writer.apply(events);
          },
          catchUp: (onProgress: (position: number) => void, signal: AbortSignal) => {
            caughtUpByThread.push(file.definition.name);
            return writer.catchUp!(onProgress, signal);
          },
        };
      };
      let subscriptions = 0;
      const store = Object.create(big.store) as TempLog['store'];
      store.subscribe = (options?: SubscribeOptions): AsyncGenerator<RecordedEvent> => {
        subscriptions += 1;
        return big.store.subscribe(options);
      };
      const engine = await startEngine({ dir: big.dir, store }, PROJECTIONS, { writers });
      try {
        await caughtUp(engine, big.store);
        expect([...new Set(caughtUpByThread)].sort()).toEqual(PROJECTIONS.map((p) => p.name).sort());
        const catchUpsBefore = caughtUpByThread.length;
        await big.log.actor({ type: 'ActorRegistered', data: { actorId: 'after-catch-up', name: 'After', side: 'none' } }, '2018-07-01T00:00:00Z');
        const head = await caughtUp(engine, big.store);
        // The live event reached every read model through its thread's own read of the log:
        // this thread subscribed to nothing and copied no batch.
        expect(caughtUpByThread.length).toBeGreaterThanOrEqual(catchUpsBefore + PROJECTIONS.length);
        expect({ applied, subscriptions }).toEqual({ applied: 0, subscriptions: 0 });
        const all = await readAllEvents(big.store);
        expect(all.at(-1)!.position).toBe(head);
        for (const definition of PROJECTIONS) {
          expect(await engine.read(definition.name, head, ({ db }) => dumpTables(db, definition))).toEqual(await freshBuild(all, definition));
        }
        // The query indexes were built at the end of the catch-up, on the thread (each runner
        // built them before it took the live event above), and this thread's connection sees it.
        expect(await engine.read(PROJECTIONS[1]!.name, head, ({ db }) => db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name LIKE 'reports%'").pluck().get())).toBe(4);
        expect((await engine.status()).map(({ name, indexesBuilt }) => ({ name, indexesBuilt }))).toEqual(
          PROJECTIONS.map(({ name }) => ({ name, indexesBuilt: true })),
        );
      } finally {
        await engine.close();
      }
    }, 60_000);

    // Last in this block: they make the shared log longer.
    it.each([
      ['the threads follow the log themselves', true],
      ['live batches are copied to the threads', false],
    ] as const)('swaps a rebuild in while the log keeps growing (%s): caught up means at the head it last reached', async (_how, follows) => {
      const definition = PROJECTIONS[0]!;
      const writers = (file: ReadModelFile): ReturnType<typeof splitWriter> =>
        splitWriter(file, { threshold: Number.POSITIVE_INFINITY, modules: BUILT, ...(follows && { log: big.store.sqlLog }) });
      const engine = await startEngine(big, [definition], { writers });
      try {
        await caughtUp(engine, big.store);
        const [before] = await engine.status();
        const ticket = engine.rebuild(definition.name);
        let swapped = false;
        void ticket.swapped.then(() => (swapped = true));
        // One command after another, each durable before the next, until the swap: the head has
        // always moved on by the time a batch or a catch-up on a thread has committed. A swap that
        // waited for the head itself would wait for the commands to stop, which never happens
        // here: the test would run into its timeout.
        let appended = 0;
        while (!swapped) {
          const actorId = `steady-${follows ? 'follow' : 'copy'}-${appended}`;
          await big.log.actor({ type: 'ActorRegistered', data: { actorId, name: `Steady ${appended}`, side: 'none' } }, '2018-08-01T00:00:00Z');
          appended += 1;
        }
        await ticket.swapped;
        const head = await caughtUp(engine, big.store);
        const [status] = await engine.status();

        expect(appended).toBeGreaterThan(0);
        expect(status).toMatchObject({ generation: before!.generation + 1, status: 'running', position: head, indexesBuilt: true });
        expect(await engine.read(definition.name, head, ({ db }) => dumpTables(db, definition))).toEqual(await freshBuild(await readAllEvents(big.store), definition));
      } finally {
        await engine.close();
      }
    }, 60_000);
  });
});
