import { PLACEHOLDER_DATES as T, TADAMON_POSITIONS as P } from '../../scripts/tadamon-scenario.js';
import { type RunningApp, playScenario, startApp, temporaryDataDir } from './app-harness.js';

/*
 * Reports are claims, over HTTP: the demo's claims as the API answers them, assessments and
 * their refusals, perspectives, the timeline's new fields and filters, the head of a stream,
 * and protected sources in every new field and filter.
 */
const TADAMON = '/v1/neighbourhoods/damascus-tadamon';
const field = { name: 'field sources', kind: 'field', reliability: 'C', credibility: 3 };
const SECRET = 'Abu Salim, bakery night watchman';
const informant = { name: SECRET, kind: 'informant', reliability: 'A', credibility: 1, protected: true, reportedAt: '2018-04-19T20:00:00Z' };

describe('claims over HTTP', () => {
  const data = temporaryDataDir();
  let app: RunningApp;
  let ids: Record<string, string>;
  let lastPosition: number;

  beforeAll(async () => {
    app = await startApp(data.dir, { env: { TIMELINE_RATE_LIMIT_PER_SECOND: '0' } });
    ({ ids, lastPosition } = await playScenario(app));
  }, 60_000);

  afterAll(async () => {
    await app.stop();
    data.remove();
  });

  const control = (query: string, as: 'analyst' | 'admin' = 'analyst') =>
    app.get(`${TADAMON}/control?asOf=${encodeURIComponent(T.missiles)}&minPosition=${lastPosition}${query}`, { as });
  const timeline = (query: string, as: 'analyst' | 'admin' = 'analyst') => app.get(`${TADAMON}/timeline?minPosition=${lastPosition}${query}`, { as });

  it('records a narrower report of the same advance as corroborating, naming what it corroborates', async () => {
    const item = (await timeline(`&eventId=${ids['damascus-now-claim']}`)).body.items[0];
    expect(item).toMatchObject({ standing: 'corroborating', status: 'unverified', corroborates: [ids['wednesday-captures']], reportedAt: '2018-04-18T16:00:00.000Z' });
    expect(item).not.toHaveProperty('conflictsWith');
  });

  it('records a contradicting report as conflicting, with what it contradicts and what refuse mode would have said', async () => {
    const item = (await timeline(`&eventId=${ids['handover-claim']}`)).body.items[0];
    expect(item).toMatchObject({
      standing: 'conflicting',
      status: 'disputed',
      conflictCode: 'TIMELINE_CONFLICT',
      conflictsWith: [ids['withdrawal']],
      assessments: [{ status: 'disputed', reason: expect.stringContaining('pro-government'), recordedBy: expect.stringMatching(/^editor-/) }],
    });
    // The same claim in refuse mode is refused, and writes nothing.
    const { onConflict: _record, ...body } = (await import('../../scripts/tadamon-scenario.js')).tadamonScenario
      .find((step) => step.label === 'handover-claim')!
      .body(ids) as Record<string, unknown>;
    const refused = await app.post(`${TADAMON}/retreats`, body);
    expect(refused).toMatchObject({ status: 409, body: { code: 'TIMELINE_CONFLICT' } });
  });

  it('answers every command with its standing, and a retry with the very same answer', async () => {
    const claim = { by: 'isis', positions: [P.blockA], occurredAt: T.wednesdayCaptures, timePrecision: 'day', onConflict: 'record', sources: [field] };
    const first = await app.post(`${TADAMON}/captures`, claim, { headers: { 'idempotency-key': 'claims-e2e-corroboration' } });
    expect(first).toMatchObject({ status: 201, body: { standing: 'corroborating', corroborates: [ids['wednesday-captures']] } });
    const again = await app.post(`${TADAMON}/captures`, claim, { headers: { 'idempotency-key': 'claims-e2e-corroboration' } });
    expect(again).toMatchObject({ status: 200, body: first.body });
    const attack = await app.post(`${TADAMON}/attacks`, { attackers: ['isis'], defenders: ['ndf'], occurredAt: T.missiles, sources: [field] });
    expect(attack.body.standing).toBe('accepted');
    const actor = await app.post('/v1/actors', { id: 'claims-e2e-actor', name: 'Claims actor', side: 'none' });
    expect(actor.body.standing).toBe('accepted');
    lastPosition = Math.max(lastPosition, first.body.position, attack.body.position, actor.body.position);
  });

  it('the default control view is the accepted timeline: claims that conflict count nowhere', async () => {
    const answer = await control('');
    expect(answer.status).toBe(200);
    expect(answer.body).not.toHaveProperty('perspective');
    const bakery = answer.body.positions.find((p: { id: string }) => p.id === P.bakery1);
    expect(bakery).toMatchObject({ controller: 'isis', eventId: ids['withdrawal'] });
    // The withdrawal, nothing after it says the same of the bakery north block.
    expect(bakery.evidence).toEqual({ reports: 1, sources: 1, bestReliability: 'B', bestCredibility: 3 });
    const blockA = answer.body.positions.find((p: { id: string }) => p.id === P.blockA);
    // The field sources' capture, Damascus Now's narrower claim, and the corroboration above.
    expect(blockA).toMatchObject({ controller: 'isis', eventId: ids['wednesday-captures'], evidence: { reports: 3, sources: 3, bestReliability: 'C' } });
  });

  it('answers who controlled what according to one outlet, or counting confirmed reports only', async () => {
    const damascusNow = await control(`&source=${encodeURIComponent('Damascus Now (دمشق الآن)')}`);
    expect(damascusNow.body.perspective).toEqual({ source: 'Damascus Now (دمشق الآن)', claims: 'accepted' });
    expect(damascusNow.body.skipped).toEqual([]);
    // In Damascus Now's own reports its narrower claim finds block A already taken, and the regime
    // never retook the bakery: its handover applies nowhere.
    const itsClaims = await control(`&source=${encodeURIComponent('Damascus Now (دمشق الآن)')}&claims=all`);
    expect(itsClaims.body.skipped).toEqual([
      { eventId: ids['damascus-now-claim'], code: 'ALREADY_CONTROLLED' },
      { eventId: ids['handover-claim'], code: 'NOT_CONTROLLED' },
    ]);
    // Among every claim, the handover folds before the withdrawal, which then applies nowhere.
    const everyClaim = await control('&claims=all');
    expect(everyClaim.body.positions.find((p: { id: string }) => p.id === P.bakery1)).toMatchObject({ controller: 'ndf', eventId: ids['handover-claim'] });
    // Corroborating claims fold too, and find their positions already as they say.
    expect(everyClaim.body.skipped).toEqual(
      expect.arrayContaining([
        { eventId: ids['damascus-now-claim'], code: 'ALREADY_CONTROLLED' },
        { eventId: ids['amaq-claim'], code: 'ALREADY_CONTROLLED' },
        { eventId: ids['withdrawal'], code: 'NOT_CONTROLLED' },
      ]),
    );
    const confirmed = await control('&status=confirmed');
    expect(confirmed.body.perspective).toEqual({ status: 'confirmed', claims: 'accepted' });
    expect(confirmed.body.positions.find((p: { id: string }) => p.id === P.southern)).toMatchObject({ controller: 'syrian-regime', eventId: null });
    expect(confirmed.body.positions.find((p: { id: string }) => p.id === P.bakery2)).toMatchObject({ controller: 'isis', eventId: ids['wednesday-captures'] });
    const published = await control('&reportedBy=2018-04-18T15:00:00Z&claims=accepted');
    expect(published.body.perspective).toEqual({ reportedBy: '2018-04-18T15:00:00.000Z', claims: 'accepted' });
  });

  it('an explicit claims=accepted adds perspective and skipped and otherwise equals the default answer', async () => {
    const knownAt = `&knownAt=${encodeURIComponent(new Date().toISOString())}`;
    const plain = await control(knownAt);
    const explicit = await control(`${knownAt}&claims=accepted`);
    expect(explicit.body).toEqual({ ...plain.body, perspective: { claims: 'accepted' }, skipped: [] });
  });

  it('refuses a perspective it cannot read', async () => {
    for (const query of ['&status=disputed', '&status=refuted', '&minReliability=G', '&minCredibility=7', '&claims=some', '&source=a&source=b', '&reportedBy=Thursday']) {
      const answer = await control(query);
      expect({ query, status: answer.status, code: answer.body.code }).toEqual({ query, status: 400, code: 'VALIDATION_FAILED' });
    }
  });

  it('filters the timeline by standing, status and source', async () => {
    const conflicting = await timeline('&standing=conflicting');
    expect(conflicting.body.items.map((i: { eventId: string }) => i.eventId)).toEqual([ids['handover-claim']]);
    const confirmed = await timeline('&status=confirmed');
    expect(confirmed.body.items.map((i: { eventId: string }) => i.eventId)).toEqual([ids['wednesday-captures']]);
    const amaq = await timeline(`&source=${encodeURIComponent('Amaq (أعماق)')}`);
    expect(amaq.body.items.map((i: { eventId: string }) => i.eventId)).toEqual([ids['wednesday-captures'], ids['amaq-claim']]);
    for (const query of ['&standing=accepted&standing=conflicting', '&status=sure', '&source=x&source=y']) {
      expect((await timeline(query)).status).toBe(400);
    }
  });

  describe('assessments', () => {
    const assess = (eventId: string, status: string, as: 'editor' | 'admin' | 'analyst' | 'writer' = 'editor') =>
      app.post(`${TADAMON}/assessments`, { eventId, status, reason: 'checked against the field sources' }, { as });

    it('answers with the report, its status and standing; refusing a report others depend on is TIMELINE_CONFLICT', async () => {
      const confirmed = await assess(ids['thursday-advance']!, 'confirmed');
      expect(confirmed).toMatchObject({ status: 201, body: { type: 'ReportAssessed', assessed: { eventId: ids['thursday-advance'], status: 'confirmed', standing: 'accepted' } } });
      expect(confirmed.body).not.toHaveProperty('standing');
      // The withdrawal gave the bakery back to ISIS: refuting the retake would make it impossible.
      const refused = await assess(ids['counterattack-retakes']!, 'refuted');
      expect(refused).toMatchObject({ status: 409, body: { code: 'TIMELINE_CONFLICT' } });
      expect(JSON.stringify(refused.body.details)).toContain(ids['withdrawal']!);
    });

    it('refuses the same status again, a retracted report, an unknown one, and roles that may not assess', async () => {
      expect(await assess(ids['wednesday-captures']!, 'confirmed')).toMatchObject({ status: 409, body: { code: 'ALREADY_EXISTS' } });
      expect(await assess('6f1d2c3b-4a59-4c5b-9e0a-9b3a2f447d1e', 'confirmed')).toMatchObject({ status: 404, body: { code: 'EVENT_NOT_FOUND' } });
      const false_ = await app.post(`${TADAMON}/casualties`, { killed: { best: 1 }, occurredAt: T.missiles, sources: [field] });
      await app.post(`${TADAMON}/retractions`, { eventId: false_.body.eventId, reason: 'duplicate' }, { as: 'admin' });
      expect(await assess(false_.body.eventId, 'confirmed')).toMatchObject({ status: 409, body: { code: 'REPORT_RETRACTED' } });
      expect((await assess(ids['missiles']!, 'disputed', 'analyst')).status).toBe(403);
      expect((await assess(ids['missiles']!, 'disputed', 'writer')).status).toBe(403);
      expect((await assess(ids['missiles']!, 'disputed', 'admin')).status).toBe(201);
      const noReason = await app.post(`${TADAMON}/assessments`, { eventId: ids['missiles'], status: 'refuted' }, { as: 'editor' });
      expect(noReason).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    });
  });

  describe('provenance time', () => {
    it("refuses a source that published before the event's window, or after the server's clock", async () => {
      const early = await app.post(`${TADAMON}/attacks`, {
        attackers: ['isis'],
        defenders: ['ndf'],
        occurredAt: T.missiles,
        timePrecision: 'day',
        sources: [{ ...field, reportedAt: '2018-04-18T23:59:59Z' }],
      });
      expect(early).toMatchObject({ status: 422, body: { code: 'REPORTED_BEFORE_OCCURRED' } });
      const future = await app.post(`${TADAMON}/attacks`, {
        attackers: ['isis'],
        defenders: ['ndf'],
        occurredAt: T.missiles,
        sources: [{ ...field, reportedAt: new Date(Date.now() + 3_600_000).toISOString() }],
      });
      expect(future).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
      expect(future.body.details[0].field).toBe('sources[0].reportedAt');
    });
  });

  describe('protected sources', () => {
    let informantReport: string;

    beforeAll(async () => {
      const answer = await app.post(`${TADAMON}/captures`, {
        by: 'isis',
        positions: [P.blockA],
        occurredAt: T.missiles,
        onConflict: 'record',
        sources: [informant],
      });
      expect(answer.status).toBe(201);
      informantReport = answer.body.eventId;
      lastPosition = answer.body.position;
    });

    it('a non-admin naming a protected source matches nothing, on the control and on the timeline', async () => {
      const control_ = await control(`&source=${encodeURIComponent(SECRET)}`);
      expect(control_.body.positions.every((p: { eventId: string | null }) => p.eventId === null)).toBe(true);
      expect((await timeline(`&source=${encodeURIComponent(SECRET)}`)).body.items).toEqual([]);
      const asAdmin = await timeline(`&source=${encodeURIComponent(SECRET)}`, 'admin');
      expect(asAdmin.body.items.map((i: { eventId: string }) => i.eventId)).toEqual([informantReport]);
      const adminControl = await control(`&source=${encodeURIComponent(SECRET)}&claims=all`, 'admin');
      expect(adminControl.body.positions.find((p: { id: string }) => p.id === P.blockA)).toMatchObject({ controller: 'isis' });
    });

    it('shows analysts its ratings and its date in every new field, never its name', async () => {
      const item = (await timeline(`&eventId=${informantReport}`)).body.items[0];
      expect(item.sources).toEqual([{ protected: true, kind: 'informant', reliability: 'A', credibility: 1, reportedAt: '2018-04-19T20:00:00.000Z' }]);
      expect(item.reportedAt).toBe('2018-04-19T20:00:00.000Z');
      for (const answer of [await timeline(''), await control(''), await control('&claims=all'), await control('&minReliability=A')]) {
        expect(answer.text).not.toContain(SECRET);
      }
      // Its ratings count for every caller; it corroborates, so it folds with claims=all.
      const best = await control('&minReliability=A&minCredibility=1&claims=all');
      expect(best.body.positions.find((p: { id: string }) => p.id === P.blockA)).toMatchObject({ controller: 'isis' });
    });
  });

  it('tells a writer the revision an If-Match needs', async () => {
    const head = await app.get(`${TADAMON}/head`, { as: 'writer' });
    expect(head.status).toBe(200);
    expect(head.body).toEqual({ neighbourhoodId: 'damascus-tadamon', streamRevision: expect.any(Number), position: expect.any(Number) });
    expect(head.headers.get('etag')).toBe(`"${head.body.streamRevision}"`);
    const conditional = await app.post(`${TADAMON}/attacks`, { attackers: ['isis'], defenders: ['ndf'], occurredAt: T.missiles, sources: [field] }, {
      headers: { 'if-match': `"${head.body.streamRevision}"` },
    });
    expect(conditional.status).toBe(201);
    expect((await app.get('/v1/neighbourhoods/nowhere-at-all/head', { as: 'writer' })).status).toBe(404);
  });
});
