import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NeighbourhoodCommand, Source } from '../domain/index.js';
import { SqliteEventStore } from '../event-store/sqlite/sqlite-event-store.js';
import { ApplicationError } from './application-error.js';
import type { Clock } from './clock.js';
import type { CommandMetadata } from './command-metadata.js';
import { eventIdFor } from './command-metadata.js';
import { CommandPipeline } from './command-pipeline.js';

// Placeholder calendar dates: the report gives weekdays only.
const BASELINE = '2018-04-16T00:00:00Z';
const WEDNESDAY = '2018-04-18T06:00:00Z';
const THURSDAY = '2018-04-19T10:00:00Z';
const THURSDAY_EVENING = '2018-04-19T18:00:00Z';
const clock: Clock = { now: () => new Date('2018-04-20T00:00:00Z') };
const FIELD: Source = { name: 'field sources', kind: 'field', reliability: 'C', credibility: 3 };
const WRITER: CommandMetadata = { keyId: 'writer-3fa2b1c4', role: 'writer' };
const STREAM = 'neighbourhood-damascus-tadamon';

const registerTadamon: NeighbourhoodCommand = {
  type: 'RegisterNeighbourhood',
  neighbourhoodId: 'damascus-tadamon',
  name: 'Tadamon',
  city: 'Damascus',
  country: 'Syria',
  controlAsOf: BASELINE,
  positions: [
    { id: 'bakery-block-1', name: 'Abu Turabi bakery block 1', controller: 'syrian-regime' },
    { id: 'bakery-block-2', name: 'Abu Turabi bakery block 2', controller: 'syrian-regime' },
  ],
};
const capture = (by: string, position: string, occurredAt: string): NeighbourhoodCommand => ({
  type: 'CapturePosition',
  neighbourhoodId: 'damascus-tadamon',
  by,
  positions: [position],
  occurredAt,
  sources: [FIELD],
});
const retreat = (by: string, position: string, occurredAt: string): NeighbourhoodCommand => ({
  type: 'Retreat',
  neighbourhoodId: 'damascus-tadamon',
  by,
  positions: [position],
  occurredAt,
  sources: [FIELD],
});
const casualties = (occurredAt: string): NeighbourhoodCommand => ({
  type: 'ReportCasualties',
  neighbourhoodId: 'damascus-tadamon',
  killed: { best: 2 },
  occurredAt,
  sources: [FIELD],
});

/**
 * Two pipelines on two connections to one log file: what two server processes sharing a data
 * directory are. Each keeps its own stream cache, so each writes behind the other's back.
 */
describe('CommandPipeline with a second process writing to the same log', () => {
  let dir: string;
  let ours: SqliteEventStore;
  let theirs: SqliteEventStore;
  let pipeline: CommandPipeline;
  let otherProcess: CommandPipeline;
  let tailReads: number;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pipeline-'));
    ours = SqliteEventStore.openInDirectory(dir);
    theirs = SqliteEventStore.openInDirectory(dir);
    const readStream = ours.readStream.bind(ours);
    tailReads = 0;
    ours.readStream = (streamId, options) => {
      if (streamId === STREAM) tailReads += 1;
      return readStream(streamId, options);
    };
    pipeline = new CommandPipeline(ours, clock, 100);
    otherProcess = new CommandPipeline(theirs, clock, 100);
    for (const actorId of ['isis', 'syrian-regime']) {
      await pipeline.registerActor({ type: 'RegisterActor', actorId, name: actorId, side: actorId }, WRITER);
    }
    await pipeline.handleNeighbourhoodCommand(registerTadamon, WRITER);
    // Both caches now hold the stream.
    await otherProcess.handleNeighbourhoodCommand(casualties(WEDNESDAY), WRITER);
    await pipeline.handleNeighbourhoodCommand(casualties(WEDNESDAY), WRITER);
    await otherProcess.handleNeighbourhoodCommand(casualties(WEDNESDAY), WRITER);
    // The stream is at revision 3; our cache holds revision 2.
    tailReads = 0;
  });

  afterEach(async () => {
    await ours.close();
    await theirs.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('decides a command without Idempotency-Key or If-Match on its cached stream, reading nothing', async () => {
    await pipeline.handleNeighbourhoodCommand(casualties(THURSDAY), WRITER);
    tailReads = 0;
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await pipeline.handleNeighbourhoodCommand(casualties(THURSDAY), WRITER));
    expect(tailReads).toBe(0);
    expect(results.map((r) => r.streamRevision)).toEqual([5, 6, 7, 8, 9]);
    expect(await ours.streamRevision(STREAM)).toBe(9);
  });

  it('decides again on the tail when the other process appended first', async () => {
    const result = await pipeline.handleNeighbourhoodCommand(capture('isis', 'bakery-block-2', THURSDAY), WRITER);
    // Registered at 0, casualties at 1, 2 and 3 (the last one theirs, unseen here): the capture is 4.
    expect(result.streamRevision).toBe(4);
    expect(tailReads).toBe(1);
  });

  it('checks a refusal against the stream: a retreat from a position the other process saw captured', async () => {
    await otherProcess.handleNeighbourhoodCommand(capture('isis', 'bakery-block-1', WEDNESDAY), WRITER);
    // On the cached state, isis does not control block 1 and cannot retreat from it.
    const result = await pipeline.handleNeighbourhoodCommand(retreat('isis', 'bakery-block-1', THURSDAY), WRITER);
    expect(result.type).toBe('ForcesRetreated');
    expect(result.streamRevision).toBe(5);
  });

  it('still refuses what the stream as it is refuses', async () => {
    await pipeline.handleNeighbourhoodCommand(casualties(THURSDAY), WRITER);
    await expect(pipeline.handleNeighbourhoodCommand(retreat('isis', 'bakery-block-1', THURSDAY), WRITER)).rejects.toMatchObject({
      code: 'NOT_CONTROLLED',
    });
    expect(await ours.streamRevision(STREAM)).toBe(4);
  });

  it('compares If-Match with the stream, not with the cache', async () => {
    const result = await pipeline.handleNeighbourhoodCommand(casualties(THURSDAY), { ...WRITER, expectedRevision: 3 });
    expect(result.streamRevision).toBe(4);
    const stale = pipeline.handleNeighbourhoodCommand(casualties(THURSDAY), { ...WRITER, expectedRevision: 3 });
    await expect(stale).rejects.toBeInstanceOf(ApplicationError);
    await expect(stale).rejects.toMatchObject({ code: 'WRONG_EXPECTED_REVISION' });
  });

  it('takes If-Match: * as "the stream exists": appends to it, even when the other process moved it, and refuses a stream that does not exist', async () => {
    // Our cache is one revision behind: the append races, and is decided again on the tail.
    const result = await pipeline.handleNeighbourhoodCommand(casualties(THURSDAY), { ...WRITER, expectedRevision: 'exists' });
    expect(result.streamRevision).toBe(4);
    const yarmouk = { ...casualties(THURSDAY), neighbourhoodId: 'damascus-yarmouk' } as NeighbourhoodCommand;
    const missing = pipeline.handleNeighbourhoodCommand(yarmouk, { ...WRITER, expectedRevision: 'exists' });
    await expect(missing).rejects.toMatchObject({ code: 'WRONG_EXPECTED_REVISION', details: [{ expected: '*', actual: -1 }] });
    // Without If-Match, the same command is the domain's 404.
    await expect(pipeline.handleNeighbourhoodCommand(yarmouk, WRITER)).rejects.toMatchObject({ code: 'NEIGHBOURHOOD_NOT_FOUND' });
    const register = pipeline.handleNeighbourhoodCommand({ ...registerTadamon, neighbourhoodId: 'damascus-yarmouk' }, { ...WRITER, expectedRevision: 'exists' });
    await expect(register).rejects.toMatchObject({ code: 'WRONG_EXPECTED_REVISION' });
    expect(await ours.streamRevision('neighbourhood-damascus-yarmouk')).toBe(-1);
  });

  it('recognises a retry by the request hash earlier versions recorded', async () => {
    const recorded: CommandMetadata = { ...WRITER, idempotencyKey: 'casualties-with-nulls', requestHash: 'hash-with-the-nulls' };
    const first = await otherProcess.handleNeighbourhoodCommand(casualties(THURSDAY), recorded);
    const retry = await pipeline.handleNeighbourhoodCommand(casualties(THURSDAY), {
      ...recorded,
      requestHash: 'hash-without-the-nulls',
      formerRequestHash: 'hash-with-the-nulls',
    });
    expect(retry).toEqual({ ...first, replayed: true });
    const other = pipeline.handleNeighbourhoodCommand(casualties(THURSDAY), { ...recorded, requestHash: 'another', formerRequestHash: 'yet another' });
    await expect(other).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
  });

  it('answers a retry whose first attempt the other process recorded, even after more events', async () => {
    const keyed: CommandMetadata = { ...WRITER, idempotencyKey: 'capture-block-2', requestHash: 'hash-of-the-request' };
    const first = await otherProcess.handleNeighbourhoodCommand(capture('isis', 'bakery-block-2', THURSDAY), keyed);
    await otherProcess.handleNeighbourhoodCommand(casualties(THURSDAY), WRITER);
    const retry = await pipeline.handleNeighbourhoodCommand(capture('isis', 'bakery-block-2', THURSDAY), keyed);
    expect(retry).toEqual({ ...first, replayed: true });
    expect(await ours.streamRevision(STREAM)).toBe(5);
    // And the cache goes on from the stream as it is.
    const next = await pipeline.handleNeighbourhoodCommand(retreat('isis', 'bakery-block-2', THURSDAY_EVENING), WRITER);
    expect(next.streamRevision).toBe(6);
  });

  it('reads the tail before deciding a keyed command, so a retry recorded elsewhere is answered without an append', async () => {
    const keyed: CommandMetadata = { ...WRITER, idempotencyKey: 'casualties-thursday', requestHash: 'hash-of-the-request' };
    const first = await otherProcess.handleNeighbourhoodCommand(casualties(THURSDAY), keyed);
    const append = ours.append.bind(ours);
    let appends = 0;
    ours.append = (streamId, events, expected) => {
      appends += 1;
      return append(streamId, events, expected);
    };
    const retry = await pipeline.handleNeighbourhoodCommand(casualties(THURSDAY), keyed);
    expect(retry).toEqual({ ...first, replayed: true });
    expect(appends).toBe(0);
    expect(tailReads).toBe(1);
  });

  /** Makes the other process record `record` between this process's read of the tail and its append, once. */
  function raceTheNextAppend(record: () => Promise<unknown>): void {
    const append = ours.append.bind(ours);
    let raced = false;
    ours.append = async (streamId, events, expected) => {
      if (!raced) {
        raced = true;
        await record();
      }
      return append(streamId, events, expected);
    };
  }

  it('answers a retry whose first attempt the other process recorded at the very next revision while this one was deciding', async () => {
    const keyed: CommandMetadata = { ...WRITER, idempotencyKey: 'capture-block-2', requestHash: 'hash-of-the-request' };
    let first: Awaited<ReturnType<CommandPipeline['handleNeighbourhoodCommand']>> | undefined;
    raceTheNextAppend(async () => {
      first = await otherProcess.handleNeighbourhoodCommand(capture('isis', 'bakery-block-2', THURSDAY), keyed);
    });
    const retry = await pipeline.handleNeighbourhoodCommand(capture('isis', 'bakery-block-2', THURSDAY), keyed);
    expect(first?.streamRevision).toBe(4);
    expect(retry).toEqual({ ...first, replayed: true });
    // The cache holds the log's event, not this attempt's: isis holds block 2 and may retreat.
    const next = await pipeline.handleNeighbourhoodCommand(retreat('isis', 'bakery-block-2', THURSDAY_EVENING), WRITER);
    expect(next.streamRevision).toBe(5);
  });

  it('refuses a key the other process recorded for another request, at the very next revision while this one was deciding', async () => {
    const theirs: CommandMetadata = { ...WRITER, idempotencyKey: 'capture', requestHash: 'hash-of-their-request' };
    raceTheNextAppend(() => otherProcess.handleNeighbourhoodCommand(capture('isis', 'bakery-block-1', THURSDAY), theirs));
    const mine = pipeline.handleNeighbourhoodCommand(capture('isis', 'bakery-block-2', THURSDAY), { ...theirs, requestHash: 'hash-of-my-request' });
    await expect(mine).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    // Isis took block 1, as the log says, and not block 2.
    await expect(pipeline.handleNeighbourhoodCommand(retreat('isis', 'bakery-block-2', THURSDAY_EVENING), WRITER)).rejects.toMatchObject({
      code: 'NOT_CONTROLLED',
    });
    expect((await pipeline.handleNeighbourhoodCommand(retreat('isis', 'bakery-block-1', THURSDAY_EVENING), WRITER)).streamRevision).toBe(5);
  });

  it('answers as the log does when the event holding its id carries no key, instead of folding again and again', async () => {
    const keyed: CommandMetadata = { ...WRITER, idempotencyKey: 'imported', requestHash: 'hash-of-the-request' };
    const eventId = eventIdFor(keyed);
    // An event with the id the key derives, written without the key (by an import, say).
    const written = await theirs.append(STREAM, [{ eventId, type: 'CasualtiesReported', data: { neighbourhoodId: 'damascus-tadamon', killed: { best: 2 }, occurredAt: THURSDAY, sources: [FIELD] }, metadata: { recordedAt: THURSDAY } }], 3);
    const answer = await pipeline.handleNeighbourhoodCommand(casualties(THURSDAY), keyed);
    expect(answer).toMatchObject({ eventId, streamRevision: written.nextRevision, position: written.position, replayed: true });
    expect(await ours.streamRevision(STREAM)).toBe(4);
  });

  it('answers a retry whose first attempt the other process recorded while this one was deciding', async () => {
    const keyed: CommandMetadata = { ...WRITER, idempotencyKey: 'capture-block-2', requestHash: 'hash-of-the-request' };
    const append = ours.append.bind(ours);
    let first: Awaited<ReturnType<CommandPipeline['handleNeighbourhoodCommand']>> | undefined;
    ours.append = async (streamId, events, expected) => {
      if (first === undefined) {
        // Between this process's read of the tail and its append, the other one records more
        // and then the first attempt: the log answers the append with that original.
        await otherProcess.handleNeighbourhoodCommand(casualties(THURSDAY), WRITER);
        first = await otherProcess.handleNeighbourhoodCommand(capture('isis', 'bakery-block-2', THURSDAY), keyed);
      }
      return append(streamId, events, expected);
    };
    const retry = await pipeline.handleNeighbourhoodCommand(capture('isis', 'bakery-block-2', THURSDAY), keyed);
    expect(first?.streamRevision).toBe(5);
    expect(retry).toEqual({ ...first, replayed: true });
    const next = await pipeline.handleNeighbourhoodCommand(retreat('isis', 'bakery-block-2', THURSDAY_EVENING), WRITER);
    expect(next.streamRevision).toBe(6);
  });
});

describe('CommandPipeline batches', () => {
  let dir: string;
  let store: SqliteEventStore;
  let pipeline: CommandPipeline;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pipeline-batch-'));
    store = SqliteEventStore.openInDirectory(dir);
    pipeline = new CommandPipeline(store, clock, 100);
    await pipeline.registerActor({ type: 'RegisterActor', actorId: 'syrian-regime', name: 'Regime', side: 'pro-government' }, WRITER);
    await pipeline.handleNeighbourhoodCommand(registerTadamon, WRITER);
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes nothing of a batch whose atomic append fails, and keeps deciding on the log as it is', async () => {
    const head = await store.headPosition();
    const failing = Object.assign(Object.create(store) as SqliteEventStore, {
      appendAtomically: () => Promise.reject(Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' })),
    });
    const broken = new CommandPipeline(failing, clock, 100);
    await broken.handleNeighbourhoodCommand(casualties(WEDNESDAY), WRITER);
    const batch = [
      { command: { type: 'RegisterActor' as const, actorId: 'isis', name: 'ISIS', side: 'isis' }, metadata: WRITER },
      { command: capture('isis', 'bakery-block-1', WEDNESDAY), metadata: WRITER },
    ];
    await expect(broken.handleBatch(batch)).rejects.toThrow('disk I/O error');
    expect(await store.headPosition()).toBe(head + 1);
    expect(await store.streamRevision('actor-isis')).toBe(-1);
    // The batch's capture was folded into the cached state before the append failed: that state
    // was dropped, so the regime still holds the bakery for the next command.
    await broken.handleNeighbourhoodCommand(retreat('syrian-regime', 'bakery-block-1', THURSDAY), WRITER);
  });

  it('on a store without atomic appends, keeps the streams a raced batch wrote and decides only the rest again', async () => {
    await pipeline.handleNeighbourhoodCommand({ ...registerTadamon, neighbourhoodId: 'damascus-yarmouk-camp', name: 'Yarmouk' }, WRITER);
    const theirs = new CommandPipeline(SqliteEventStore.open(store.sqlLog.file), clock, 100);
    const yarmouk = 'neighbourhood-damascus-yarmouk-camp';
    let raced = false;
    const streamByStream = Object.assign(Object.create(store) as SqliteEventStore, {
      appendAtomically: undefined,
      append: async (...args: Parameters<SqliteEventStore['append']>) => {
        if (args[0] === yarmouk && !raced) {
          raced = true;
          await theirs.handleNeighbourhoodCommand({ ...casualties(WEDNESDAY), neighbourhoodId: 'damascus-yarmouk-camp' }, WRITER);
        }
        return store.append(...args);
      },
    });
    const ours = new CommandPipeline(streamByStream, clock, 100);
    const before = { tadamon: await store.streamRevision(STREAM), yarmouk: await store.streamRevision(yarmouk) };
    const outcomes = await ours.handleBatch([
      { command: casualties(THURSDAY), metadata: WRITER },
      { command: { ...casualties(THURSDAY), neighbourhoodId: 'damascus-yarmouk-camp' }, metadata: WRITER },
    ]);
    expect(raced).toBe(true);
    expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, true]);
    // Tadamon's report was written once, by the first attempt; Yarmouk's after theirs.
    expect(await store.streamRevision(STREAM)).toBe(before.tadamon + 1);
    expect(await store.streamRevision(yarmouk)).toBe(before.yarmouk + 2);
    const [tadamon, camp] = outcomes as { ok: true; result: { eventId: string; streamRevision: number } }[];
    expect(tadamon!.result.streamRevision).toBe(before.tadamon + 1);
    expect(camp!.result.streamRevision).toBe(before.yarmouk + 2);
  });

  it('keeps the other streams of a batch written beside a stream another process recorded the same keyed command on meanwhile', async () => {
    await pipeline.handleNeighbourhoodCommand({ ...registerTadamon, neighbourhoodId: 'damascus-yarmouk-camp', name: 'Yarmouk' }, WRITER);
    const theirs = new CommandPipeline(SqliteEventStore.open(store.sqlLog.file), clock, 100);
    const yarmouk = 'neighbourhood-damascus-yarmouk-camp';
    const keyed: CommandMetadata = { ...WRITER, idempotencyKey: 'yarmouk-thursday', requestHash: 'hash-of-the-request' };
    const camp = { ...casualties(THURSDAY), neighbourhoodId: 'damascus-yarmouk-camp' };
    let first: Awaited<ReturnType<CommandPipeline['handleNeighbourhoodCommand']>> | undefined;
    const racing = Object.assign(Object.create(store) as SqliteEventStore, {
      appendAtomically: async (appends: Parameters<NonNullable<SqliteEventStore['appendAtomically']>>[0]) => {
        first ??= await theirs.handleNeighbourhoodCommand(camp, keyed);
        return store.appendAtomically(appends);
      },
    });
    const ours = new CommandPipeline(racing, clock, 100);
    const before = await store.streamRevision(STREAM);
    const outcomes = await ours.handleBatch([
      { command: casualties(THURSDAY), metadata: WRITER },
      { command: camp, metadata: keyed },
    ]);
    // Tadamon's unkeyed report is written once; Yarmouk's is answered as the other process recorded it.
    expect(await store.streamRevision(STREAM)).toBe(before + 1);
    expect(outcomes[0]).toMatchObject({ ok: true, result: { streamRevision: before + 1, replayed: false } });
    expect(outcomes[1]).toEqual({ ok: true, result: { ...first, replayed: true } });
  });

  it('decides a batch on what another process wrote meanwhile: a lost race is decided again', async () => {
    const theirs = new CommandPipeline(SqliteEventStore.open(store.sqlLog.file), clock, 100);
    await pipeline.handleNeighbourhoodCommand(casualties(WEDNESDAY), WRITER);
    // Their retreat lands between our load and our append: ours, decided on the old state, would
    // take a position the regime no longer holds; decided again, the capture is refused.
    let raced = false;
    const racing = Object.assign(Object.create(store) as SqliteEventStore, {
      appendAtomically: async (appends: Parameters<NonNullable<SqliteEventStore['appendAtomically']>>[0]) => {
        if (!raced) {
          raced = true;
          await theirs.handleNeighbourhoodCommand(retreat('syrian-regime', 'bakery-block-1', THURSDAY), WRITER);
        }
        return store.appendAtomically(appends);
      },
    });
    const ours = new CommandPipeline(racing, clock, 100);
    const [outcome] = await ours.handleBatch([{ command: retreat('syrian-regime', 'bakery-block-1', THURSDAY_EVENING), metadata: WRITER }]);
    expect(raced).toBe(true);
    expect(outcome).toMatchObject({ ok: false, error: { code: 'NOT_CONTROLLED' } });
  });
});

/** Places registered in batches, each with a casualty report: two events per stream. */
async function registerPlaces(pipeline: CommandPipeline, count: number): Promise<string[]> {
  await pipeline.registerActor({ type: 'RegisterActor', actorId: 'syrian-regime', name: 'Regime', side: 'pro-government' }, WRITER);
  const ids = Array.from({ length: count }, (_, index) => `place-${index}`);
  for (let start = 0; start < count; start += 500) {
    const slice = ids.slice(start, start + 500);
    const registered = await pipeline.handleBatch(slice.map((neighbourhoodId) => ({ command: { ...registerTadamon, neighbourhoodId }, metadata: WRITER })));
    const reported = await pipeline.handleBatch(slice.map((neighbourhoodId) => ({ command: { ...casualties(WEDNESDAY), neighbourhoodId }, metadata: WRITER })));
    expect([...registered, ...reported].every((outcome) => outcome.ok)).toBe(true);
  }
  return ids;
}

describe('CommandPipeline stream cache', () => {
  let dir: string;
  let store: SqliteEventStore;
  let eventsRead: number;
  /** When set, a read fails after yielding this many events. */
  let failAfter: number | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pipeline-cache-'));
    store = SqliteEventStore.openInDirectory(dir);
    const readStream = store.readStream.bind(store);
    eventsRead = 0;
    failAfter = undefined;
    store.readStream = async function* (streamId, options) {
      let yielded = 0;
      for await (const recorded of readStream(streamId, options)) {
        if (failAfter !== undefined && yielded === failAfter) throw new Error('the disk went away');
        eventsRead += 1;
        yielded += 1;
        yield recorded;
      }
    };
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const keyedCasualties = (neighbourhoodId: string) => ({
    command: { ...casualties(THURSDAY), neighbourhoodId },
    metadata: { ...WRITER, idempotencyKey: `thursday-${neighbourhoodId}`, requestHash: 'hash-of-the-request' },
  });

  it('keeps more short streams than any count bound would when their events fit the budget: a keyed command reads only its tail', async () => {
    const pipeline = new CommandPipeline(store, clock, 10_000);
    const places = await registerPlaces(pipeline, 1_500);
    eventsRead = 0;
    const outcomes = await pipeline.handleBatch(places.map(keyedCasualties));
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    expect(eventsRead).toBe(0);
  });

  it('folds a stream again from the log once the budget has evicted it', async () => {
    const pipeline = new CommandPipeline(store, clock, 1_000);
    const places = await registerPlaces(pipeline, 1_500);
    eventsRead = 0;
    const outcomes = await pipeline.handleBatch(places.slice(0, 10).map(keyedCasualties));
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    // The first places were evicted by the later ones: each is read whole (registration and report).
    expect(eventsRead).toBe(20);
  });

  it('weighs a cached stream again when reading its tail fails part-way, so the budget still holds', async () => {
    const pipeline = new CommandPipeline(store, clock, 4);
    const otherProcess = new CommandPipeline(store, clock, 0);
    const [first, second] = await registerPlaces(pipeline, 2);
    // Both places are cached, two events each: the budget of four is full.
    for (let report = 0; report < 3; report += 1) {
      expect((await otherProcess.handleBatch([{ command: { ...casualties(THURSDAY), neighbourhoodId: first }, metadata: WRITER }]))[0].ok).toBe(true);
    }
    failAfter = 1;
    await expect(pipeline.handleNeighbourhoodCommand(keyedCasualties(first).command, keyedCasualties(first).metadata)).rejects.toThrow('the disk went away');
    failAfter = undefined;
    // The first place now holds three events in memory: the second, older, no longer fits.
    eventsRead = 0;
    const outcomes = await pipeline.handleBatch([keyedCasualties(second)]);
    expect(outcomes[0].ok).toBe(true);
    expect(eventsRead).toBe(2);
  });
});
