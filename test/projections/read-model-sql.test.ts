import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { actorStreamId, neighbourhoodStreamId } from '../../src/domain/index.js';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store.js';
import { READ_MODELS as PROJECTIONS } from '../../src/features/read-models.js';
import type { ReadModelDeclaration } from '../../src/projections/read-model.js';
import { LogWindowUnfileable, ReadModelFile } from '../../src/projections/read-model-file.js';
import { type ApplyOutcome, applyOrStopAtFailure, fileLogWindow } from '../../src/projections/read-model-writer.js';
import { FIELD_SOURCE, dumpTables, readAllEvents } from './event-log.fixture.js';

/*
 * Each read model is one declaration, filed two ways: by JavaScript filers (the reference, and
 * the only way for KurrentDB) and by SQL over the embedded store's log. On any log, filing
 * windows of it (in SQL where it can, through the filers where it cannot) must leave every table
 * exactly as the filers alone do, and fail where they fail.
 */

const NEIGHBOURHOODS = ['tadamon', 'yarmouk'];
const POSITION_IDS = ['p0', 'p1', 'p2', 'p3'];
const ACTORS = ['isis', 'regime', 'fsa'];

/** Instants in every form the domain accepts: Z or an offset, no seconds, 0 to 9 decimals. */
const instantArb = fc
  .record({
    ms: fc.integer({ min: Date.UTC(2018, 0, 1), max: Date.UTC(2019, 0, 1) }),
    form: fc.constantFrom('iso', 'seconds', 'minutes', 'micro', 'nano', 'plus', 'minus'),
    digits: fc.integer({ min: 0, max: 999_999 }),
  })
  .map(({ ms, form, digits }) => {
    const iso = new Date(ms).toISOString();
    const local = (offsetMinutes: number): string => new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 19);
    switch (form) {
      case 'seconds':
        return `${iso.slice(0, 19)}Z`;
      case 'minutes':
        return `${iso.slice(0, 16)}Z`;
      case 'micro':
        return `${iso.slice(0, 23)}${String(digits % 1000).padStart(3, '0')}Z`;
      case 'nano':
        return `${iso.slice(0, 23)}${String(digits).padStart(6, '0')}Z`;
      case 'plus':
        return `${local(180)}.${String(digits % 1000).padStart(3, '0')}+03:00`;
      case 'minus':
        return `${local(-330)}-05:30`;
      default:
        return iso;
    }
  });

const optional = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });
/** A casualty figure: best, and low and high when given. */
const figureArb = fc.record({ low: fc.nat(20), best: fc.integer({ min: 20, max: 40 }), high: fc.integer({ min: 40, max: 80 }) }, { requiredKeys: ['best'] });
const textArb = fc.string({ minLength: 1, maxLength: 12 });
const positionsArb = fc.uniqueArray(fc.constantFrom(...POSITION_IDS), { minLength: 1, maxLength: 3 });

const lonLatArb = fc.tuple(fc.double({ min: -180, max: 180, noNaN: true }), fc.double({ min: -90, max: 90, noNaN: true }));
const ringArb = fc.array(lonLatArb, { minLength: 3, maxLength: 5 }).map((corners) => [...corners, corners[0]!]);
/** GeoJSON areas as the API takes them: Polygons with holes, MultiPolygons. */
const areaArb = fc.oneof(
  fc.array(ringArb, { minLength: 1, maxLength: 2 }).map((rings) => ({ type: 'Polygon', coordinates: rings })),
  fc.array(fc.array(ringArb, { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 2 }).map((polygons) => ({ type: 'MultiPolygon', coordinates: polygons })),
);

const specArb = fc.record(
  {
    id: fc.constantFrom(...POSITION_IDS),
    name: textArb,
    nameAr: optional(fc.constantFrom('مخبز', 'حي التضامن')),
    kind: optional(fc.constantFrom('building', 'block', 'checkpoint')),
    weight: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.double({ min: 0.1, max: 3, noNaN: true })),
    coordinates: optional(lonLatArb),
    area: optional(areaArb),
    controller: fc.option(fc.constantFrom(...ACTORS), { nil: null }),
  },
  { requiredKeys: ['id', 'name', 'weight', 'controller'] },
);

/** Sources by name, some protected, some cited by several reports: the distinct sources a neighbourhood cites. */
const sourceArb = fc.record(
  { name: fc.constantFrom('field sources', 'Amaq', 'witness'), kind: fc.constant('field'), reliability: fc.constantFrom('A', 'C'), credibility: fc.constantFrom(1, 3), protected: optional(fc.boolean()) },
  { requiredKeys: ['name', 'kind', 'reliability', 'credibility'] },
);

const incidentBase = {
  neighbourhoodId: fc.constantFrom(...NEIGHBOURHOODS),
  occurredAt: instantArb,
  timePrecision: fc.constantFrom('exact', 'hour', 'day', 'week', 'month'),
  sources: fc.oneof(fc.constant([FIELD_SOURCE]), fc.array(sourceArb, { minLength: 1, maxLength: 3 })),
  notes: optional(textArb),
};

type Logged = { readonly stream: string; readonly type: string; readonly data: unknown };

const eventArb: fc.Arbitrary<Logged> = fc.oneof(
  fc
    .record(
      { actorId: fc.constantFrom(...ACTORS), name: textArb, nameAr: optional(textArb), side: fc.constantFrom('jihadist', 'pro-government'), kind: optional(fc.constantFrom('state', 'rebel')) },
      { requiredKeys: ['actorId', 'name', 'side'] },
    )
    .map((data) => ({ stream: actorStreamId(data.actorId), type: 'ActorRegistered', data })),
  fc
    .record(
      {
        neighbourhoodId: fc.constantFrom(...NEIGHBOURHOODS),
        name: textArb,
        nameAr: optional(textArb),
        city: fc.constant('Damascus'),
        country: fc.constant('SY'),
        controlAsOf: instantArb,
        outline: optional(areaArb),
        positions: fc.array(specArb, { maxLength: 3 }),
      },
      { requiredKeys: ['neighbourhoodId', 'name', 'city', 'country', 'controlAsOf', 'positions'] },
    )
    .map((data) => ({ stream: neighbourhoodStreamId(data.neighbourhoodId), type: 'NeighbourhoodRegistered', data })),
  fc
    .record({ neighbourhoodId: fc.constantFrom(...NEIGHBOURHOODS), positions: fc.array(specArb, { maxLength: 2 }) })
    .map((data) => ({ stream: neighbourhoodStreamId(data.neighbourhoodId), type: 'PositionsAdded', data })),
  fc
    .record(
      { ...incidentBase, attackers: fc.constant(['isis']), defenders: fc.constant(['regime']), targets: positionsArb, origin: optional(textArb) },
      { requiredKeys: ['neighbourhoodId', 'occurredAt', 'timePrecision', 'sources', 'attackers', 'defenders', 'targets'] },
    )
    .map((data) => ({ stream: neighbourhoodStreamId(data.neighbourhoodId), type: 'AttackLaunched', data })),
  fc
    .record(
      { ...incidentBase, by: fc.constantFrom(...ACTORS), against: fc.constantFrom(...ACTORS), targets: positionsArb },
      { requiredKeys: ['neighbourhoodId', 'occurredAt', 'timePrecision', 'sources', 'by', 'against', 'targets'] },
    )
    .map((data) => ({ stream: neighbourhoodStreamId(data.neighbourhoodId), type: 'CounterattackLaunched', data })),
  fc
    .record(
      { ...incidentBase, by: fc.constantFrom(...ACTORS), positions: positionsArb, from: fc.constant({}), attackId: optional(fc.uuid()) },
      { requiredKeys: ['neighbourhoodId', 'occurredAt', 'timePrecision', 'sources', 'by', 'positions', 'from'] },
    )
    .map((data) => ({ stream: neighbourhoodStreamId(data.neighbourhoodId), type: 'PositionCaptured', data })),
  fc
    .record(
      { ...incidentBase, by: fc.constantFrom(...ACTORS), positions: positionsArb, yieldedTo: optional(fc.constantFrom(...ACTORS)) },
      { requiredKeys: ['neighbourhoodId', 'occurredAt', 'timePrecision', 'sources', 'by', 'positions'] },
    )
    .map((data) => ({ stream: neighbourhoodStreamId(data.neighbourhoodId), type: 'ForcesRetreated', data })),
  fc
    .record(
      {
        ...incidentBase,
        actor: optional(fc.constantFrom(...ACTORS)),
        killed: figureArb,
        wounded: optional(figureArb),
      },
      { requiredKeys: ['neighbourhoodId', 'occurredAt', 'timePrecision', 'sources', 'killed'] },
    )
    .map((data) => ({ stream: neighbourhoodStreamId(data.neighbourhoodId), type: 'CasualtiesReported', data })),
  // The id of an earlier event (event-<n>), or of none; two retractions of one event may both be logged.
  fc
    .record({ neighbourhoodId: fc.constantFrom(...NEIGHBOURHOODS), eventId: fc.nat(40).map((n) => `event-${n}`), retractedType: fc.constant('AttackLaunched'), reason: textArb })
    .map((data) => ({ stream: neighbourhoodStreamId(data.neighbourhoodId), type: 'ReportRetracted', data })),
);

const entryArb = fc.record({ event: eventArb, recordedAt: instantArb });
const logArb = fc.array(entryArb, { minLength: 1, maxLength: 40 });

interface Log {
  readonly store: SqliteEventStore;
  readonly dir: string;
}

async function withLog<T>(entries: readonly { event: Logged; recordedAt: string | undefined; metadata?: unknown }[], use: (log: Log) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'log-window-'));
  const store = SqliteEventStore.openInDirectory(dir);
  try {
    let n = 0;
    for (const { event, recordedAt, metadata } of entries) {
      await store.append(
        event.stream,
        [{ eventId: `event-${n++}`, type: event.type, data: event.data, metadata: (metadata as Record<string, unknown> | undefined) ?? { recordedAt, recordedBy: 'writer-test' } }],
        'any',
      );
    }
    return await use({ store, dir });
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

let models = 0;
function newModel(log: Log, definition: ReadModelDeclaration): ReadModelFile {
  models += 1;
  return ReadModelFile.create(join(log.dir, `${definition.name}.${models}.sqlite`), definition);
}

/** The reference: every event through the filers, in one batch. */
async function throughFilers(log: Log, definition: ReadModelDeclaration): Promise<{ outcome: ApplyOutcome; tables: Record<string, unknown[]> }> {
  const file = newModel(log, definition);
  try {
    const head = await log.store.headPosition();
    const outcome = applyOrStopAtFailure(file, await readAllEvents(log.store), head);
    return { outcome, tables: dumpTables(file.db, definition) };
  } finally {
    file.close();
  }
}

/** As a writer thread catches up: window after window, until one fails. */
async function byWindows(log: Log, definition: ReadModelDeclaration, window: number): Promise<{ outcome: ApplyOutcome; tables: Record<string, unknown[]> }> {
  const file = newModel(log, definition);
  try {
    const head = await log.store.headPosition();
    let outcome: ApplyOutcome = { position: 0 };
    while (outcome.position < head && outcome.failure === undefined) {
      outcome = fileLogWindow(file, log.store.sqlLog, outcome.position, Math.min(head, outcome.position + window));
    }
    return { outcome, tables: dumpTables(file.db, definition) };
  } finally {
    file.close();
  }
}

describe('projections: filing windows of the log in SQL', () => {
  it.each(PROJECTIONS.map((definition) => [definition.name, definition] as const))(
    '%s: files every log the domain can write exactly as its filers do, in SQL alone',
    async (_name, definition) => {
      await fc.assert(
        fc.asyncProperty(logArb, fc.integer({ min: 1, max: 12 }), async (entries, window) =>
          withLog(
            entries.map(({ event, recordedAt }) => ({ event, recordedAt })),
            async (log) => {
              const reference = await throughFilers(log, definition);
              expect(reference.outcome.failure).toBeUndefined();
              // In SQL alone: applyLogWindow throws rather than fall back.
              const file = newModel(log, definition);
              try {
                const head = await log.store.headPosition();
                for (let after = 0; after < head; after += window) {
                  expect(file.applyLogWindow(log.store.sqlLog, after, Math.min(head, after + window))).toBe(Math.min(head, after + window));
                }
                expect(dumpTables(file.db, definition)).toEqual(reference.tables);
              } finally {
                file.close();
              }
            },
          ),
        ),
        { numRuns: 40 },
      );
    },
    60_000,
  );

  it('skips what the checkpoint already covers, so a window filed twice changes nothing', async () => {
    const [entries] = fc.sample(fc.array(entryArb, { minLength: 25, maxLength: 40 }), { numRuns: 1, seed: 7 });
    await withLog(entries!, async (log) => {
      const definition = PROJECTIONS[0]!;
      const file = newModel(log, definition);
      try {
        const head = await log.store.headPosition();
        expect(file.applyLogWindow(log.store.sqlLog, 0, 10)).toBe(10);
        const once = dumpTables(file.db, definition);
        expect(file.applyLogWindow(log.store.sqlLog, 0, 10)).toBe(10);
        expect(file.applyLogWindow(log.store.sqlLog, 5, 8)).toBe(10);
        expect(dumpTables(file.db, definition)).toEqual(once);
        expect(file.applyLogWindow(log.store.sqlLog, 5, head)).toBe(head);
        expect(dumpTables(file.db, definition)).toEqual((await throughFilers(log, definition)).tables);
      } finally {
        file.close();
      }
    });
  });

  /** Events the decider never writes, each of a shape the declarations refuse. */
  const misshapenEvents: readonly [string, Logged, unknown?][] = [
    ['an occurredAt that is no instant', capture({ occurredAt: 'Wednesday morning' })],
    ['an occurredAt that is a number', capture({ occurredAt: 5 })],
    ['a number where text belongs', capture({ by: 5 })],
    ['a boolean where text belongs', capture({ neighbourhoodId: true })],
    ['an object where text belongs', capture({ by: { name: 'isis' } })],
    ['a missing list', capture({ positions: undefined })],
    ['a string where a list belongs', attack({ targets: 'p1' })],
    ['a target that is no string', attack({ targets: ['p1', 7] })],
    ['a captured position that is no string', capture({ positions: ['p1', { id: 'p2' }] })],
    ['data that is no object', { stream: neighbourhoodStreamId('tadamon'), type: 'CasualtiesReported', data: ['killed'] }],
    ['a position spec that is no object', registration({ positions: ['p0'] })],
    ['a position spec with a boolean name', registration({ positions: [{ id: 'p0', name: true, weight: 1, controller: null }] })],
    ['a retraction whose reason is a number', { stream: neighbourhoodStreamId('tadamon'), type: 'ReportRetracted', data: { neighbourhoodId: 'tadamon', eventId: 'event-1', retractedType: 'AttackLaunched', reason: 12 } }],
    ['an actor whose side is a list', { stream: actorStreamId('isis'), type: 'ActorRegistered', data: { actorId: 'isis', name: 'ISIS', side: ['a'] } }],
    ['a position area that is text', registration({ positions: [{ id: 'p0', name: 'p0', weight: 1, controller: null, area: 'POLYGON((0 0, 1 0, 1 1, 0 0))' }] })],
    ['an outline that is a number', registration({ outline: 5 })],
    ['a casualty figure that is text', { stream: neighbourhoodStreamId('tadamon'), type: 'CasualtiesReported', data: { neighbourhoodId: 'tadamon', occurredAt: '2018-04-18T09:00:00Z', timePrecision: 'hour', sources: [FIELD_SOURCE], killed: { best: '3' } } }],
    ['a protected flag that is text', capture({ sources: [{ ...FIELD_SOURCE, protected: 'yes' }] })],
    ['no recordedAt', capture({}), { recordedBy: 'writer-test' }],
    ['a recordedAt that is a number', capture({}), { recordedAt: 1_524_000_000_000 }],
  ];
  // One argument per case: jest takes a test function with more parameters than a row has for one that waits for done().
  const misshapen = misshapenEvents.map(([what, odd, metadata]) => ({ what, odd, metadata }));

  /** A failure as the runner reports it, less the stack (which differs with the path that called the filers). */
  const comparable = ({ outcome, tables }: { outcome: ApplyOutcome; tables: Record<string, unknown[]> }) => {
    const { stack: _stack, ...failure } = outcome.failure ?? { stack: undefined };
    return { position: outcome.position, failure, tables };
  };

  it.each(misshapen)('with $what, filing by windows ends exactly as the filers do', async ({ odd, metadata }) => {
    const [before, after] = fc.sample(logArb, { numRuns: 2, seed: 11 });
    const entries = [
      ...before!,
      { event: odd, recordedAt: '2018-04-19T08:00:00.000Z', ...(metadata === undefined ? {} : { metadata }) },
      ...after!,
    ];
    await withLog(entries, async (log) => {
      for (const definition of PROJECTIONS) {
        const reference = comparable(await throughFilers(log, definition));
        for (const window of [1, 7, 1000]) {
          expect({ projection: definition.name, window, ...comparable(await byWindows(log, definition, window)) }).toEqual({
            projection: definition.name,
            window,
            ...reference,
          });
        }
      }
    });
  });

  it.each(misshapen)('with $what, SQL alone files it as the filers do, or refuses the window and commits nothing', async ({ odd, metadata }) => {
    await withLog([{ event: odd, recordedAt: '2018-04-19T08:00:00.000Z', ...(metadata === undefined ? {} : { metadata }) }], async (log) => {
      const refusedBy: string[] = [];
      for (const definition of PROJECTIONS) {
        const file = newModel(log, definition);
        try {
          let filed = true;
          try {
            file.applyLogWindow(log.store.sqlLog, 0, 1);
          } catch {
            filed = false;
          }
          if (filed) {
            expect(dumpTables(file.db, definition)).toEqual((await throughFilers(log, definition)).tables);
          } else {
            refusedBy.push(definition.name);
            expect(file.readSnapshot((position) => position)).toBe(0);
            expect(Object.values(dumpTables(file.db, definition)).flat()).toEqual([]);
          }
        } finally {
          file.close();
        }
      }
      // Every case is one that some projection's SQL must not file as it stands.
      expect(refusedBy).not.toEqual([]);
    });
  });

  it('refuses JSON that SQLite reads and JSON.parse does not, and names that event', async () => {
    await withLog([{ event: capture({}), recordedAt: '2018-04-19T08:00:00.000Z' }], async (log) => {
      // Written into the file by other means than the store: JSON5, which SQLite's JSON functions accept.
      const raw = new Database(log.store.sqlLog.file);
      try {
        raw
          .prepare('INSERT INTO events (event_id, stream_id, revision, type, data, metadata) VALUES (?, ?, ?, ?, ?, ?)')
          .run('event-json5', neighbourhoodStreamId('tadamon'), 1, 'CasualtiesReported', "{neighbourhoodId: 'tadamon', occurredAt: '2018-04-18T09:00:00Z', timePrecision: 'hour', killed: {best: 1},}", '{"recordedAt":"2018-04-19T08:00:00.000Z"}');
      } finally {
        raw.close();
      }
      for (const definition of PROJECTIONS.filter((candidate) => candidate.name !== 'actors')) {
        // The store itself cannot read it either.
        await expect(throughFilers(log, definition)).rejects.toThrow(SyntaxError);
        const { outcome } = await byWindows(log, definition, 1000);
        expect(outcome).toMatchObject({ position: 1, failure: { eventId: 'event-json5', position: 2 } });
        expect(outcome.failure!.message).toContain('not JSON');
      }
    });
  });

  it('never moves the checkpoint past the head of the log, which would skip what is appended there later', async () => {
    await withLog([{ event: capture({}), recordedAt: '2018-04-19T08:00:00.000Z' }], async (log) => {
      const definition = PROJECTIONS[0]!;
      const file = newModel(log, definition);
      try {
        expect(file.applyLogWindow(log.store.sqlLog, 0, 10)).toBe(1);
        await log.store.append(neighbourhoodStreamId('tadamon'), [{ eventId: 'event-late', type: 'CasualtiesReported', data: { neighbourhoodId: 'tadamon', occurredAt: '2018-04-18T10:00:00Z', timePrecision: 'hour', sources: [FIELD_SOURCE], killed: { best: 2 } }, metadata: { recordedAt: '2018-04-19T09:00:00.000Z' } }], 'any');
        expect(file.applyLogWindow(log.store.sqlLog, 1, 10)).toBe(2);
        expect(dumpTables(file.db, definition)).toEqual((await throughFilers(log, definition)).tables);
      } finally {
        file.close();
      }
    });
  });

  it('detaches the log again when its statements cannot be prepared, so that the next window tries afresh', async () => {
    await withLog([{ event: capture({}), recordedAt: '2018-04-19T08:00:00.000Z' }], async (log) => {
      const definition = PROJECTIONS[0]!;
      const file = newModel(log, definition);
      try {
        const missing = { ...log.store.sqlLog, table: 'nowhere' };
        expect(() => file.applyLogWindow(missing, 0, 1)).toThrow(/no such table: log.nowhere/);
        expect(() => file.applyLogWindow(missing, 0, 1)).toThrow(/no such table: log.nowhere/);
        expect(file.applyLogWindow(log.store.sqlLog, 0, 1)).toBe(1);
        expect(dumpTables(file.db, definition)).toEqual((await throughFilers(log, definition)).tables);
      } finally {
        file.close();
      }
    });
  });

  it('names the event a refused window stopped at', async () => {
    await withLog([{ event: capture({ by: 5 }), recordedAt: '2018-04-19T08:00:00.000Z' }], async (log) => {
      const file = newModel(log, PROJECTIONS[0]!);
      try {
        expect(() => file.applyLogWindow(log.store.sqlLog, 0, 1)).toThrow(LogWindowUnfileable);
        expect(() => file.applyLogWindow(log.store.sqlLog, 0, 1)).toThrow(/position 1 is left to the filers/);
      } finally {
        file.close();
      }
    });
  });
});

function capture(overrides: Record<string, unknown>): Logged {
  const data: Record<string, unknown> = {
    neighbourhoodId: 'tadamon',
    by: 'isis',
    positions: ['p1'],
    from: {},
    occurredAt: '2018-04-18T09:00:00Z',
    timePrecision: 'hour',
    sources: [FIELD_SOURCE],
    ...overrides,
  };
  // JSON drops undefined: the key is missing from the logged data.
  return { stream: neighbourhoodStreamId('tadamon'), type: 'PositionCaptured', data };
}

function attack(overrides: Record<string, unknown>): Logged {
  const data = { neighbourhoodId: 'tadamon', attackers: ['isis'], defenders: ['regime'], targets: ['p1'], occurredAt: '2018-04-18T05:00:00Z', timePrecision: 'hour', sources: [FIELD_SOURCE], ...overrides };
  return { stream: neighbourhoodStreamId('tadamon'), type: 'AttackLaunched', data };
}

function registration(overrides: Record<string, unknown>): Logged {
  const data = { neighbourhoodId: 'tadamon', name: 'Tadamon', city: 'Damascus', country: 'SY', controlAsOf: '2018-04-16T00:00:00Z', positions: [], ...overrides };
  return { stream: neighbourhoodStreamId('tadamon'), type: 'NeighbourhoodRegistered', data };
}
