import { jest } from '@jest/globals';
import { parse } from 'csv-parse/sync';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { PLACEHOLDER_DATES as T, TADAMON_POSITIONS as P } from '../../scripts/tadamon-scenario.js';
import { actorStreamId, neighbourhoodStreamId } from '../../src/domain/index.js';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store.js';
import { ProjectionEngine } from '../../src/projections/projection-engine.js';
import { KEYS, type KeyRole, type RunningApp, playScenario, startApp, temporaryDataDir } from './app-harness.js';

/*
 * The exports over HTTP: timeline CSV (one neighbourhood's and across neighbourhoods) parsed back
 * to exactly what the paged JSON timeline answers under every filter, control-history CSV against
 * a fold of the JSON timeline, the city-wide GeoJSON against each neighbourhood's, and, on a log
 * of 20,000 reports, an export streamed a page at a time under the cap on heavy queries.
 */
const TADAMON = '/v1/neighbourhoods/damascus-tadamon';
const field = { name: 'field sources', kind: 'field', reliability: 'C', credibility: 3 };
const SECRET = 'Abu Hadi, baker of the night shift';
const baker = { name: SECRET, kind: 'informant', reliability: 'B', credibility: 2, protected: true, reportedAt: '2018-04-20T12:00:00+03:00' };

const TIMELINE_COLUMNS = [
  'eventId',
  'neighbourhoodId',
  'type',
  'occurredAt',
  'timePrecision',
  'reportedAt',
  'recordedAt',
  'standing',
  'status',
  'retracted',
  'data',
  'sources',
  'assessments',
  'conflictsWith',
  'corroborates',
];
const JSON_COLUMNS = new Set(['data', 'sources', 'assessments', 'conflictsWith', 'corroborates']);
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** A cell as written, without the `'` that keeps a spreadsheet from reading it as a formula. */
const unescapeFormula = (cell: string): string => (/^'[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/.test(cell) ? cell.slice(1) : cell);

interface RawAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly bytes: Buffer;
}

/** Parses a CSV export as RFC 4180, checking its form: BOM, header, CRLF. */
function parseCsv(bytes: Buffer, columns: readonly string[]): Record<string, string>[] {
  expect(bytes.subarray(0, 3)).toEqual(BOM);
  const text = bytes.subarray(3).toString('utf8');
  expect(text.startsWith(`${columns.join(',')}\r\n`)).toBe(true);
  // Every line ends with CRLF: no bare LF outside quoted cells (JSON cells never hold raw line breaks).
  expect(text.replaceAll('\r\n', '')).not.toMatch(/[\r\n]/);
  const records = parse(text, { columns: true, record_delimiter: '\r\n', relax_quotes: false }) as Record<string, string>[];
  return records.map((record) => Object.fromEntries(Object.entries(record).map(([key, cell]) => [key, unescapeFormula(cell)])));
}

/** A timeline item as the CSV row it must parse back to. */
function expectedRow(item: any): Record<string, unknown> {
  return {
    eventId: item.eventId,
    neighbourhoodId: item.neighbourhoodId,
    type: item.type,
    occurredAt: item.occurredAt,
    timePrecision: item.timePrecision,
    reportedAt: item.reportedAt,
    recordedAt: item.recordedAt,
    standing: item.standing,
    status: item.status,
    retracted: String(item.retracted),
    data: item.data,
    sources: item.sources,
    assessments: item.assessments,
    conflictsWith: item.conflictsWith ?? null,
    corroborates: item.corroborates ?? null,
  };
}

/** A parsed CSV row with its JSON cells read (an empty cell: none). */
function readRow(row: Record<string, string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).map(([key, cell]) => [key, JSON_COLUMNS.has(key) ? (cell === '' ? null : JSON.parse(cell)) : cell]));
}

describe('exports over HTTP', () => {
  const data = temporaryDataDir();
  let app: RunningApp;
  let ids: Record<string, string>;
  let lastPosition: number;
  let between: string;

  const raw = async (path: string, as: KeyRole = 'analyst'): Promise<RawAnswer> => {
    const response = await fetch(`${app.url}${path}`, { headers: { authorization: `Bearer ${KEYS[as]}` } });
    return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
  };
  const ok = async (path: string, as: KeyRole = 'analyst') => {
    const answer = await app.get(path, { as });
    expect({ path, status: answer.status }).toEqual({ path, status: 200 });
    return answer.body;
  };
  /** Every item of a paged JSON list. */
  const walk = async (path: string, as: KeyRole = 'analyst'): Promise<any[]> => {
    const items: any[] = [];
    let cursor: string | undefined;
    do {
      const body = await ok(`${path}${path.includes('?') ? '&' : '?'}limit=7${cursor === undefined ? '' : `&cursor=${cursor}`}`, as);
      items.push(...body.items);
      cursor = body.nextCursor;
    } while (cursor !== undefined);
    return items;
  };
  const written = (answer: { status: number; body: any }) => {
    expect({ status: answer.status, body: answer.status === 201 ? undefined : answer.body }).toEqual({ status: 201, body: undefined });
    lastPosition = Math.max(lastPosition, answer.body.position);
    return answer.body;
  };

  beforeAll(async () => {
    app = await startApp(data.dir);
    ({ ids, lastPosition } = await playScenario(app));
    await new Promise((resolve) => setTimeout(resolve, 2));
    between = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 2));
    written(await app.post(`${TADAMON}/positions`, { positions: [{ id: 'tunnel', name: 'Tunnel under Nasrin street', kind: 'landmark', controller: 'isis' }] }));
    written(await app.post(`${TADAMON}/captures`, { by: 'ndf', positions: [P.southern], occurredAt: '2018-04-20T05:00:00+03:00', timePrecision: 'hour', sources: [field, baker] }));
    written(await app.post(`${TADAMON}/retreats`, { by: 'isis', positions: ['tunnel', P.isisPart], occurredAt: '2018-04-20T06:00:00Z', timePrecision: 'day', sources: [baker] }));
    const late = written(await app.post(`${TADAMON}/captures`, { by: 'ndf', positions: [P.regimePart], occurredAt: '2018-04-17T12:00:00Z', sources: [field] }));
    written(await app.post(`${TADAMON}/retractions`, { eventId: late.eventId, reason: 'false report' }, { as: 'admin' }));
    written(await app.post(`${TADAMON}/casualties`, { actor: 'ndf', killed: { best: 2 }, occurredAt: '2018-04-20T07:00:00Z', sources: [baker], notes: '=HYPERLINK("http://example.org")' }));
    // Every read model has filed everything before the exports are compared with the JSON answers.
    await ok(`/v1/actors?minPosition=${lastPosition}`);
    await ok(`${TADAMON}/timeline?minPosition=${lastPosition}`);
    await ok(`${TADAMON}/control?minPosition=${lastPosition}`);
  }, 60_000);

  afterAll(async () => {
    await app.stop();
    data.remove();
  });

  describe('timeline CSV', () => {
    const filters = [
      '',
      'type=PositionCaptured',
      'type=AttackLaunched&type=CasualtiesReported',
      'actor=isis',
      `from=${encodeURIComponent(T.wednesdayCaptures)}&to=${encodeURIComponent('2018-04-19T18:00:00+03:00')}`,
      'standing=conflicting',
      'standing=corroborating',
      'status=disputed',
      'status=unverified',
      `source=${encodeURIComponent('field sources')}`,
      `source=${encodeURIComponent(SECRET)}`,
      // Replaced by the instant between the scenario and the reports recorded after it.
      'knownAt=<between>',
      `reportedBy=${encodeURIComponent(T.amaqPublished)}`,
      'type=ForcesRetreated&actor=ndf',
    ];

    it.each(filters.flatMap((filter) => [['analyst', filter] as const, ['admin', filter] as const]))(
      'parses back, as %s, to the paged JSON timeline with %p',
      async (as, given) => {
        const filter = given.replace('<between>', encodeURIComponent(between));
        for (const [json, csv] of [
          [`${TADAMON}/timeline?${filter}`, `${TADAMON}/timeline.csv?${filter}`],
          [`/v1/timeline?${filter}`, `/v1/timeline.csv?${filter}`],
          [`/v1/timeline?city=Damascus&${filter}`, `/v1/timeline.csv?city=Damascus&${filter}`],
        ] as const) {
          const items = await walk(json, as);
          const answer = await raw(csv, as);
          expect({ csv, status: answer.status }).toEqual({ csv, status: 200 });
          expect(parseCsv(answer.bytes, TIMELINE_COLUMNS).map(readRow)).toEqual(items.map(expectedRow));
        }
      },
    );

    it('holds what the filters pick (the comparisons above are not vacuous), and redacts protected sources for analysts', async () => {
      for (const filter of filters) {
        const rows = parseCsv((await raw(`/v1/timeline.csv?${filter.replace('<between>', encodeURIComponent(between))}`, 'admin')).bytes, TIMELINE_COLUMNS);
        expect({ filter, some: rows.length > 0 }).toEqual({ filter, some: true });
      }
      const everything = parseCsv((await raw(`/v1/timeline.csv`)).bytes, TIMELINE_COLUMNS).length;
      expect(parseCsv((await raw(`/v1/timeline.csv?knownAt=${encodeURIComponent(between)}`)).bytes, TIMELINE_COLUMNS).length).toBeLessThan(everything);
      const all = parseCsv((await raw('/v1/timeline.csv')).bytes, TIMELINE_COLUMNS).map(readRow);
      expect(new Set(all.map((row) => row.standing))).toEqual(new Set(['accepted', 'corroborating', 'conflicting']));
      expect(all.some((row) => row.retracted === 'true')).toBe(true);
      expect(all.some((row) => (row.assessments as unknown[]).length > 0)).toBe(true);
      expect((await raw('/v1/timeline.csv')).bytes.toString('utf8')).not.toContain('Abu Hadi');
      expect((await raw('/v1/timeline.csv', 'admin')).bytes.toString('utf8')).toContain('Abu Hadi');
      // An analyst's source= never matches a protected source; an admin's does.
      expect(parseCsv((await raw(`/v1/timeline.csv?source=${encodeURIComponent(SECRET)}`)).bytes, TIMELINE_COLUMNS)).toEqual([]);
      expect(parseCsv((await raw(`/v1/timeline.csv?source=${encodeURIComponent(SECRET)}`, 'admin')).bytes, TIMELINE_COLUMNS)).toHaveLength(3);
    });

    it('is an attachment of text/csv, streamed, with every instant in UTC with milliseconds', async () => {
      const answer = await raw(`${TADAMON}/timeline.csv`);
      expect(answer.headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present');
      expect(answer.headers.get('content-disposition')).toBe('attachment; filename="damascus-tadamon-timeline.csv"');
      expect(answer.headers.get('transfer-encoding')).toBe('chunked');
      const instants = answer.bytes.toString('utf8').match(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}[^",\r\n\\]*/g) ?? [];
      expect(instants.length).toBeGreaterThan(50);
      for (const instant of instants) expect(instant).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    });

    it.each(['limit=10', 'cursor=abc', 'limit='])('refuses %s (400): an export streams every item', async (query) => {
      for (const path of [`${TADAMON}/timeline.csv?${query}`, `/v1/timeline.csv?${query}`]) {
        const answer = await app.get(path);
        expect(answer).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
        expect(answer.body.details[0].problems[0]).toMatch(/does not apply to an export/);
      }
    });

    it('refuses what the JSON timeline refuses, and an unknown neighbourhood, before it begins', async () => {
      expect(await app.get(`${TADAMON}/timeline.csv?from=yesterday`)).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
      expect(await app.get(`${TADAMON}/timeline.csv?source=a&source=b`)).toMatchObject({ status: 400 });
      expect(await app.get(`/v1/timeline.csv?colour=red`)).toMatchObject({ status: 400 });
      expect(await app.get('/v1/neighbourhoods/damascus-nowhere/timeline.csv')).toMatchObject({ status: 404, body: { code: 'NEIGHBOURHOOD_NOT_FOUND' } });
      expect(await app.get(`${TADAMON}/timeline.csv`, { as: null })).toMatchObject({ status: 401 });
      expect(await app.get(`${TADAMON}/timeline.csv`, { as: 'writer' })).toMatchObject({ status: 403 });
    });
  });

  describe('control-history CSV', () => {
    const COLUMNS = ['positionId', 'previousController', 'controller', 'at', 'eventId', 'standing', 'status'];

    /** The changes of hands, folded here from the JSON timeline's accepted reports and the registration's baseline. */
    const foldedChanges = async () => {
      const detail = await ok(TADAMON);
      const holders = new Map<string, string | null>(detail.positions.map((p: { id: string; baselineController: string | null }) => [p.id, p.baselineController]));
      const rows: Record<string, string>[] = [];
      for (const item of await walk(`${TADAMON}/timeline?type=PositionCaptured&type=ForcesRetreated`)) {
        if (item.standing !== 'accepted' || item.status === 'refuted' || item.retracted) continue;
        const controller = item.type === 'PositionCaptured' ? item.data.by : (item.data.yieldedTo ?? null);
        for (const positionId of item.data.positions as string[]) {
          const previous = holders.get(positionId) ?? null;
          if (previous === controller) continue;
          holders.set(positionId, controller);
          rows.push({ positionId, previousController: previous ?? '', controller: controller ?? '', at: item.occurredAt, eventId: item.eventId, standing: item.standing, status: item.status });
        }
      }
      return rows;
    };

    it('has one row per change of controller in the accepted timeline, none for the baseline', async () => {
      const answer = await raw(`${TADAMON}/control-history.csv`);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-disposition')).toBe('attachment; filename="damascus-tadamon-control-history.csv"');
      const rows = parseCsv(answer.bytes, COLUMNS);
      expect(rows).toEqual(await foldedChanges());
      // A retreat without yieldedTo leaves the position to nobody: an empty cell.
      expect(rows).toContainEqual(expect.objectContaining({ positionId: 'tunnel', previousController: 'isis', controller: '' }));
      // The retracted late report and the conflicting handover claim change nothing.
      expect(rows.map((row) => row.eventId)).not.toContain(ids['handover-claim']);
      expect(rows.some((row) => row.status === 'confirmed')).toBe(true);
    });

    it('bounds the changes by from and to (inclusive), still knowing who held each position before', async () => {
      const all = await foldedChanges();
      const from = '2018-04-18T23:00:00Z';
      const to = '2018-04-20T02:00:00Z';
      const rows = parseCsv((await raw(`${TADAMON}/control-history.csv?from=${from}&to=${encodeURIComponent(to)}`)).bytes, COLUMNS);
      expect(rows).toEqual(all.filter((row) => Date.parse(row.at!) >= Date.parse(from) && Date.parse(row.at!) <= Date.parse(to)));
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.length).toBeLessThan(all.length);
      expect(rows[0]).toMatchObject({ at: '2018-04-18T23:00:00.000Z' });
      expect(await app.get(`${TADAMON}/control-history.csv?limit=5`)).toMatchObject({ status: 400 });
      expect(await app.get('/v1/neighbourhoods/damascus-nowhere/control-history.csv')).toMatchObject({ status: 404, body: { code: 'NEIGHBOURHOOD_NOT_FOUND' } });
    });
  });

  describe('control GeoJSON of every neighbourhood', () => {
    const asOf = encodeURIComponent('2018-04-20T12:00:00+03:00');

    it('holds the features of each neighbourhood, by id, each with its neighbourhoodId, null geometries included', async () => {
      const answer = await raw(`/v1/control.geojson?asOf=${asOf}`);
      expect(answer.headers.get('content-type')).toBe('application/geo+json');
      expect(answer.headers.get('transfer-encoding')).toBe('chunked');
      const map = JSON.parse(answer.bytes.toString('utf8'));
      const neighbourhoods = await walk('/v1/neighbourhoods');
      const expected = [];
      for (const { id } of neighbourhoods) expected.push(...(await ok(`/v1/neighbourhoods/${id}/control.geojson?asOf=${asOf}&knownAt=${encodeURIComponent(map.knownAt)}`)).features);
      expect(map).toEqual({ type: 'FeatureCollection', asOf: '2018-04-20T09:00:00.000Z', knownAt: expect.stringMatching(/\.\d{3}Z$/), position: expect.any(Number), features: expected });
      expect(map.features.find((feature: { id: string }) => feature.id === 'tunnel')).toMatchObject({ geometry: null, properties: { neighbourhoodId: 'damascus-tadamon', controller: null } });
      expect(new Set(map.features.map((feature: any) => feature.properties.neighbourhoodId)).size).toBe(4);
    });

    it('takes a city, and knownAt', async () => {
      expect(JSON.parse((await raw(`/v1/control.geojson?asOf=${asOf}&city=Aleppo`)).bytes.toString('utf8'))).toMatchObject({ city: 'Aleppo', features: [] });
      const before = JSON.parse((await raw(`/v1/control.geojson?knownAt=2000-01-01T00:00:00Z`)).bytes.toString('utf8'));
      expect(before).toMatchObject({ knownAt: '2000-01-01T00:00:00.000Z', features: [] });
      expect(await app.get('/v1/control.geojson?limit=3')).toMatchObject({ status: 400 });
    });
  });

  describe('CSV cells a spreadsheet would read as formulas', () => {
    it("keeps notes beginning with = inside the JSON of data, where no spreadsheet evaluates them", async () => {
      const rows = parseCsv((await raw(`${TADAMON}/timeline.csv?type=CasualtiesReported&actor=ndf`)).bytes, TIMELINE_COLUMNS);
      expect(rows.map((row) => JSON.parse(row.data!).notes)).toContain('=HYPERLINK("http://example.org")');
      for (const row of rows) for (const cell of Object.values(row)) expect(cell).not.toMatch(/^[=+\-@]/);
    });
  });
});

describe('a large export', () => {
  const REPORTS = 20_000;
  const NOTES = 'Shelling reported along the southern blocks; '.repeat(20);
  const data = temporaryDataDir();
  let app: RunningApp;
  let head: number;

  beforeAll(async () => {
    // Written straight into the embedded store before the server starts: it files them as it catches up.
    const store = SqliteEventStore.openInDirectory(data.dir);
    const recorded = (at: string) => ({ recordedAt: at, recordedBy: 'writer-test' });
    await store.append(actorStreamId('isis'), [{ eventId: randomUUID(), type: 'ActorRegistered', data: { actorId: 'isis', name: 'ISIS', side: 'isis' }, metadata: recorded('2018-04-16T00:00:00.000Z') }], 'any');
    await store.append(
      neighbourhoodStreamId('raqqa-old-city'),
      [
        {
          eventId: randomUUID(),
          type: 'NeighbourhoodRegistered',
          data: { neighbourhoodId: 'raqqa-old-city', name: 'Old city', city: 'Raqqa', country: 'Syria', controlAsOf: '2017-01-01T00:00:00Z', positions: [{ id: 'p', name: 'P', weight: 1, controller: 'isis' }] },
          metadata: recorded('2018-04-16T00:00:00.000Z'),
        },
      ],
      'any',
    );
    for (let start = 0; start < REPORTS; start += 1000) {
      const batch = Array.from({ length: 1000 }, (_, i) => {
        const n = start + i;
        const occurredAt = new Date(Date.UTC(2017, 1, 1) + n * 60_000).toISOString();
        return {
          eventId: randomUUID(),
          type: 'CasualtiesReported',
          data: { neighbourhoodId: 'raqqa-old-city', actor: 'isis', killed: { best: n % 7 }, occurredAt, timePrecision: 'exact', sources: [field], notes: `${n}: ${NOTES}` },
          metadata: recorded('2018-04-17T00:00:00.000Z'),
        };
      });
      await store.append(neighbourhoodStreamId('raqqa-old-city'), batch, 'any');
    }
    head = await store.headPosition();
    await store.close();
    app = await startApp(data.dir, { env: { TIMELINE_MAX_HEAVY_QUERIES: '1' } });
    // Catching up may take longer than one minPosition wait.
    for (;;) {
      const answer = await app.get(`/v1/neighbourhoods/raqqa-old-city/timeline?limit=1&minPosition=${head}`);
      if (answer.status === 200) break;
      expect(answer.body.code).toBe('PROJECTION_LAGGING');
    }
  }, 120_000);

  afterAll(async () => {
    await app.stop();
    data.remove();
  });

  /** An export request whose answer is not read until `resume` (Node's client stops reading the socket: the server's writes back up). */
  const pausedRequest = (path: string) =>
    new Promise<{ status: number; firstChunk: Buffer; resume: () => Promise<Buffer> }>((resolve, reject) => {
      const request = http.get(`${app.url}${path}`, { headers: { authorization: `Bearer ${KEYS.analyst}` }, agent: false }, (response) => {
        response.once('data', (firstChunk: Buffer) => {
          response.pause();
          const chunks: Buffer[] = [firstChunk];
          resolve({
            status: response.statusCode!,
            firstChunk,
            resume: () =>
              new Promise<Buffer>((done, fail) => {
                response.on('data', (chunk: Buffer) => chunks.push(chunk));
                response.once('end', () => done(Buffer.concat(chunks)));
                response.once('error', fail);
                response.resume();
              }),
          });
        });
      });
      request.once('error', reject);
    });

  it('streams 20,000 reports a page at a time, holding its heavy-query slot while the client reads, and parses back whole', async () => {
    const reads = jest.spyOn(ProjectionEngine.prototype, 'read');
    try {
      const paused = await pausedRequest('/v1/neighbourhoods/raqqa-old-city/timeline.csv');
      expect(paused.status).toBe(200);
      expect(paused.firstChunk.subarray(0, 3)).toEqual(BOM);

      // The export is under way: the cap (1) refuses other heavy queries, with Retry-After; light queries are answered.
      const busy = await app.get('/v1/timeline.csv');
      expect(busy).toMatchObject({ status: 503, body: { code: 'SERVER_BUSY' } });
      expect(busy.headers.get('retry-after')).toBe('5');
      expect(await app.get('/v1/neighbourhoods/raqqa-old-city/control?claims=all')).toMatchObject({ status: 503, body: { code: 'SERVER_BUSY' } });
      expect(await app.get('/v1/neighbourhoods/raqqa-old-city/control')).toMatchObject({ status: 200 });

      // While the client does not read, the server has read a bounded part of the log: what the
      // socket's buffers hold (a few MB of the answer's tens), never the whole read model.
      const pages = () => reads.mock.calls.filter(([name]) => name === 'neighbourhood-timeline').length;
      let seen = -1;
      for (let quiet = 0; quiet < 20; quiet = pages() === seen ? quiet + 1 : 0) {
        seen = pages();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const pagesWhilePaused = pages();
      expect(pagesWhilePaused).toBeLessThan(REPORTS / 500 / 2);

      const bytes = await paused.resume();
      expect(bytes.length).toBeGreaterThan(20 * 1024 * 1024);
      expect(pages()).toBeGreaterThanOrEqual(REPORTS / 500);
      const rows = parseCsv(bytes, TIMELINE_COLUMNS);
      expect(rows).toHaveLength(REPORTS);
      const notes = rows.map((row) => Number.parseInt(JSON.parse(row.data!).notes as string, 10));
      expect(notes).toEqual(Array.from({ length: REPORTS }, (_, n) => n));
    } finally {
      reads.mockRestore();
    }

    // Once it is over, its slot is free again.
    const after = await fetch(`${app.url}/v1/neighbourhoods/raqqa-old-city/timeline.csv?from=2017-02-01T00:00:00Z&to=2017-02-01T00:09:00Z`, {
      headers: { authorization: `Bearer ${KEYS.analyst}` },
    });
    expect(after.status).toBe(200);
    expect(parseCsv(Buffer.from(await after.arrayBuffer()), TIMELINE_COLUMNS)).toHaveLength(10);
  }, 120_000);
});
