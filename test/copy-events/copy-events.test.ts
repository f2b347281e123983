import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  copyEvents,
  runCopyEventsCli,
  TargetChanged,
  TargetDiverges,
  type CopyProgress,
} from '../../src/copy-events/index.js';
import type { EventStore, EventToAppend, RecordedEvent } from '../../src/event-store/index.js';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store.js';

let root: string;
let opened: EventStore[] = [];

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'copy-events-'));
});

afterEach(async () => {
  await Promise.all(opened.map((store) => store.close()));
  opened = [];
  await rm(root, { recursive: true, force: true });
});

function storeIn(name: string): SqliteEventStore {
  const store = SqliteEventStore.openInDirectory(join(root, name));
  opened.push(store);
  return store;
}

function newEvent(type = 'PositionCaptured', data: unknown = { at: '2024-03-01T10:15:00.000Z' }): EventToAppend {
  return { eventId: randomUUID(), type, data, metadata: { recordedBy: 'writer-1', recordedAt: '2024-03-02T08:00:00.000Z' } };
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** Everything but the position, which is each store's own. */
function withoutPositions(events: readonly RecordedEvent[]) {
  return events.map(({ position: _position, ...rest }) => rest);
}

/**
 * A log with interleaved streams, multi-event batches, Arabic text and a late stream, so that
 * copying in global order (not stream by stream) is what reproduces it.
 */
async function writeSourceLog(store: EventStore): Promise<void> {
  await store.append('actor-a1', [newEvent('ActorRegistered', { name: 'الفرقة الرابعة' })], 'no_stream');
  await store.append('neighbourhood-tadamon', [newEvent('NeighbourhoodRegistered', { name: 'حي التضامن' })], 'no_stream');
  await store.append('actor-a2', [newEvent('ActorRegistered', { name: 'opposition' })], 'no_stream');
  await store.append('neighbourhood-tadamon', [newEvent('AttackLaunched'), newEvent('PositionCaptured')], 0);
  await store.append('neighbourhood-yarmouk', [newEvent('NeighbourhoodRegistered')], 'no_stream');
  await store.append('neighbourhood-tadamon', [newEvent('ForcesRetreated', { yieldedTo: null })], 2);
  for (let index = 0; index < 14; index += 1) {
    await store.append('neighbourhood-yarmouk', [newEvent('CasualtiesReported', { index })], index);
  }
  await store.append('actor-a1', [newEvent('ActorRenamed', { emoji: '🏳️', big: 1e21 })], 0);
}

describe('copyEvents between two embedded stores', () => {
  it('reproduces every event id, stream revision and the global order', async () => {
    const source = storeIn('source');
    const target = storeIn('target');
    await writeSourceLog(source);
    const sourceLog = await collect(source.readAll());

    const report = await copyEvents(source, target, { batchSize: 4 });

    const targetLog = await collect(target.readAll());
    expect(report).toEqual({ total: 22, alreadyPresent: 0, copied: 22, complete: true });
    expect(withoutPositions(targetLog)).toEqual(withoutPositions(sourceLog));
    targetLog.slice(1).forEach((event, index) => expect(event.position).toBeGreaterThan(targetLog[index]!.position));
    for (const streamId of ['actor-a1', 'actor-a2', 'neighbourhood-tadamon', 'neighbourhood-yarmouk']) {
      expect(await target.streamRevision(streamId)).toBe(await source.streamRevision(streamId));
    }
  });

  it('copies nothing on a re-run, and leaves the target as it was', async () => {
    const source = storeIn('source');
    const target = storeIn('target');
    await writeSourceLog(source);
    await copyEvents(source, target);
    const before = await collect(target.readAll());

    const again = await copyEvents(source, target);

    expect(again).toEqual({ total: 22, alreadyPresent: 22, copied: 0, complete: true });
    expect(await collect(target.readAll())).toEqual(before);
  });

  it('resumes an interrupted copy where the target says it stopped, and then copies what the source gained', async () => {
    const source = storeIn('source');
    const target = storeIn('target');
    await writeSourceLog(source);

    const first = await copyEvents(source, target, { limit: 7 });
    const second = await copyEvents(source, target, { limit: 10, batchSize: 3 });
    const third = await copyEvents(source, target);
    await source.append('neighbourhood-tadamon', [newEvent('CounterattackLaunched')], 3);
    const fourth = await copyEvents(source, target);

    expect(first).toEqual({ total: 22, alreadyPresent: 0, copied: 7, complete: false });
    expect(second).toEqual({ total: 22, alreadyPresent: 7, copied: 10, complete: false });
    expect(third).toEqual({ total: 22, alreadyPresent: 17, copied: 5, complete: true });
    expect(fourth).toEqual({ total: 23, alreadyPresent: 22, copied: 1, complete: true });
    expect(withoutPositions(await collect(target.readAll()))).toEqual(withoutPositions(await collect(source.readAll())));
  });

  it('resumes onto a target that already holds the first events of the source, however they got there', async () => {
    const source = storeIn('source');
    const target = storeIn('target');
    await writeSourceLog(source);
    for (const event of (await collect(source.readAll())).slice(0, 5)) {
      const expected = event.revision === 0 ? 'no_stream' : event.revision - 1;
      await target.append(event.streamId, [{ eventId: event.eventId, type: event.type, data: event.data, metadata: event.metadata }], expected);
    }

    const report = await copyEvents(source, target);

    expect(report).toMatchObject({ alreadyPresent: 5, copied: 17, complete: true });
    expect(withoutPositions(await collect(target.readAll()))).toEqual(withoutPositions(await collect(source.readAll())));
  });

  it('stops after the append under way when its signal aborts, and a later run completes the copy', async () => {
    const source = storeIn('source');
    const target = storeIn('target');
    await writeSourceLog(source);
    const interrupt = new AbortController();

    const interrupted = await copyEvents(source, target, {
      batchSize: 1,
      progressEveryEvents: 1,
      onProgress: (progress) => {
        if (progress.phase === 'copying' && progress.copied === 3) interrupt.abort();
      },
      signal: interrupt.signal,
    });
    const resumed = await copyEvents(source, target);

    expect(interrupted).toMatchObject({ copied: 3, complete: false });
    expect(resumed).toMatchObject({ alreadyPresent: 3, copied: 19, complete: true });
  });

  describe('refuses a target that holds something else, writing nothing', () => {
    async function expectRefused(prepare: (source: EventStore, target: EventStore) => Promise<void>, message: RegExp): Promise<void> {
      const source = storeIn('source');
      const target = storeIn('target');
      await writeSourceLog(source);
      await prepare(source, target);
      const before = await collect(target.readAll());

      const error = await copyEvents(source, target).catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(TargetDiverges);
      expect((error as Error).message).toMatch(message);
      expect(await collect(target.readAll())).toEqual(before);
    }

    it('when an event differs in its data', async () => {
      await expectRefused(async (source, target) => {
        const [first] = await collect(source.readAll({ maxCount: 1 }));
        await target.append(first!.streamId, [{ eventId: first!.eventId, type: first!.type, data: { name: 'forged' }, metadata: first!.metadata }], 'no_stream');
      }, /event 1 of the target is not event 1 of the source: .*different data/);
    });

    it('when an event has another id at the same stream revision', async () => {
      await expectRefused(async (source, target) => {
        const [first] = await collect(source.readAll({ maxCount: 1 }));
        await target.append(first!.streamId, [{ ...newEvent(first!.type, first!.data), metadata: first!.metadata }], 'no_stream');
      }, /different event id/);
    });

    it('when the target holds events of a stream the source does not have', async () => {
      await expectRefused(async (_, target) => {
        await target.append('neighbourhood-elsewhere', [newEvent()], 'no_stream');
      }, /the source has ActorRegistered .* at actor-a1@0, the target PositionCaptured .* at neighbourhood-elsewhere@0/);
    });

    it('when the target holds more than the source', async () => {
      await expectRefused(async (source, target) => {
        await copyEvents(source, target);
        await target.append('actor-a9', [newEvent('ActorRegistered')], 'no_stream');
      }, /holds more than the 22 events of the source, starting with event 23: ActorRegistered .* at actor-a9@0/);
    });
  });

  it('stops with TargetChanged when something else writes to the target meanwhile', async () => {
    const source = storeIn('source');
    const target = storeIn('target');
    await writeSourceLog(source);
    let intruded = false;

    const error = await copyEvents(source, target, {
      batchSize: 1,
      progressEveryEvents: 1,
      onProgress: (progress) => {
        if (progress.phase === 'copying' && progress.copied === 2 && !intruded) {
          intruded = true;
          void target.append('actor-a2', [newEvent('ActorRegistered')], 'no_stream');
        }
      },
    }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(TargetChanged);
    expect((error as Error).message).toMatch(/stream actor-a2 of the target is at revision 0 where the copy expected no_stream/);
  });

  it('reports progress with copied/total and a rate, every N events and at each phase', async () => {
    const source = storeIn('source');
    const target = storeIn('target');
    await writeSourceLog(source);
    await copyEvents(source, target, { limit: 2 });
    let now = 0;
    const seen: CopyProgress[] = [];

    await copyEvents(source, target, {
      batchSize: 1,
      progressEveryEvents: 5,
      progressEveryMs: 60_000,
      clock: () => (now += 100),
      onProgress: (progress) => seen.push(progress),
    });

    expect(seen[0]).toMatchObject({ phase: 'verifying', total: 22, present: 0, copied: 0 });
    expect(seen.filter((progress) => progress.phase === 'copying').map((progress) => progress.copied)).toEqual([0, 5, 10, 15, 20]);
    expect(seen.at(-1)).toMatchObject({ phase: 'done', total: 22, present: 2, copied: 20 });
    const copying = seen.find((progress) => progress.phase === 'copying' && progress.copied === 10)!;
    expect(copying.eventsPerSecond).toBeGreaterThan(0);
    expect(copying.elapsedMs).toBeGreaterThan(0);
  });
  it('also reports progress every second on a slow copy, whatever the event count', async () => {
    const source = storeIn('source');
    const target = storeIn('target');
    await writeSourceLog(source);
    let now = 0;
    const copying: number[] = [];

    await copyEvents(source, target, {
      batchSize: 1,
      progressEveryEvents: 1_000_000,
      progressEveryMs: 1000,
      // Each clock reading is 400 ms later: a report is due every third reading or so.
      clock: () => (now += 400),
      onProgress: (progress) => {
        if (progress.phase === 'copying') copying.push(progress.copied);
      },
    });

    expect(copying.length).toBeGreaterThan(3);
    expect(copying[0]).toBe(0);
  });
});

describe('npm run copy-events', () => {
  function io() {
    const out: string[] = [];
    const err: string[] = [];
    return {
      io: { stdout: (text: string) => void out.push(text), stderr: (text: string) => void err.push(text), cwd: root },
      out: () => out.join(''),
      err: () => err.join(''),
    };
  }

  it('copies between data directories, and says so', async () => {
    const source = storeIn('source');
    await writeSourceLog(source);
    const run = io();

    const status = await runCopyEventsCli(['--from', 'sqlite:source', '--to=sqlite:target'], run.io);

    expect(status).toBe(0);
    expect(run.out()).toBe('copied 22 events; the target now holds all 22 events of the source\n');
    expect(run.err()).toContain(`copy-events: from sqlite:${join(root, 'source')} to sqlite:${join(root, 'target')}`);
    expect(run.err()).toMatch(/copied 22 events, target holds 22\/22 \(100%\)|copied 0 events, target holds 0\/22/);

    const again = io();
    expect(await runCopyEventsCli(['--from', 'sqlite:source', '--to', 'sqlite:target'], again.io)).toBe(0);
    expect(again.out()).toBe('nothing to copy: the target already holds all 22 events of the source\n');
  });

  it.each([
    [[]],
    [['--from', 'sqlite:source']],
    [['--from', 'sqlite:source', '--to', 'postgres://db']],
    [['--from', 'sqlite:source', '--to', 'sqlite:source']],
    [['--from', 'sqlite:a', '--to', 'sqlite:b', '--limit', 'many']],
    [['--from', 'sqlite:a', '--to', 'sqlite:b', '--verbose']],
  ])('prints the usage and exits 2 for %p', async (argv) => {
    const run = io();

    expect(await runCopyEventsCli(argv, run.io)).toBe(2);
    expect(run.err()).toMatch(/^copy-events: .+\n\nUsage: npm run copy-events -- --from <store> --to <store>/);
    expect(run.out()).toBe('');
  });

  it('exits 1 with a reason when the target diverges, or the source does not exist', async () => {
    const source = storeIn('source');
    await writeSourceLog(source);
    await storeIn('target').append('neighbourhood-elsewhere', [newEvent()], 'no_stream');
    const diverging = io();
    const missing = io();

    expect(await runCopyEventsCli(['--from', 'sqlite:source', '--to', 'sqlite:target'], diverging.io)).toBe(1);
    expect(await runCopyEventsCli(['--from', 'sqlite:nowhere', '--to', 'sqlite:fresh'], missing.io)).toBe(1);

    expect(diverging.err()).toMatch(/copy-events: refused: event 1 of the target is not event 1 of the source/);
    expect(missing.err()).toMatch(/copy-events: failed: the source sqlite:.*nowhere holds no event store/);
    expect(existsSync(join(root, 'nowhere'))).toBe(false);
    expect(existsSync(join(root, 'fresh'))).toBe(false);
  });
});
