import { PLACEHOLDER_DATES as T, TADAMON_POSITIONS as P } from '../../scripts/tadamon-scenario.js';
import { type KeyRole, type RunningApp, playScenario, startApp, temporaryDataDir } from './app-harness.js';

/*
 * The analyst's queries over HTTP: a neighbourhood's detail, the timeline across neighbourhoods,
 * casualties per actor, what /control, the GeoJSON and holdings say of each position (its
 * registration, its area, whether asOf lies in a precision window), paging to the end of every
 * list, ACTOR_NOT_FOUND, and instants written in UTC with milliseconds everywhere.
 */
const TADAMON = '/v1/neighbourhoods/damascus-tadamon';
const field = { name: 'field sources', kind: 'field', reliability: 'C', credibility: 3 };
const SECRET = 'Umm Yusuf, nurse at the field hospital';
const nurse = { name: SECRET, kind: 'informant', reliability: 'B', credibility: 2, protected: true };

/** A square around (lon, lat), closed. */
const square = (lon: number, lat: number, size = 0.001): number[][] => [
  [lon, lat],
  [lon + size, lat],
  [lon + size, lat + size],
  [lon, lat + size],
  [lon, lat],
];

/** A neighbourhood of Homs for the geography and the precision windows, held by the regime at its baseline. */
const HOMS = '/v1/neighbourhoods/homs-baba-amr';
const HOMS_OUTLINE = { type: 'Polygon', coordinates: [square(36.68, 34.71, 0.02)] };
const HOMS_AREA = { type: 'Polygon', coordinates: [square(36.685, 34.715, 0.004), square(36.686, 34.716, 0.001).reverse()] };
const HOMS_GATE = { type: 'Polygon', coordinates: [square(36.681, 34.711, 0.0005)] };
const HOMS_MULTI = { type: 'MultiPolygon', coordinates: [[square(36.69, 34.72)], [square(36.692, 34.722)]] };

/**
 * The precision windows the test captures fall in: each position of Homs is taken by the FSA on
 * Wednesday 2018-05-16 at 10:30, by one report of each precision.
 */
const CAPTURED_AT = '2018-05-16T10:30:00.000Z';
const WINDOWS = {
  exact: ['2018-05-16T10:30:00.000Z', '2018-05-16T10:30:00.000Z'],
  hour: ['2018-05-16T10:00:00.000Z', '2018-05-16T11:00:00.000Z'],
  day: ['2018-05-16T00:00:00.000Z', '2018-05-17T00:00:00.000Z'],
  week: ['2018-05-14T00:00:00.000Z', '2018-05-21T00:00:00.000Z'],
  month: ['2018-05-01T00:00:00.000Z', '2018-06-01T00:00:00.000Z'],
} as const;
type Precision = keyof typeof WINDOWS;
const PRECISIONS = Object.keys(WINDOWS) as Precision[];
const msBefore = (instant: string): string => new Date(Date.parse(instant) - 1).toISOString();

/** An instant written by an answer: UTC, milliseconds, Z. */
const MS_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** Anything that looks like an ISO 8601 instant, in any form. */
const INSTANT_LIKE = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}[^"\s,]*/g;

describe('analyst queries over HTTP', () => {
  const data = temporaryDataDir();
  let app: RunningApp;
  let lastPosition: number;
  const captures: Partial<Record<Precision, string>> = {};

  const get = async (path: string, as: KeyRole = 'analyst') => {
    const answer = await app.get(`${path}${path.includes('?') ? '&' : '?'}minPosition=${lastPosition}`, { as });
    return answer;
  };
  const ok = async (path: string, as: KeyRole = 'analyst') => {
    const answer = await get(path, as);
    expect({ path, status: answer.status, body: answer.status === 200 ? undefined : answer.body }).toEqual({ path, status: 200, body: undefined });
    return answer.body;
  };
  const written = (answer: { status: number; body: any }) => {
    expect(answer.status).toBe(201);
    lastPosition = Math.max(lastPosition, answer.body.position ?? 0);
    return answer;
  };

  beforeAll(async () => {
    app = await startApp(data.dir);
    ({ lastPosition } = await playScenario(app));
    written(await app.post('/v1/actors', { id: 'fsa', name: 'Free Syrian Army', nameAr: 'الجيش السوري الحر', side: 'opposition', kind: 'rebel-group' }));
    written(
      await app.post('/v1/neighbourhoods', {
        id: 'homs-baba-amr',
        name: 'Baba Amr',
        nameAr: 'بابا عمرو',
        city: 'Homs',
        country: 'Syria',
        controlAsOf: '2018-04-01T00:00:00+03:00',
        outline: HOMS_OUTLINE,
        positions: [
          ...PRECISIONS.map((precision) => ({ id: `by-${precision}`, name: `Taken by a report of ${precision} precision`, controller: 'syrian-regime' })),
          { id: 'stadium', name: 'Stadium', nameAr: 'الملعب', kind: 'landmark', weight: 3, area: HOMS_AREA, controller: 'syrian-regime' },
          { id: 'clinic', name: 'Clinic', kind: 'building', coordinates: [36.6871, 34.7154], area: HOMS_MULTI, controller: 'syrian-regime' },
        ],
      }),
    );
    for (const precision of PRECISIONS) {
      const capture = written(
        await app.post(`${HOMS}/captures`, { by: 'fsa', positions: [`by-${precision}`], occurredAt: CAPTURED_AT, timePrecision: precision, sources: [field] }),
      );
      captures[precision] = capture.body.eventId;
    }
    written(
      await app.post(`${HOMS}/positions`, {
        positions: [
          { id: 'water-tower', name: 'Water tower', kind: 'landmark', controller: null },
          { id: 'gate', name: 'South gate', kind: 'checkpoint', area: HOMS_GATE, controller: 'fsa' },
        ],
      }),
    );
    written(await app.post(`${HOMS}/casualties`, { actor: 'fsa', killed: { low: 2, best: 3, high: 5 }, wounded: { best: 4 }, occurredAt: '2018-05-16T11:00:00Z', sources: [field] }));
    written(await app.post(`${HOMS}/casualties`, { actor: 'fsa', killed: { best: 1, high: 2 }, occurredAt: '2018-05-17T09:00:00+03:00', sources: [nurse] }));
    written(await app.post(`${HOMS}/casualties`, { killed: { low: 1, best: 1 }, wounded: { low: 2, best: 5, high: 9 }, occurredAt: '2018-05-18T09:00:00Z', sources: [field] }));
    const refuted = written(await app.post(`${HOMS}/casualties`, { actor: 'syrian-regime', killed: { best: 40 }, occurredAt: '2018-05-16T12:00:00Z', sources: [field] }));
    written(await app.post(`${HOMS}/assessments`, { eventId: refuted.body.eventId, status: 'refuted', reason: 'inflated figure' }, { as: 'editor' }));
    const retracted = written(await app.post(`${HOMS}/casualties`, { actor: 'fsa', killed: { best: 100 }, occurredAt: '2018-05-16T13:00:00Z', sources: [field] }));
    written(await app.post(`${HOMS}/retractions`, { eventId: retracted.body.eventId, reason: 'entered twice' }, { as: 'admin' }));
  }, 60_000);

  afterAll(async () => {
    await app.stop();
    data.remove();
  });

  describe('a neighbourhood as registered', () => {
    it('shows its registration, outline, positions with their areas, the span of its incidents and the sources cited', async () => {
      const detail = await ok(HOMS);
      expect(detail).toEqual({
        id: 'homs-baba-amr',
        name: 'Baba Amr',
        nameAr: 'بابا عمرو',
        city: 'Homs',
        country: 'Syria',
        controlAsOf: '2018-03-31T21:00:00.000Z',
        outline: HOMS_OUTLINE,
        positions: [
          ...PRECISIONS.map((precision) => ({
            id: `by-${precision}`,
            name: `Taken by a report of ${precision} precision`,
            nameAr: null,
            kind: null,
            weight: 1,
            coordinates: null,
            area: null,
            baselineController: 'syrian-regime',
          })),
          { id: 'stadium', name: 'Stadium', nameAr: 'الملعب', kind: 'landmark', weight: 3, coordinates: null, area: HOMS_AREA, baselineController: 'syrian-regime' },
          { id: 'clinic', name: 'Clinic', nameAr: null, kind: 'building', weight: 1, coordinates: [36.6871, 34.7154], area: HOMS_MULTI, baselineController: 'syrian-regime' },
          { id: 'water-tower', name: 'Water tower', nameAr: null, kind: 'landmark', weight: 1, coordinates: null, area: null, baselineController: null },
          { id: 'gate', name: 'South gate', nameAr: null, kind: 'checkpoint', weight: 1, coordinates: null, area: HOMS_GATE, baselineController: 'fsa' },
        ],
        firstIncidentAt: CAPTURED_AT,
        // The retracted report (13:00 on the 16th) is no incident; the refuted one still is.
        lastIncidentAt: '2018-05-18T09:00:00.000Z',
        sources: ['field sources'],
        position: expect.any(Number),
      });
      // Admins see the protected source among those cited.
      expect((await ok(HOMS, 'admin')).sources).toEqual([SECRET, 'field sources']);
      expect(JSON.stringify(await ok(HOMS))).not.toContain('Umm Yusuf');
    });

    it('answers 404 NEIGHBOURHOOD_NOT_FOUND for an unknown or malformed id', async () => {
      expect(await get('/v1/neighbourhoods/homs-nowhere')).toMatchObject({ status: 404, body: { code: 'NEIGHBOURHOOD_NOT_FOUND' } });
      expect(await get('/v1/neighbourhoods/Not_A_Slug')).toMatchObject({ status: 404, body: { code: 'NEIGHBOURHOOD_NOT_FOUND' } });
    });

    it('has no incidents to span before its first report', async () => {
      written(await app.post('/v1/neighbourhoods', { id: 'homs-quiet', name: 'Quiet', city: 'Homs', country: 'Syria', controlAsOf: '2018-04-01T00:00:00Z', positions: [{ id: 'q', name: 'Q' }] }));
      expect(await ok('/v1/neighbourhoods/homs-quiet')).toMatchObject({ firstIncidentAt: null, lastIncidentAt: null, sources: [], outline: null });
    });
  });

  describe('geography', () => {
    it('shows areas and coordinates on /control, and draws the area, else a Point, else a null geometry', async () => {
      const control = await ok(`${HOMS}/control?asOf=2018-05-20T00:00:00Z`);
      const stadium = control.positions.find((p: { id: string }) => p.id === 'stadium');
      expect(stadium).toMatchObject({ nameAr: 'الملعب', kind: 'landmark', weight: 3, coordinates: null, area: HOMS_AREA, controller: 'syrian-regime', controllerName: 'Syrian government forces' });
      const tower = control.positions.find((p: { id: string }) => p.id === 'water-tower');
      expect(tower).toMatchObject({ controller: null, controllerName: null, area: null, coordinates: null });

      const map = await ok(`${HOMS}/control.geojson?asOf=2018-05-20T00:00:00Z`);
      expect(map.features.map((f: { id: string }) => f.id)).toEqual(control.positions.map((p: { id: string }) => p.id));
      const geometry = Object.fromEntries(map.features.map((f: { id: string; geometry: unknown }) => [f.id, f.geometry]));
      expect(geometry.stadium).toEqual(HOMS_AREA);
      // An area wins over coordinates.
      expect(geometry.clinic).toEqual(HOMS_MULTI);
      expect(geometry['water-tower']).toBeNull();
      // A position added later with an area is drawn by it too.
      expect(geometry.gate).toEqual(HOMS_GATE);
      expect(geometry['by-day']).toBeNull();
      for (const feature of map.features) {
        expect(feature).toEqual({ type: 'Feature', id: feature.properties.id, geometry: feature.geometry, properties: expect.objectContaining({ neighbourhoodId: 'homs-baba-amr' }) });
        expect(Object.keys(feature).sort()).toEqual(['geometry', 'id', 'properties', 'type']);
      }
      const tadamon = await ok(`${TADAMON}/control.geojson?asOf=2018-04-19T20:00:00Z`);
      expect(tadamon.features.find((f: { id: string }) => f.id === P.bakery1).geometry).toEqual({ type: 'Point', coordinates: [36.3049, 33.4862] });
    });

    const register = (id: string, fields: Record<string, unknown>, positionFields: Record<string, unknown> = {}) =>
      app.post('/v1/neighbourhoods', { id, name: id, city: 'Homs', country: 'Syria', controlAsOf: '2018-04-01T00:00:00Z', positions: [{ id: 'p', name: 'P', ...positionFields }], ...fields });
    const refusal = async (answer: Promise<{ status: number; body: any }>) => {
      const { status, body } = await answer;
      expect({ status, code: body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
      return body.details as { field: string; problems: string[] }[];
    };
    const ring = (corners: number): number[][] => {
      const points = Array.from({ length: corners }, (_, i) => [36 + Math.cos((2 * Math.PI * i) / corners) / 100, 34 + Math.sin((2 * Math.PI * i) / corners) / 100]);
      return [...points, points[0]!];
    };

    it.each([
      ['a ring that is not closed', { type: 'Polygon', coordinates: [square(36, 34).slice(0, 4).concat([[36.5, 34.5]])] }, 'area.coordinates[0] is not closed: its last position must equal its first'],
      ['a ring of three positions', { type: 'Polygon', coordinates: [[[36, 34], [36.1, 34], [36, 34]]] }, 'area.coordinates[0] must be a linear ring: an array of at least 4 positions'],
      ['a longitude beyond 180', { type: 'Polygon', coordinates: [[[36, 34], [181, 34], [36, 35], [36, 34]]] }, 'area.coordinates[0][1] must be [longitude, latitude]'],
      ['a latitude beyond 90', { type: 'MultiPolygon', coordinates: [[square(36, 34)], [[[36, 34], [36, 91], [37, 34], [36, 34]]]] }, 'area.coordinates[1][0][1] must be [longitude, latitude]'],
      ['a position that is text', { type: 'Polygon', coordinates: [[[36, 34], ['36', 35], [37, 34], [36, 34]]] }, 'area.coordinates[0][1] must be [longitude, latitude]'],
      ['a Point', { type: 'Point', coordinates: [36, 34] }, 'area.type must be "Polygon" or "MultiPolygon"'],
      ['a member GeoJSON allows but the API does not keep', { type: 'Polygon', coordinates: [square(36, 34)], bbox: [36, 34, 36.001, 34.001] }, 'area.bbox is not a known field'],
      ['a Polygon without rings', { type: 'Polygon', coordinates: [] }, 'area.coordinates must be a non-empty array of linear rings'],
      ['an empty MultiPolygon', { type: 'MultiPolygon', coordinates: [] }, 'area.coordinates must be a non-empty array of polygons'],
      ['10,001 positions over two rings', { type: 'Polygon', coordinates: [ring(4_999), ring(5_000)] }, 'area.coordinates[1] takes the area over 10000 positions'],
      ['text', 'POLYGON((36 34, 37 34, 37 35, 36 34))', 'area must be a GeoJSON Polygon or MultiPolygon object'],
    ])('refuses a position area with %s (400, named by its path), and writes nothing', async (_what, area, problem) => {
      const details = await refusal(register('homs-refused', {}, { area }));
      expect(details).toEqual([{ field: 'positions[0].area', problems: [expect.stringContaining(problem)] }]);
      expect(await get('/v1/neighbourhoods/homs-refused')).toMatchObject({ status: 404 });
    });

    it('refuses a bad outline and a bad area of an added position the same way', async () => {
      expect(await refusal(register('homs-refused', { outline: { type: 'Polygon', coordinates: [[[36, 34], [37, 34], [37, 35], [36, 35]]] } }))).toEqual([
        { field: 'outline', problems: ['outline.coordinates[0] is not closed: its last position must equal its first'] },
      ]);
      expect(await refusal(app.post(`${HOMS}/positions`, { positions: [{ id: 'ok', name: 'OK' }, { id: 'bad', name: 'Bad', area: { type: 'Polygon', coordinates: [[[0, 0]]] } }] }))).toEqual([
        { field: 'positions[1].area', problems: [expect.stringContaining('area.coordinates[0] must be a linear ring')] },
      ]);
    });

    it('takes 10,000 positions over every ring, altitudes, holes and either orientation, and keeps them as sent', async () => {
      const big = { type: 'Polygon', coordinates: [ring(4_999), ring(4_999).reverse()] };
      const withAltitude = { type: 'MultiPolygon', coordinates: [[[[36, 34, 510], [36.001, 34, 512.5], [36.001, 34.001, 511], [36, 34, 510]]]] };
      written(await register('homs-big', { outline: big }, { area: withAltitude }));
      const detail = await ok('/v1/neighbourhoods/homs-big');
      expect(detail.outline).toEqual(big);
      expect(detail.positions[0].area).toEqual(withAltitude);
    });
  });

  describe('time precision: uncertain', () => {
    /** Where each position of Homs stands at asOf, on /control, in a perspective, on the map and in the FSA's holdings. */
    const at = async (asOf: string) => {
      const query = `asOf=${encodeURIComponent(asOf)}`;
      const control = await ok(`${HOMS}/control?${query}`);
      const perspective = await ok(`${HOMS}/control?${query}&claims=all`);
      const map = await ok(`${HOMS}/control.geojson?${query}`);
      const holdings = await ok(`/v1/actors/fsa/holdings?${query}`);
      const held = (holdings.items.find((item: { neighbourhoodId: string }) => item.neighbourhoodId === 'homs-baba-amr')?.positions ?? []) as {
        id: string;
        uncertain: boolean;
      }[];
      return (id: string) => {
        const position = control.positions.find((p: { id: string }) => p.id === id);
        expect(perspective.positions.find((p: { id: string }) => p.id === id).uncertain).toBe(position.uncertain);
        expect(map.features.find((f: { id: string }) => f.id === id).properties.uncertain).toBe(position.uncertain);
        const holding = held.find((p) => p.id === id);
        if (position.controller === 'fsa') expect(holding?.uncertain).toBe(position.uncertain);
        else expect(holding).toBeUndefined();
        return { controller: position.controller, uncertain: position.uncertain };
      };
    };

    it.each(PRECISIONS)('at the edges of the %s window of the capture, and of the next change of hands before it', async (precision) => {
      const [start, end] = WINDOWS[precision];
      const id = `by-${precision}`;
      // Before the window: the regime holds it, certainly.
      expect((await at(msBefore(start)))(id)).toEqual({ controller: 'syrian-regime', uncertain: false });
      // From the window's start the capture may already have happened: the next change of hands makes it uncertain.
      expect((await at(start))(id)).toEqual(
        precision === 'exact' ? { controller: 'fsa', uncertain: false } : { controller: 'syrian-regime', uncertain: true },
      );
      // At the reported instant the FSA holds it, as uncertainly as the report is precise.
      expect((await at(CAPTURED_AT))(id)).toEqual({ controller: 'fsa', uncertain: precision !== 'exact' });
      if (precision !== 'exact') expect((await at(msBefore(end)))(id)).toEqual({ controller: 'fsa', uncertain: true });
      // The window's end is outside it.
      const after = precision === 'exact' ? new Date(Date.parse(end) + 1).toISOString() : end;
      expect((await at(after))(id)).toEqual({ controller: 'fsa', uncertain: false });
    });

    it('is false at the baseline and before it, and for positions nobody changes', async () => {
      for (const asOf of ['2018-03-31T00:00:00Z', '2018-03-31T21:00:00Z', '2018-06-15T00:00:00Z']) {
        const where = await at(asOf);
        for (const id of ['stadium', 'clinic', 'water-tower']) expect(where(id).uncertain).toBe(false);
      }
    });
  });

  describe('casualties per actor', () => {
    it('sums low, best and high per actor, a missing low or high counting as best, retracted and refuted reports left out', async () => {
      const answer = await ok(`${HOMS}/casualties`);
      expect(answer).toEqual({
        items: [
          { actor: 'fsa', killed: { low: 3, best: 4, high: 7 }, wounded: { low: 4, best: 4, high: 4 }, reports: 2 },
          { actor: null, killed: { low: 1, best: 1, high: 1 }, wounded: { low: 2, best: 5, high: 9 }, reports: 1 },
        ],
        position: expect.any(Number),
      });
    });

    it('bounds by occurredAt (inclusive) and by knownAt', async () => {
      const from = await ok(`${HOMS}/casualties?from=2018-05-17T06:00:00Z&to=2018-05-18T09:00:00Z`);
      expect(from.items).toEqual([
        { actor: 'fsa', killed: { low: 1, best: 1, high: 2 }, wounded: { low: 0, best: 0, high: 0 }, reports: 1 },
        { actor: null, killed: { low: 1, best: 1, high: 1 }, wounded: { low: 2, best: 5, high: 9 }, reports: 1 },
      ]);
      expect((await ok(`${HOMS}/casualties?to=2018-05-16T10:59:59Z`)).items).toEqual([]);
      expect((await ok(`${HOMS}/casualties?knownAt=2018-01-01T00:00:00Z`)).items).toEqual([]);
      expect((await ok(`${TADAMON}/casualties`)).items.length).toBeGreaterThan(0);
      expect(await get('/v1/neighbourhoods/homs-nowhere/casualties')).toMatchObject({ status: 404, body: { code: 'NEIGHBOURHOOD_NOT_FOUND' } });
      expect(await get(`${HOMS}/casualties?from=yesterday`)).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    });
  });

  describe('the timeline across neighbourhoods', () => {
    it('holds every neighbourhood of a city, in occurredAt order, with every filter of the neighbourhood timeline', async () => {
      const homs = await ok('/v1/timeline?city=Homs&limit=1000');
      expect(new Set(homs.items.map((item: { neighbourhoodId: string }) => item.neighbourhoodId))).toEqual(new Set(['homs-baba-amr']));
      expect(homs.items.map((item: { eventId: string }) => item.eventId)).toEqual((await ok(`${HOMS}/timeline?limit=1000`)).items.map((item: { eventId: string }) => item.eventId));
      const everywhere = await ok('/v1/timeline?limit=1000');
      const damascus = await ok('/v1/timeline?city=Damascus&limit=1000');
      expect(everywhere.items).toHaveLength(homs.items.length + damascus.items.length);
      const times = everywhere.items.map((item: { occurredAt: string }) => Date.parse(item.occurredAt));
      expect(times).toEqual([...times].sort((a, b) => a - b));
      const fsaCaptures = await ok('/v1/timeline?type=PositionCaptured&actor=fsa');
      expect(fsaCaptures.items.map((item: { eventId: string }) => item.eventId)).toEqual(PRECISIONS.map((precision) => captures[precision]));
      expect((await ok('/v1/timeline?city=Aleppo')).items).toEqual([]);
      expect(await get('/v1/timeline?city=')).toMatchObject({ status: 400 });
      expect(await get('/v1/timeline?neighbourhood=homs-baba-amr')).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    });
  });

  describe('actors', () => {
    it('answers 404 ACTOR_NOT_FOUND for an actor nobody registered (or not by knownAt); commands keep 422 ACTOR_UNKNOWN', async () => {
      expect(await get('/v1/actors/wagner/holdings')).toMatchObject({ status: 404, body: { code: 'ACTOR_NOT_FOUND' } });
      expect(await get('/v1/actors/Not_A_Slug/holdings')).toMatchObject({ status: 404, body: { code: 'ACTOR_NOT_FOUND' } });
      expect(await get('/v1/actors/fsa/holdings?knownAt=2018-01-01T00:00:00Z')).toMatchObject({ status: 404, body: { code: 'ACTOR_NOT_FOUND' } });
      const command = await app.post(`${HOMS}/captures`, { by: 'wagner', positions: ['stadium'], occurredAt: '2018-05-20T00:00:00Z', sources: [field] });
      expect(command).toMatchObject({ status: 422, body: { code: 'ACTOR_UNKNOWN' } });
    });
  });

  describe('paging', () => {
    /** Every item of a paged list, page after page, with the pages' sizes. */
    const walk = async (path: string, limit: number, itemsOf: (body: any) => unknown[] = (body) => body.items) => {
      const items: unknown[] = [];
      const sizes: number[] = [];
      let cursor: string | undefined;
      do {
        const body = await ok(`${path}${path.includes('?') ? '&' : '?'}limit=${limit}${cursor === undefined ? '' : `&cursor=${cursor}`}`);
        const page = itemsOf(body);
        items.push(...page);
        sizes.push(page.length);
        cursor = body.nextCursor;
      } while (cursor !== undefined);
      return { items, sizes };
    };
    const whole = async (path: string, itemsOf?: (body: any) => unknown[]) => (await walk(path, 1000, itemsOf)).items;

    it.each([
      ['/v1/neighbourhoods', 2],
      ['/v1/neighbourhoods?city=Damascus', 3],
      ['/v1/actors', 3],
      ['/v1/timeline', 7],
      ['/v1/timeline?city=Homs&type=CasualtiesReported', 2],
      [`${TADAMON}/timeline`, 4],
    ])('walks %s %i at a time to the end, without gap or repeat', async (path, limit) => {
      const all = await whole(path);
      const { items, sizes } = await walk(path, limit);
      expect(items).toEqual(all);
      expect(all.length).toBeGreaterThan(limit);
      expect(sizes.slice(0, -1).every((size) => size === limit)).toBe(true);
      expect(sizes.at(-1)).toBeGreaterThan(0);
    });

    it('walks holdings a page of positions at a time, across neighbourhoods, to the end', async () => {
      const path = `/v1/actors/isis/holdings?asOf=${encodeURIComponent(T.missiles)}`;
      const flat = (body: any) =>
        body.items.flatMap((item: { neighbourhoodId: string; share: number; positions: { id: string }[] }) =>
          item.positions.map((p) => ({ neighbourhoodId: item.neighbourhoodId, share: item.share, ...p })),
        );
      const all = await whole(path, flat);
      expect(new Set(all.map((p: any) => p.neighbourhoodId)).size).toBe(4);
      for (const limit of [1, 2, 5]) {
        const { items, sizes } = await walk(path, limit, flat);
        expect(items).toEqual(all);
        expect(sizes.slice(0, -1).every((size) => size === limit)).toBe(true);
      }
      // A neighbourhood whose held positions span two pages appears on both, with its share of all of them.
      const first = await ok(`${path}&limit=5`);
      const second = await ok(`${path}&limit=5&cursor=${first.nextCursor}`);
      const tadamon = (body: any) => body.items.find((item: { neighbourhoodId: string }) => item.neighbourhoodId === 'damascus-tadamon');
      expect(first.items.map((item: { neighbourhoodId: string }) => item.neighbourhoodId)).toEqual(['damascus-hajar-al-aswad', 'damascus-qadam-asali', 'damascus-tadamon']);
      expect(tadamon(first).positions).toHaveLength(3);
      expect(tadamon(second).positions.length).toBeGreaterThan(0);
      expect(tadamon(second).share).toBe(tadamon(first).share);
      expect(tadamon(first).share).toBeGreaterThan(0.5);
    });

    it('lists neighbourhoods as they stood at asOf, as known at knownAt, and says so', async () => {
      const list = await ok(`/v1/neighbourhoods?asOf=${encodeURIComponent('2018-04-18T12:00:00+03:00')}&knownAt=2030-01-01T00:00:00Z&city=Damascus`);
      expect(list).toMatchObject({ asOf: '2018-04-18T09:00:00.000Z', knownAt: '2030-01-01T00:00:00.000Z' });
      const tadamon = list.items.find((n: { id: string }) => n.id === 'damascus-tadamon');
      const control = await ok(`${TADAMON}/control?asOf=2018-04-18T09:00:00Z`);
      expect(tadamon).toEqual({
        id: 'damascus-tadamon',
        name: 'Tadamon',
        nameAr: 'حي التضامن',
        city: 'Damascus',
        majorityController: control.majorityController,
        shares: control.shares,
        contestedPositions: control.contestedPositions,
        lastEventAt: '2018-04-18T06:00:00.000Z',
      });
      expect((await ok('/v1/neighbourhoods?knownAt=2000-01-01T00:00:00Z')).items).toEqual([]);
    });

    it.each(['limit=0', 'limit=1001', 'limit=ten', 'cursor=not-one-of-ours', 'cursor=%2F%2F'])('refuses %s with 400', async (query) => {
      for (const path of ['/v1/neighbourhoods', '/v1/actors', '/v1/actors/isis/holdings', '/v1/timeline']) {
        expect(await get(`${path}?${query}`)).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
      }
    });
  });

  describe('instants', () => {
    it('writes every instant of every read answer in UTC with milliseconds, echoed parameters and event data included', async () => {
      const asOf = encodeURIComponent('2018-04-19T23:00:00+03:00');
      const knownAt = encodeURIComponent('2030-01-01T03:00+03:00');
      const paths = [
        `/v1/neighbourhoods?asOf=${asOf}&knownAt=${knownAt}`,
        TADAMON,
        HOMS,
        `${TADAMON}/control?asOf=${asOf}&knownAt=${knownAt}`,
        `${TADAMON}/control?asOf=${asOf}&knownAt=${knownAt}&reportedBy=${knownAt}&claims=all`,
        `${HOMS}/control`,
        `${TADAMON}/control.geojson?asOf=${asOf}&knownAt=${knownAt}`,
        `${HOMS}/control.geojson`,
        `${TADAMON}/timeline?limit=1000`,
        `/v1/timeline?limit=1000&knownAt=${knownAt}`,
        `${TADAMON}/casualties?from=${asOf}`,
        `/v1/actors/isis/holdings?asOf=${asOf}&knownAt=${knownAt}`,
        '/v1/actors',
      ];
      // Routes without query parameters (minPosition included).
      const plain = [`${TADAMON}/head`, '/v1/projections'];
      let instants = 0;
      for (const path of [...paths, ...plain]) {
        const answer = plain.includes(path) ? await app.get(path, { as: 'admin' }) : await get(path, 'admin');
        expect({ path, status: answer.status }).toEqual({ path, status: 200 });
        for (const instant of answer.text.match(INSTANT_LIKE) ?? []) {
          expect({ path, instant }).toEqual({ path, instant: expect.stringMatching(MS_UTC) });
          instants += 1;
        }
      }
      expect(instants).toBeGreaterThan(100);
      // The raw events alone show event data as stored.
      const events = await get(`${TADAMON}/events?limit=1000`);
      expect(events.text).toContain(`"controlAsOf":"${T.baseline}"`);
    });
  });
});
