import { PLACEHOLDER_DATES as T, TADAMON_POSITIONS as P } from '../../scripts/tadamon-scenario.js';
import { type RunningApp, playScenario, startApp, temporaryDataDir } from './app-harness.js';

const TADAMON = '/v1/neighbourhoods/damascus-tadamon';
const field = { name: 'field sources', kind: 'field', reliability: 'C', credibility: 3 };
/** Answers write instants in UTC with milliseconds. */
const utc = (instant: string): string => new Date(instant).toISOString();

describe('analysts over HTTP: the Tadamon report, now and in the past', () => {
  const data = temporaryDataDir();
  let app: RunningApp;
  let ids: Record<string, string> = {};
  let lastPosition = 0;

  const control = async (asOf: string, knownAt?: string) => {
    const query = new URLSearchParams({ asOf, minPosition: String(lastPosition), ...(knownAt ? { knownAt } : {}) });
    const answer = await app.get(`${TADAMON}/control?${query}`);
    expect(answer.status).toBe(200);
    return answer.body;
  };
  const controllerOf = (body: any, position: string) => body.positions.find((p: { id: string }) => p.id === position);

  beforeAll(async () => {
    app = await startApp(data.dir);
    ({ ids, lastPosition } = await playScenario(app));
  });
  afterAll(async () => {
    await app.stop();
    data.remove();
  });

  it('shows the attack targets contested while the attack is unresolved', async () => {
    const body = await control('2018-04-18T08:00:00Z');
    for (const target of [P.blockA, P.blockB, P.bakery1, P.bakery2, P.barracks]) {
      expect(controllerOf(body, target)).toMatchObject({ contested: true });
    }
    expect(controllerOf(body, P.blockA).controller).toBe('syrian-regime');
    expect(controllerOf(body, P.regimePart).contested).toBe(false);
    expect(body.contestedPositions).toBe(5);
    // Before the captures, the regime still holds 46 of the 64 weight units.
    expect(body.majorityController).toBe('syrian-regime');
  });

  it('gives the regime the bakery blocks during the counterattack window', async () => {
    const body = await control('2018-04-18T23:30:00Z');
    expect(controllerOf(body, P.bakery1)).toMatchObject({ controller: 'syrian-regime', since: utc(T.counterattackRetakes), eventId: ids['counterattack-retakes'], contested: false });
    expect(controllerOf(body, P.bakery2).controller).toBe('syrian-regime');
  });

  it('gives the bakery blocks back to ISIS after the withdrawal', async () => {
    const body = await control('2018-04-19T05:00:00Z');
    expect(controllerOf(body, P.bakery1)).toMatchObject({ controller: 'isis', since: utc(T.withdrawal), eventId: ids['withdrawal'] });
    expect(controllerOf(body, P.bakery2).controller).toBe('isis');
  });

  it('makes ISIS the majority controller by Thursday, and not before', async () => {
    const wednesday = await control('2018-04-18T12:00:00Z');
    expect(wednesday.shares.isis).toBeCloseTo(0.5);
    expect(wednesday.majorityController).toBeNull();
    const thursday = await control('2018-04-19T20:00:00Z');
    expect(thursday.majorityController).toBe('isis');
    expect(thursday.shares.isis).toBeCloseTo(44 / 64);
    expect(thursday.sideShares.isis).toBeCloseTo(44 / 64);
    expect(thursday.sideShares['pro-government']).toBeCloseTo(20 / 64);
    expect(thursday.position).toBeGreaterThanOrEqual(lastPosition);
  });

  it('lists the city, the actors with their Arabic names, and ISIS holdings', async () => {
    const list = await app.get(`/v1/neighbourhoods?minPosition=${lastPosition}`);
    expect(list.body.items.map((n: { id: string }) => n.id)).toEqual(
      expect.arrayContaining(['damascus-tadamon', 'damascus-yarmouk-camp', 'damascus-hajar-al-aswad', 'damascus-qadam-asali']),
    );
    const camp = list.body.items.find((n: { id: string }) => n.id === 'damascus-yarmouk-camp');
    expect(camp).toMatchObject({ nameAr: 'مخيم اليرموك', majorityController: 'isis' });
    const actors = await app.get(`/v1/actors?minPosition=${lastPosition}`);
    expect(actors.body.items).toEqual(
      expect.arrayContaining([{ id: 'iranian-militias', name: 'Iran-backed militias', nameAr: 'المليشيات الإيرانية', side: 'pro-government', kind: 'militia' }]),
    );
    const holdings = await app.get(`/v1/actors/isis/holdings?asOf=2018-04-19T20:00:00Z&minPosition=${lastPosition}`);
    expect(holdings.status).toBe(200);
    const tadamon = holdings.body.items.find((n: { neighbourhoodId: string }) => n.neighbourhoodId === 'damascus-tadamon');
    expect(tadamon.positions.map((p: { id: string }) => p.id).sort()).toEqual([P.isisPart, P.blockA, P.blockB, P.bakery1, P.bakery2, P.barracks, P.southern].sort());
  });

  it('draws the control map as GeoJSON', async () => {
    const answer = await app.get(`${TADAMON}/control.geojson?asOf=2018-04-19T20:00:00Z&minPosition=${lastPosition}`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toContain('application/geo+json');
    expect(answer.body.type).toBe('FeatureCollection');
    expect(answer.body.features).toHaveLength(8);
    const bakery = answer.body.features.find((f: any) => f.properties.id === P.bakery1);
    expect(bakery.geometry).toEqual({ type: 'Point', coordinates: [36.3049, 33.4862] });
    expect(bakery.properties).toMatchObject({ controller: 'isis', side: 'isis', contested: false, nameAr: 'فرن أبو ترابي' });
  });

  it('keeps the timeline in occurredAt order with every claim and its source', async () => {
    const answer = await app.get(`${TADAMON}/timeline?minPosition=${lastPosition}`);
    expect(answer.status).toBe(200);
    const times = answer.body.items.map((i: { occurredAt: string }) => Date.parse(i.occurredAt));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const capture = answer.body.items.find((i: { eventId: string }) => i.eventId === ids['wednesday-captures']);
    expect(capture.sources.map((s: { name: string }) => s.name)).toEqual(['field sources', 'Amaq (أعماق)', 'Damascus Now (دمشق الآن)']);
    const captures = await app.get(`${TADAMON}/timeline?type=PositionCaptured&from=2018-04-19T00:00:00Z&minPosition=${lastPosition}`);
    expect(captures.body.items.map((i: { eventId: string }) => i.eventId)).toEqual([ids['thursday-advance']]);
  });

  it('lets a late report change the past, while knownAt before it keeps the old belief', async () => {
    const beforeLateReport = new Date().toISOString();
    // Recorded late: NDF had already taken the eastern sector on Tuesday (a placeholder date).
    await new Promise((resolve) => setTimeout(resolve, 5));
    const late = await app.post(`${TADAMON}/captures`, { by: 'ndf', positions: [P.regimePart], occurredAt: '2018-04-17T12:00:00Z', sources: [field] });
    expect(late.status).toBe(201);
    lastPosition = late.body.position;
    const now = await control('2018-04-18T00:00:00Z');
    expect(controllerOf(now, P.regimePart)).toMatchObject({ controller: 'ndf', eventId: late.body.eventId });
    const believed = await control('2018-04-18T00:00:00Z', beforeLateReport);
    expect(controllerOf(believed, P.regimePart)).toMatchObject({ controller: 'syrian-regime', eventId: null, since: utc(T.baseline) });

    const beforeRetraction = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const retraction = await app.post(`${TADAMON}/retractions`, { eventId: late.body.eventId, reason: 'false report' }, { as: 'admin' });
    expect(retraction.status).toBe(201);
    lastPosition = retraction.body.position;
    expect(controllerOf(await control('2018-04-18T00:00:00Z'), P.regimePart).controller).toBe('syrian-regime');
    expect(controllerOf(await control('2018-04-18T00:00:00Z', beforeRetraction), P.regimePart).controller).toBe('ndf');
    const timeline = await app.get(`${TADAMON}/timeline?minPosition=${lastPosition}`);
    const item = timeline.body.items.find((i: { eventId: string }) => i.eventId === late.body.eventId);
    expect(item.retracted).toBe(true);
  });

  it('answers 503 PROJECTION_LAGGING for a position the log has not reached', async () => {
    const answer = await app.get(`${TADAMON}/control?minPosition=${lastPosition + 1000}`);
    expect(answer.status).toBe(503);
    expect(answer.body.code).toBe('PROJECTION_LAGGING');
    expect(answer.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});
