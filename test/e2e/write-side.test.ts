import { tadamonScenario, TADAMON_POSITIONS as P, PLACEHOLDER_DATES } from '../../scripts/tadamon-scenario.js';
import { type RunningApp, KEYS, playScenario, startApp, temporaryDataDir } from './app-harness.js';

const TADAMON = '/v1/neighbourhoods/damascus-tadamon';
const source = { name: 'field sources', kind: 'field', reliability: 'C', credibility: 3 };

async function allEvents(app: RunningApp, neighbourhood = 'damascus-tadamon') {
  const answer = await app.get(`/v1/neighbourhoods/${neighbourhood}/events?limit=1000`);
  expect(answer.status).toBe(200);
  return answer.body.items as { eventId: string; type: string; streamRevision: number; position: number; data: any; metadata: any }[];
}

describe('write side over HTTP', () => {
  const data = temporaryDataDir();
  let app: RunningApp;
  let ids: Record<string, string>;

  beforeAll(async () => {
    app = await startApp(data.dir);
    ({ ids } = await playScenario(app));
  });
  afterAll(async () => {
    await app.stop();
    data.remove();
  });

  it('records the Tadamon report from start to finish, in order, with server metadata', async () => {
    const events = await allEvents(app);
    const incidentSteps = tadamonScenario.filter((s) => s.path.startsWith(TADAMON));
    expect(events.map((e) => e.eventId)).toEqual(['neighbourhood-tadamon', ...incidentSteps.map((s) => s.label)].map((l) => ids[l]));
    expect(events.map((e) => e.streamRevision)).toEqual(events.map((_, i) => i));
    expect(events.map((e) => e.type)).toEqual([
      'NeighbourhoodRegistered',
      'AttackLaunched',
      'PositionCaptured',
      'PositionCaptured',
      'CasualtiesReported',
      'CounterattackLaunched',
      'PositionCaptured',
      'ForcesRetreated',
      'CasualtiesReported',
      'PositionCaptured',
      'AttackLaunched',
      // The outlets' own claims, and their assessments.
      'PositionCaptured',
      'PositionCaptured',
      'ForcesRetreated',
      'ReportAssessed',
      'ReportAssessed',
    ]);
    const capture = events.find((e) => e.eventId === ids['wednesday-captures'])!;
    expect(capture.data.from).toEqual({
      [P.blockA]: 'syrian-regime',
      [P.bakery1]: 'syrian-regime',
      [P.bakery2]: 'syrian-regime',
      [P.barracks]: 'iranian-militias',
    });
    expect(capture.data.sources.map((s: { name: string }) => s.name)).toEqual([
      'field sources',
      'Amaq (أعماق)',
      'Damascus Now (دمشق الآن)',
    ]);
    const retake = events.find((e) => e.eventId === ids['counterattack-retakes'])!;
    expect(retake.data.from).toEqual({ [P.bakery1]: 'isis', [P.bakery2]: 'isis' });
    for (const event of events) {
      expect(event.metadata.recordedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      // Reports come from the writer key, assessments from the editor key.
      expect(event.metadata.recordedBy).toMatch(event.type === 'ReportAssessed' ? /^editor-[0-9a-f]{8}$/ : /^writer-[0-9a-f]{8}$/);
      expect(JSON.stringify(event)).not.toContain(KEYS.writer);
    }
  });

  it('keeps Arabic names byte for byte', async () => {
    const [registered] = await allEvents(app);
    expect(registered!.data.nameAr).toBe('حي التضامن');
    expect(Buffer.from(registered!.data.nameAr, 'utf8').toString('hex')).toBe(Buffer.from('حي التضامن', 'utf8').toString('hex'));
    const camp = await allEvents(app, 'damascus-yarmouk-camp');
    expect(camp[0]!.data.nameAr).toBe('مخيم اليرموك');
  });

  it('answers ETag with the stream revision, and honours If-Match', async () => {
    const events = await allEvents(app);
    const revision = events.length - 1;
    const body = { attackers: ['ndf'], defenders: ['isis'], occurredAt: PLACEHOLDER_DATES.missiles, sources: [source] };
    const stale = await app.post(`${TADAMON}/attacks`, body, { headers: { 'if-match': `"${revision - 1}"` } });
    expect(stale.status).toBe(412);
    expect(stale.body.code).toBe('WRONG_EXPECTED_REVISION');
    expect((await allEvents(app)).length).toBe(events.length);
    const fresh = await app.post(`${TADAMON}/attacks`, body, { headers: { 'if-match': `"${revision}"` } });
    expect(fresh.status).toBe(201);
    expect(fresh.headers.get('etag')).toBe(`"${revision + 1}"`);
    expect(fresh.body).toEqual({
      eventId: expect.any(String),
      type: 'AttackLaunched',
      neighbourhoodId: 'damascus-tadamon',
      streamRevision: revision + 1,
      position: expect.any(Number),
      standing: 'accepted',
    });
  });

  it('replays a retry with the same Idempotency-Key and refuses the key for another body', async () => {
    const body = { attackers: ['isis'], defenders: ['ndf'], occurredAt: PLACEHOLDER_DATES.missiles, sources: [source] };
    const headers = { 'idempotency-key': 'retry-test-1' };
    const first = await app.post(`${TADAMON}/attacks`, body, { headers });
    expect(first.status).toBe(201);
    const before = (await allEvents(app)).length;
    const again = await app.post(`${TADAMON}/attacks`, { ...body }, { headers });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('etag')).toBe(first.headers.get('etag'));
    const reordered = await app.post(`${TADAMON}/attacks`, { sources: [source], occurredAt: body.occurredAt, defenders: ['ndf'], attackers: ['isis'] }, { headers });
    expect(reordered.body.eventId).toBe(first.body.eventId);
    const other = await app.post(`${TADAMON}/attacks`, { ...body, notes: 'different' }, { headers });
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const elsewhere = await app.post('/v1/neighbourhoods/damascus-yarmouk-camp/attacks', body, { headers });
    expect(elsewhere.status).toBe(422);
    expect(elsewhere.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect((await allEvents(app)).length).toBe(before);
    expect((await allEvents(app, 'damascus-yarmouk-camp')).length).toBe(1);
  });

  it('replays a retried capture even though capturing again would now be refused', async () => {
    const body = { by: 'ndf', positions: [P.regimePart], occurredAt: PLACEHOLDER_DATES.missiles, sources: [source] };
    const headers = { 'idempotency-key': 'capture-retry' };
    const first = await app.post(`${TADAMON}/captures`, body, { headers });
    expect(first.status).toBe(201);
    const retry = await app.post(`${TADAMON}/captures`, body, { headers });
    expect(retry.status).toBe(200);
    expect(retry.body.eventId).toBe(first.body.eventId);
    const unkeyed = await app.post(`${TADAMON}/captures`, body);
    expect(unkeyed.status).toBe(409);
    expect(unkeyed.body.code).toBe('ALREADY_CONTROLLED');
  });

  it('lets concurrent commands on one neighbourhood each land once, in some order', async () => {
    const before = (await allEvents(app)).length;
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        app.post(`${TADAMON}/casualties`, { killed: { best: i }, occurredAt: PLACEHOLDER_DATES.missiles, sources: [source] }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 201));
    expect(new Set(answers.map((a) => a.body.streamRevision)).size).toBe(20);
    expect((await allEvents(app)).length).toBe(before + 20);
  });
});

describe('every documented refusal over HTTP', () => {
  const data = temporaryDataDir();
  let app: RunningApp;
  let ids: Record<string, string>;

  beforeAll(async () => {
    app = await startApp(data.dir);
    ({ ids } = await playScenario(app));
  });
  afterAll(async () => {
    await app.stop();
    data.remove();
  });

  const capture = (overrides: Record<string, unknown> = {}) => ({
    by: 'ndf',
    positions: [P.regimePart],
    occurredAt: PLACEHOLDER_DATES.missiles,
    sources: [source],
    ...overrides,
  });

  type Send = () => Promise<{ status: number; body: any }>;
  type Case = [name: string, status: number, code: string, send: Send, setup?: Send];
  const cases: Case[] = [
    ['an unknown field', 400, 'VALIDATION_FAILED', () => app.post(`${TADAMON}/captures`, capture({ occuredAt: '2018-04-19T00:00:00Z' }))],
    ['credibility as a string', 400, 'VALIDATION_FAILED', () => app.post(`${TADAMON}/captures`, capture({ sources: [{ ...source, credibility: '3' }] }))],
    ['no sources', 400, 'VALIDATION_FAILED', () => app.post(`${TADAMON}/captures`, capture({ sources: [] }))],
    ['an impossible date', 400, 'VALIDATION_FAILED', () => app.post(`${TADAMON}/captures`, capture({ occurredAt: '2018-02-30T10:00:00Z' }))],
    ['a time without a zone', 400, 'VALIDATION_FAILED', () => app.post(`${TADAMON}/captures`, capture({ occurredAt: '2018-04-19T10:00:00' }))],
    ['an upper-case id', 400, 'VALIDATION_FAILED', () => app.post('/v1/actors', { id: 'ISIS', name: 'x', side: 'isis' })],
    ['a malformed If-Match', 400, 'VALIDATION_FAILED', () => app.post(`${TADAMON}/captures`, capture(), { headers: { 'if-match': 'yesterday' } })],
    ['no key', 401, 'UNAUTHENTICATED', () => app.post(`${TADAMON}/captures`, capture(), { as: null })],
    ['an unknown key', 401, 'UNAUTHENTICATED', () => app.post(`${TADAMON}/captures`, capture(), { as: null, headers: { authorization: 'Bearer not-a-key-0123456789' } })],
    ['an analyst writing', 403, 'FORBIDDEN', () => app.post(`${TADAMON}/captures`, capture(), { as: 'analyst' })],
    ['a writer retracting', 403, 'FORBIDDEN', () => app.post(`${TADAMON}/retractions`, { eventId: ids['thursday-advance'], reason: 'test' })],
    ['an unknown neighbourhood', 404, 'NEIGHBOURHOOD_NOT_FOUND', () => app.post('/v1/neighbourhoods/atlantis/captures', capture())],
    ['a retraction of an unknown event', 404, 'EVENT_NOT_FOUND', () => app.post(`${TADAMON}/retractions`, { eventId: '00000000-0000-4000-8000-000000000000', reason: 'test' }, { as: 'admin' })],
    ['an unknown attackId', 404, 'EVENT_NOT_FOUND', () => app.post(`${TADAMON}/captures`, capture({ attackId: '00000000-0000-4000-8000-000000000000' }))],
    ['an unknown actor', 422, 'ACTOR_UNKNOWN', () => app.post(`${TADAMON}/captures`, capture({ by: 'martians' }))],
    ['an unknown position', 422, 'POSITION_UNKNOWN', () => app.post(`${TADAMON}/captures`, capture({ positions: ['atlantis-gate'] }))],
    ['a report from the future', 422, 'OCCURRED_IN_FUTURE', () => app.post(`${TADAMON}/captures`, capture({ occurredAt: '2999-01-01T00:00:00Z' }))],
    ['a report before the baseline', 422, 'BEFORE_BASELINE', () => app.post(`${TADAMON}/captures`, capture({ occurredAt: '2018-04-15T00:00:00Z' }))],
    ['a taken actor id', 409, 'ALREADY_EXISTS', () => app.post('/v1/actors', { id: 'isis', name: 'again', side: 'isis' })],
    ['a taken neighbourhood id', 409, 'ALREADY_EXISTS', () => app.post('/v1/neighbourhoods', { id: 'damascus-tadamon', name: 'x', city: 'x', country: 'x', controlAsOf: PLACEHOLDER_DATES.baseline, positions: [{ id: 'p', name: 'p' }] })],
    ['a taken position id', 409, 'ALREADY_EXISTS', () => app.post(`${TADAMON}/positions`, { positions: [{ id: P.bakery1, name: 'again' }] })],
    ['a second retraction', 409, 'ALREADY_EXISTS',
      () => app.post(`${TADAMON}/retractions`, { eventId: ids['missiles'], reason: 'duplicate report' }, { as: 'admin' }),
      () => app.post(`${TADAMON}/retractions`, { eventId: ids['missiles'], reason: 'duplicate report' }, { as: 'admin' })],
    ['a captor that already holds it', 409, 'ALREADY_CONTROLLED', () => app.post(`${TADAMON}/captures`, capture({ by: 'isis', positions: [P.southern] }))],
    ['a retreat from what the actor does not hold', 409, 'NOT_CONTROLLED', () => app.post(`${TADAMON}/retreats`, { by: 'hezbollah', positions: [P.southern], occurredAt: PLACEHOLDER_DATES.missiles, sources: [source] })],
    ['a late report that breaks a later event', 409, 'TIMELINE_CONFLICT', () => app.post(`${TADAMON}/captures`, capture({ by: 'isis', positions: [P.southern], occurredAt: PLACEHOLDER_DATES.wednesdayCaptures }))],
    ['a retraction that breaks a later event', 409, 'TIMELINE_CONFLICT', () => app.post(`${TADAMON}/retractions`, { eventId: ids['counterattack-retakes'], reason: 'test' }, { as: 'admin' })],
    ['a stale If-Match', 412, 'WRONG_EXPECTED_REVISION', () => app.post(`${TADAMON}/captures`, capture(), { headers: { 'if-match': '"0"' } })],
    ['a reused Idempotency-Key', 422, 'IDEMPOTENCY_KEY_REUSED',
      () => app.post(`${TADAMON}/casualties`, { killed: { best: 2 }, occurredAt: PLACEHOLDER_DATES.missiles, sources: [source] }, { headers: { 'idempotency-key': 'refusals-key' } }),
      () => app.post(`${TADAMON}/casualties`, { killed: { best: 1 }, occurredAt: PLACEHOLDER_DATES.missiles, sources: [source] }, { headers: { 'idempotency-key': 'refusals-key' } })],
    ['a body over 1 MiB', 413, 'PAYLOAD_TOO_LARGE', () => app.post(`${TADAMON}/captures`, capture({ notes: 'x'.repeat(1_100_000) }))],
    ['a body that is not JSON', 415, 'UNSUPPORTED_MEDIA_TYPE', () => app.request('POST', `${TADAMON}/captures`, { raw: 'by=isis', headers: { 'content-type': 'application/x-www-form-urlencoded' } })],
  ];

  // Every row gets all five values: with fewer, Jest would pass a `done` callback as `setup`.
  const rows = cases.map(([name, status, code, send, setup]) => [name, status, code, send, setup ?? null] as const);
  it.each(rows)('%s answers %d %s and writes nothing', async (_name, status, code, send, setup) => {
    if (setup) expect((await setup()).status).toBe(201);
    const head = async () => (await app.get('/health', { as: null })).body.eventStore.headPosition as number;
    const before = await head();
    const answer = await send();
    expect({ status: answer.status, code: answer.body?.code }).toEqual({ status, code });
    expect(answer.body).toEqual(expect.objectContaining({ statusCode: status, message: expect.any(String) }));
    expect(await head()).toBe(before);
  });

  it('names the conflicting events of a TIMELINE_CONFLICT', async () => {
    const answer = await app.post(`${TADAMON}/retractions`, { eventId: ids['counterattack-retakes'], reason: 'test' }, { as: 'admin' });
    expect(answer.body.details).toEqual([
      expect.objectContaining({ eventId: ids['withdrawal'], type: 'ForcesRetreated', positionId: P.bakery1, problem: 'NOT_CONTROLLED' }),
      expect.objectContaining({ eventId: ids['withdrawal'], type: 'ForcesRetreated', positionId: P.bakery2, problem: 'NOT_CONTROLLED' }),
    ]);
  });

  it('lists each invalid field of a VALIDATION_FAILED', async () => {
    const answer = await app.post(`${TADAMON}/captures`, capture({ sources: [{ ...source, credibility: '3', reliability: 'Z' }], extra: 1 }));
    expect(answer.status).toBe(400);
    const fields = (answer.body.details as { field: string }[]).map((d) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['sources[0].credibility', 'sources[0].reliability', 'extra']));
  });

  it('accepts null for optional fields', async () => {
    const answer = await app.post(`${TADAMON}/attacks`, {
      attackers: ['isis'],
      defenders: ['ndf'],
      targets: null,
      origin: null,
      timePrecision: null,
      notes: null,
      occurredAt: PLACEHOLDER_DATES.missiles,
      sources: [{ ...source, url: null, protected: null }],
    });
    expect(answer.status).toBe(201);
    const events = await allEvents(app);
    const recorded = events.find((e) => e.eventId === answer.body.eventId)!;
    expect(recorded.data).toEqual({
      neighbourhoodId: 'damascus-tadamon',
      attackers: ['isis'],
      defenders: ['ndf'],
      targets: [],
      occurredAt: PLACEHOLDER_DATES.missiles,
      timePrecision: 'exact',
      sources: [source],
    });
  });
});

describe('restart', () => {
  it('keeps every event and goes on from the same revision', async () => {
    const data = temporaryDataDir();
    try {
      let app = await startApp(data.dir);
      await playScenario(app);
      const before = await allEvents(app);
      await app.stop();

      app = await startApp(data.dir);
      expect(await allEvents(app)).toEqual(before);
      const next = await app.post(`${TADAMON}/retreats`, {
        by: 'syrian-regime',
        positions: [P.regimePart],
        yieldedTo: 'isis',
        occurredAt: '2018-04-20T00:00:00Z',
        sources: [source],
      });
      expect(next.status).toBe(201);
      expect(next.body.streamRevision).toBe(before.length);
      await app.stop();
    } finally {
      data.remove();
    }
  });
});
