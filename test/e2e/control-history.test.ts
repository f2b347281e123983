import { PLACEHOLDER_DATES as T } from '../../scripts/tadamon-scenario.js';
import { type KeyRole, type RunningApp, playScenario, startApp, temporaryDataDir } from './app-harness.js';

/*
 * GET /v1/neighbourhoods/:id/control-history over HTTP, against an oracle: the neighbourhood's
 * timeline (every page of it, as known at knownAt) folded here, naively, by the rules of
 * DESIGN.md, one report at a time, noting the summary after each report that changes it. The
 * history must equal that fold, in the default view and in perspectives, page by page, and each
 * item must equal what /control answers at its instant.
 */
const ID = 'damascus-tadamon';
const TADAMON = `/v1/neighbourhoods/${ID}`;
const AMAQ = 'Amaq (أعماق)';

interface Summary {
  shares: Record<string, number>;
  sideShares: Record<string, number>;
  majorityController: string | null;
  contestedPositions: number;
}
interface HistoryItem extends Summary {
  at: string;
  eventId: string | null;
}
interface TimelineItem {
  eventId: string;
  type: string;
  occurredAt: string;
  recordedAt: string;
  data: Record<string, unknown>;
  sources: { name?: string; reliability: string; credibility: number; reportedAt?: string }[];
  standing: string;
  status: string;
  retracted: boolean;
}
interface RegisteredPosition {
  id: string;
  weight: number;
  controller: string | null;
}

/** Which reports a view folds, as the test reads DESIGN.md ("Perspectives", rules 4 and 8). */
interface OracleView {
  source?: string;
  minReliability?: string;
  minCredibility?: number;
  reportedBy?: string;
  status?: 'confirmed';
  claims?: 'all';
}

const CLAIM_TYPES = new Set(['PositionCaptured', 'ForcesRetreated']);

function passes(item: TimelineItem, view: OracleView | undefined): 'fold' | 'contest' | undefined {
  if (item.retracted || item.status === 'refuted') return undefined;
  const claim = CLAIM_TYPES.has(item.type);
  if (!claim && item.type !== 'AttackLaunched' && item.type !== 'CounterattackLaunched') return undefined;
  if (view !== undefined) {
    if (view.status === 'confirmed' && item.status !== 'confirmed') return undefined;
    const oneSource = item.sources.some(
      (s) =>
        (view.source === undefined || s.name === view.source) &&
        (view.minReliability === undefined || s.reliability <= view.minReliability) &&
        (view.minCredibility === undefined || s.credibility <= view.minCredibility) &&
        (view.reportedBy === undefined || Date.parse(s.reportedAt ?? item.recordedAt) <= Date.parse(view.reportedBy)),
    );
    if (!oneSource) return undefined;
  }
  if (!claim) return 'contest';
  return item.standing === 'accepted' || view?.claims === 'all' ? 'fold' : undefined;
}

function summarize(state: Map<string, { weight: number; controller: string | null; contested: boolean }>, sides: Map<string, string>): Summary {
  let total = 0;
  let contestedPositions = 0;
  const byActor = new Map<string, number>();
  for (const p of state.values()) {
    total += p.weight;
    if (p.contested) contestedPositions += 1;
    if (p.controller !== null) byActor.set(p.controller, (byActor.get(p.controller) ?? 0) + p.weight);
  }
  const bySide = new Map<string, number>();
  for (const [actor, weight] of byActor) bySide.set(sides.get(actor)!, (bySide.get(sides.get(actor)!) ?? 0) + weight);
  const fractions = (m: Map<string, number>) => Object.fromEntries([...m.keys()].sort().map((k) => [k, m.get(k)! / total]));
  const majority = [...byActor].find(([, weight]) => 2 * weight - total > 1e-9 * total);
  return { shares: fractions(byActor), sideShares: fractions(bySide), majorityController: majority?.[0] ?? null, contestedPositions };
}

/** The oracle: every change of the summary, folding the timeline in its order from the baseline. */
function foldTimeline(
  items: readonly TimelineItem[],
  positions: readonly RegisteredPosition[],
  sides: Map<string, string>,
  controlAsOf: string,
  view: OracleView | undefined,
): { history: HistoryItem[]; skipped: string[] } {
  const state = new Map(positions.map((p) => [p.id, { weight: p.weight, controller: p.controller, contested: false }]));
  let last = summarize(state, sides);
  const history: HistoryItem[] = [{ at: new Date(Date.parse(controlAsOf)).toISOString(), eventId: null, ...last }];
  const skipped: string[] = [];
  for (const item of items) {
    const effect = passes(item, view);
    if (effect === undefined) continue;
    const targets = (effect === 'contest' ? item.data.targets ?? [] : item.data.positions) as string[];
    let applied = false;
    for (const id of targets) {
      const p = state.get(id);
      if (p === undefined) continue;
      if (effect === 'contest') {
        p.contested = true;
        continue;
      }
      const by = item.data.by as string;
      const takes = item.type === 'PositionCaptured' ? p.controller !== by : p.controller === by;
      if (!takes) continue;
      applied = true;
      p.controller = item.type === 'PositionCaptured' ? by : ((item.data.yieldedTo as string | undefined) ?? null);
      p.contested = false;
    }
    if (effect === 'fold' && !applied) skipped.push(item.eventId);
    const now = summarize(state, sides);
    if (JSON.stringify(now) === JSON.stringify(last)) continue;
    last = now;
    history.push({ at: item.occurredAt, eventId: item.eventId, ...now });
  }
  return { history, skipped };
}

describe('GET /v1/neighbourhoods/:id/control-history', () => {
  const data = temporaryDataDir();
  let app: RunningApp;
  let ids: Record<string, string>;
  let lastPosition: number;
  let positions: RegisteredPosition[];
  let controlAsOf: string;
  let sides: Map<string, string>;
  /** Before the retraction and the promotion below were recorded. */
  let before: string;

  const get = async (path: string, as: KeyRole = 'analyst') => {
    const answer = await app.get(path, { as });
    expect({ path, status: answer.status, body: answer.body }).toMatchObject({ status: 200 });
    return answer.body;
  };
  const query = (parameters: Record<string, string | number | undefined>) =>
    Object.entries({ minPosition: lastPosition, ...parameters })
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => `${name}=${encodeURIComponent(String(value))}`)
      .join('&');

  async function timeline(knownAt: string | undefined): Promise<TimelineItem[]> {
    const items: TimelineItem[] = [];
    let cursor: string | undefined;
    do {
      const page = await get(`${TADAMON}/timeline?${query({ knownAt, cursor, limit: 7 })}`);
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    return items;
  }

  /** Every page of the history, `limit` items at a time, checking that each page's skipped reports are its own. */
  async function history(parameters: Record<string, string | number | undefined>): Promise<{ items: HistoryItem[]; skipped: string[]; pages: number }> {
    const items: HistoryItem[] = [];
    const skipped: string[] = [];
    let pages = 0;
    let cursor: string | undefined;
    do {
      const page = await get(`${TADAMON}/control-history?${query({ ...parameters, cursor })}`);
      expect(page).toMatchObject({ neighbourhoodId: ID, position: expect.any(Number) });
      items.push(...page.items);
      skipped.push(...(page.skipped ?? []).map((s: { eventId: string }) => s.eventId));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== undefined);
    return { items, skipped, pages };
  }

  beforeAll(async () => {
    app = await startApp(data.dir);
    ({ ids, lastPosition } = await playScenario(app));
    const registration = (await get(`${TADAMON}/events?limit=1`, 'admin')).items[0];
    expect(registration.type).toBe('NeighbourhoodRegistered');
    positions = registration.data.positions;
    controlAsOf = registration.data.controlAsOf;
    // As of the scenario's last event: the actors read model may still be filing the registrations.
    sides = new Map((await get(`/v1/actors?minPosition=${lastPosition}`)).items.map((a: { id: string; side: string }) => [a.id, a.side]));
    await new Promise((resolve) => setTimeout(resolve, 5));
    before = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 5));
    // Thursday's advance is withdrawn; a counterattack the regime never made is refuted.
    const retracted = await app.post(`${TADAMON}/retractions`, { eventId: ids['thursday-advance'], reason: 'Misdated: it was Friday.' }, { as: 'admin' });
    expect(retracted.status).toBe(201);
    const refuted = await app.post(`${TADAMON}/assessments`, { eventId: ids['counterattack'], status: 'refuted', reason: 'Not the regime.' }, { as: 'editor' });
    expect(refuted.status).toBe(201);
    const confirmed = await app.post(`${TADAMON}/assessments`, { eventId: ids['amaq-claim'], status: 'confirmed', reason: 'Seen.' }, { as: 'editor' });
    expect(confirmed.status).toBe(201);
    lastPosition = Math.max(retracted.body.position, refuted.body.position, confirmed.body.position);
  }, 60_000);

  afterAll(async () => {
    await app.stop();
    data.remove();
  });

  const views: [string, Record<string, string | number>, OracleView | undefined][] = [
    ['the accepted timeline', {}, undefined],
    ["Amaq's reports", { source: AMAQ }, { source: AMAQ }],
    ['every claim', { claims: 'all' }, { claims: 'all' }],
    ['confirmed reports', { status: 'confirmed' }, { status: 'confirmed' }],
    ['sources rated B3 or better', { minReliability: 'B', minCredibility: 3 }, { minReliability: 'B', minCredibility: 3 }],
    ['every claim published by Thursday 09:00', { reportedBy: T.handoverPublished, claims: 'all' }, { reportedBy: T.handoverPublished, claims: 'all' }],
  ];

  it.each(views)('equals a fold of the timeline: %s, now and as known before the retraction', async (_label, parameters, view) => {
    for (const knownAt of [undefined, before]) {
      const expected = foldTimeline(await timeline(knownAt), positions, sides, controlAsOf, view);
      const whole = await history({ ...parameters, knownAt, limit: 1000 });
      expect(whole.pages).toBe(1);
      expect(whole.items).toEqual(expected.history);
      if (view === undefined) expect(whole.skipped).toEqual([]);
      else expect(whole.skipped).toEqual(expected.skipped);
      // Page by page, the same items and the same skipped reports, each on one page only.
      const paged = await history({ ...parameters, knownAt, limit: 2 });
      expect(paged.pages).toBe(Math.ceil(expected.history.length / 2));
      expect(paged.items).toEqual(expected.history);
      expect(paged.skipped).toEqual(whole.skipped);
    }
  });

  it('the folds differ where the views do, so the comparison above compares something', async () => {
    const accepted = (await history({ limit: 1000 })).items;
    const everyClaim = await history({ claims: 'all', limit: 1000 });
    const all = everyClaim.items;
    expect(everyClaim.skipped.length).toBeGreaterThan(0);
    expect(all.at(-1)!.shares).toHaveProperty('ndf');
    expect(accepted.at(-1)!.shares).not.toHaveProperty('ndf');
    const known = (await history({ knownAt: before, limit: 1000 })).items;
    // Before the retraction, Thursday's advance gave ISIS most of Tadamon.
    expect(known.find((item) => item.eventId === ids['thursday-advance'])).toMatchObject({ majorityController: 'isis' });
    expect(accepted.map((item) => item.eventId)).not.toContain(ids['thursday-advance']);
  });

  it.each(views)('each item is what /control answers at its instant (the last item of an instant): %s', async (_label, parameters) => {
    const items = (await history({ ...parameters, limit: 1000 })).items;
    expect(items.length).toBeGreaterThan(1);
    for (const [index, item] of items.entries()) {
      if (items[index + 1]?.at === item.at) continue;
      const control = await get(`${TADAMON}/control?${query({ ...parameters, asOf: item.at })}`);
      expect({ at: item.at, shares: control.shares, sideShares: control.sideShares, majorityController: control.majorityController, contestedPositions: control.contestedPositions }).toEqual({
        at: item.at,
        shares: item.shares,
        sideShares: item.sideShares,
        majorityController: item.majorityController,
        contestedPositions: item.contestedPositions,
      });
    }
  });

  it('starts with the state at from, naming the report that made it, and ends at to', async () => {
    const all = (await history({ limit: 1000 })).items;
    const body = await get(`${TADAMON}/control-history?${query({ from: '2018-04-18T12:00:00+02:00', to: T.withdrawal })}`);
    expect(body).toMatchObject({ from: '2018-04-18T10:00:00.000Z', to: '2018-04-19T04:00:00.000Z', knownAt: expect.any(String) });
    expect(body).not.toHaveProperty('perspective');
    expect(body).not.toHaveProperty('skipped');
    // From 10:00 on Wednesday: the state after both of that instant's captures, then each change up to the withdrawal.
    const atTen = all.filter((item) => item.at === '2018-04-18T10:00:00.000Z').at(-1)!;
    const expected = [
      { ...atTen, at: '2018-04-18T10:00:00.000Z' },
      ...all.filter((item) => item.at > '2018-04-18T10:00:00.000Z' && item.at <= '2018-04-19T04:00:00.000Z'),
    ];
    expect(body.items).toEqual(expected);
    expect(body.items[0].eventId).toBe(atTen.eventId);
    expect(body.items.at(-1).eventId).toBe(ids['withdrawal']);
  });

  it('before the baseline nothing is held; the baseline itself is an item without an event', async () => {
    const body = await get(`${TADAMON}/control-history?${query({ from: '2018-04-15T00:00:00Z', to: '2018-04-17T00:00:00Z' })}`);
    expect(body.items).toEqual([
      { at: '2018-04-15T00:00:00.000Z', eventId: null, shares: {}, sideShares: {}, majorityController: null, contestedPositions: 0 },
      expect.objectContaining({ at: '2018-04-16T00:00:00.000Z', eventId: null, majorityController: 'syrian-regime' }),
    ]);
  });

  it('a neighbourhood without reports has its baseline alone', async () => {
    const body = await get(`/v1/neighbourhoods/damascus-yarmouk-camp/control-history?${query({})}`);
    expect(body.items).toEqual([{ at: '2018-04-16T00:00:00.000Z', eventId: null, shares: { isis: 1 }, sideShares: { isis: 1 }, majorityController: 'isis', contestedPositions: 0 }]);
    expect(body).not.toHaveProperty('nextCursor');
  });

  it('refuses what it cannot answer, with a code', async () => {
    const refusals: [string, KeyRole | null, number, string][] = [
      [`${TADAMON}/control-history?from=2018-04-19T00:00:00Z&to=2018-04-18T00:00:00Z`, 'analyst', 400, 'VALIDATION_FAILED'],
      [`${TADAMON}/control-history?to=2018-04-01T00:00:00Z`, 'analyst', 400, 'VALIDATION_FAILED'],
      [`${TADAMON}/control-history?asOf=2018-04-19T00:00:00Z`, 'analyst', 400, 'VALIDATION_FAILED'],
      [`${TADAMON}/control-history?from=yesterday`, 'analyst', 400, 'VALIDATION_FAILED'],
      [`${TADAMON}/control-history?cursor=bm90LWEtY3Vyc29y`, 'analyst', 400, 'VALIDATION_FAILED'],
      [`${TADAMON}/control-history?limit=0`, 'analyst', 400, 'VALIDATION_FAILED'],
      [`${TADAMON}/control-history?status=disputed`, 'analyst', 400, 'VALIDATION_FAILED'],
      [`${TADAMON}/control-history?source=a&source=b`, 'analyst', 400, 'VALIDATION_FAILED'],
      ['/v1/neighbourhoods/nowhere/control-history', 'analyst', 404, 'NEIGHBOURHOOD_NOT_FOUND'],
      [`${TADAMON}/control-history?knownAt=2000-01-01T00:00:00Z`, 'analyst', 404, 'NEIGHBOURHOOD_NOT_FOUND'],
      [`${TADAMON}/control-history`, 'writer', 403, 'FORBIDDEN'],
      [`${TADAMON}/control-history`, null, 401, 'UNAUTHENTICATED'],
    ];
    for (const [path, as, status, code] of refusals) {
      const answer = await app.get(path, { as });
      expect({ path, status: answer.status, code: answer.body?.code, message: typeof answer.body?.message }).toEqual({ path, status, code, message: 'string' });
    }
  });

  it('GET /v1/me names the role of the key, for every role', async () => {
    for (const role of ['writer', 'analyst', 'editor', 'admin'] as const) {
      const answer = await app.get('/v1/me', { as: role });
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ role, keyId: expect.stringMatching(new RegExp(`^${role}-[0-9a-f]{8}$`)) });
    }
    expect((await app.get('/v1/me', { as: null })).status).toBe(401);
    expect((await app.get('/v1/me?role=admin')).body.code).toBe('VALIDATION_FAILED');
  });

  it('keeps positions absent from the history that were registered after knownAt', async () => {
    const added = await app.post(`${TADAMON}/positions`, { positions: [{ id: 'new-checkpoint', name: 'New checkpoint', weight: 4, controller: 'ndf' }] });
    expect(added.status).toBe(201);
    lastPosition = added.body.position;
    const now = (await history({ limit: 1000 })).items;
    const then = (await history({ knownAt: before, limit: 1000 })).items;
    expect(now[0]!.shares).toHaveProperty('ndf');
    expect(then[0]!.shares).not.toHaveProperty('ndf');
  });
});
