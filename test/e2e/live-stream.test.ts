import { TADAMON_POSITIONS as P } from '../../scripts/tadamon-scenario.js';
import { KEYS, type KeyRole, type RunningApp, playScenario, startApp, temporaryDataDir } from './app-harness.js';
import { type SseMessage, type SseStream, openSse } from './sse-client.js';

const TADAMON = 'damascus-tadamon';
const ALEPPO = 'aleppo-salah-al-din';
const informant = { name: 'Abu Khalil, resident of Nasrin street', kind: 'informant', reliability: 'B', credibility: 2, url: 'https://chat.example.net/t/7731', protected: true };
const field = { name: 'field sources', kind: 'field', reliability: 'C', credibility: 3 };

const eventsOnly = (messages: readonly SseMessage[]): SseMessage[] => messages.filter((m) => m.event !== 'control');
const ids = (messages: readonly SseMessage[]): (string | undefined)[] => messages.map((m) => m.id);
/** An incident's or a control message's own neighbourhoodId, or that of the event data of an /events item. */
const neighbourhoodOf = (message: SseMessage): string | undefined => message.json.neighbourhoodId ?? message.json.data?.neighbourhoodId;
const hasId = (id: string) => (messages: readonly SseMessage[]) => messages.some((m) => m.id === id);

describe('GET /v1/stream', () => {
  const data = temporaryDataDir();
  let app: RunningApp;
  let head = 0;
  let protectedCapture: { eventId: string; position: number };
  let assessment: { eventId: string; position: number };
  const open: SseStream[] = [];

  const stream = async (query = '', role: KeyRole = 'analyst', headers: Record<string, string> = {}): Promise<SseStream> => {
    const sse = await openSse(`${app.url}/v1/stream${query}`, { authorization: `Bearer ${KEYS[role]}`, ...headers });
    open.push(sse);
    return sse;
  };

  beforeAll(async () => {
    app = await startApp(data.dir, { env: { TIMELINE_STREAM_HEARTBEAT_MS: '100' } });
    const { ids: scenario } = await playScenario(app);
    const aleppo = await app.post('/v1/neighbourhoods', {
      id: ALEPPO,
      name: 'Salah al-Din',
      city: 'Aleppo',
      country: 'Syria',
      controlAsOf: '2018-04-16T00:00:00Z',
      positions: [{ id: 'salah-core', name: 'Salah al-Din', controller: 'opposition-factions' }],
    });
    expect(aleppo.status).toBe(201);
    const assessed = await app.post(
      `/v1/neighbourhoods/${TADAMON}/assessments`,
      { eventId: scenario['wednesday-attack'], status: 'confirmed', reason: 'Three outlets agree' },
      { as: 'editor' },
    );
    expect(assessed.status).toBe(201);
    assessment = assessed.body;
    // Last, a capture that changes who holds what: the head has a control message.
    const capture = await app.post(`/v1/neighbourhoods/${TADAMON}/captures`, {
      by: 'ndf',
      positions: [P.regimePart],
      occurredAt: '2018-04-19T20:00:00Z',
      sources: [field, informant],
    });
    expect(capture.status).toBe(201);
    protectedCapture = capture.body;
    head = protectedCapture.position;
  });

  afterEach(() => {
    for (const sse of open.splice(0)) sse.close();
  });

  afterAll(async () => {
    await app.stop();
    data.remove();
  });

  it('replays the log from=0 in log order, every position once, as text/event-stream', async () => {
    const sse = await stream('?from=0');
    expect(sse.status).toBe(200);
    expect(sse.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(sse.headers['cache-control']).toBe('no-cache, no-transform');
    await sse.waitFor(hasId(`${head}/control`), 'the last control message');
    const events = eventsOnly(sse.messages);
    expect(ids(events)).toEqual(Array.from({ length: head }, (_, index) => String(index + 1)));
    for (const message of events) expect(message.event).toBe(message.json.type);
    // A control message comes right after the event it follows.
    sse.messages.forEach((message, index) => {
      if (message.event === 'control') expect(sse.messages[index - 1]!.id).toBe(message.id!.replace('/control', ''));
    });
  });

  it('sends an incident as its timeline item as recorded, with its position, and any other event as its /events item', async () => {
    const sse = await stream('?from=0', 'editor');
    await sse.waitFor(hasId(String(head)));
    const capture = sse.messages.find((m) => m.id === String(protectedCapture.position))!;
    // The feed reads the log itself; the read models may file the head a moment later.
    const timeline = await app.get(`/v1/neighbourhoods/${TADAMON}/timeline?eventId=${protectedCapture.eventId}&minPosition=${head}`, { as: 'editor' });
    expect(timeline.status).toBe(200);
    expect(capture.json).toEqual({ ...timeline.body.items[0], position: protectedCapture.position });
    expect(capture.json.status).toBe('unverified');
    expect(capture.json.retracted).toBe(false);

    // The attack was confirmed later: its message is still the item as recorded.
    const attack = sse.messages.find((m) => m.event === 'AttackLaunched')!;
    expect(attack.json).toMatchObject({ status: 'unverified', assessments: [], retracted: false });

    const assessed = sse.messages.find((m) => m.id === String(assessment.position))!;
    const events = await app.get(`/v1/neighbourhoods/${TADAMON}/events?limit=1000`, { as: 'editor' });
    expect(assessed.json).toEqual(events.body.items.find((item: { eventId: string }) => item.eventId === assessment.eventId));
    expect(assessed.json.metadata.requestId).toBeUndefined();
  });

  it('redacts protected sources for analysts and editors, never for admins', async () => {
    const position = String(protectedCapture.position);
    for (const role of ['analyst', 'editor'] as const) {
      const sse = await stream(`?from=${protectedCapture.position - 1}&type=PositionCaptured`, role);
      await sse.waitFor(hasId(position));
      expect(sse.raw()).not.toContain(informant.name);
      expect(sse.raw()).not.toContain(informant.url);
      expect(sse.messages[0]!.json.sources[1]).toEqual({ protected: true, kind: 'informant', reliability: 'B', credibility: 2 });
    }
    const admin = await stream(`?from=${protectedCapture.position - 1}&type=PositionCaptured`, 'admin');
    await admin.waitFor(hasId(position));
    expect(admin.messages[0]!.json.sources[1]).toEqual(informant);
  });

  it('sends the same bytes again on a replay', async () => {
    const first = await stream('?from=0');
    const second = await stream('?from=0');
    for (const sse of [first, second]) await sse.waitFor(hasId(`${head}/control`));
    expect(second.messages).toEqual(first.messages);
  });

  it('ends with the control summary the control query answers, and control messages only where it changed', async () => {
    const sse = await stream('?from=0&type=control&neighbourhood=' + TADAMON);
    await sse.waitFor(hasId(`${head}/control`));
    const last = sse.messages[sse.messages.length - 1]!.json;
    const control = await app.get(`/v1/neighbourhoods/${TADAMON}/control?minPosition=${head}`);
    expect(last).toMatchObject({
      neighbourhoodId: TADAMON,
      position: head,
      eventId: protectedCapture.eventId,
      shares: control.body.shares,
      sideShares: control.body.sideShares,
      majorityController: control.body.majorityController,
      contestedPositions: control.body.contestedPositions,
    });
    const summaries = sse.messages.map(({ json: { shares, sideShares, majorityController, contestedPositions } }) =>
      JSON.stringify({ shares, sideShares, majorityController, contestedPositions }),
    );
    summaries.forEach((summary, index) => {
      if (index > 0) expect(summary).not.toBe(summaries[index - 1]);
    });
  });

  it("resumes after N with N's control message, and after N/control without it", async () => {
    const afterEvent = await stream('', 'analyst', { 'last-event-id': String(head) });
    await afterEvent.waitFor((messages) => messages.length > 0);
    expect(afterEvent.messages[0]).toMatchObject({ id: `${head}/control`, event: 'control' });

    const afterControl = await stream('?from=0', 'analyst', { 'last-event-id': `${head}/control` });
    const next = await app.post(`/v1/neighbourhoods/${ALEPPO}/casualties`, { killed: { best: 1 }, occurredAt: '2018-04-20T10:00:00Z', sources: [field] });
    expect(next.status).toBe(201);
    await afterControl.waitFor((messages) => messages.length > 0);
    // The header wins over from=0, and nothing of position `head` comes again.
    expect(afterControl.messages[0]!.id).toBe(String(next.body.position));
    head = next.body.position;
  });

  it('starts at the head when neither Last-Event-ID nor from is given', async () => {
    const sse = await stream();
    const next = await app.post(`/v1/neighbourhoods/${ALEPPO}/casualties`, { killed: { best: 2 }, occurredAt: '2018-04-20T11:00:00Z', sources: [field] });
    await sse.waitFor(hasId(String(next.body.position)));
    expect(ids(sse.messages)).toEqual([String(next.body.position)]);
    head = next.body.position;
  });

  it('filters by neighbourhood, city and type: OR within a parameter, AND across them', async () => {
    const everything = await stream('?from=0');
    await everything.waitFor(hasId(String(head)));
    /** The stream of `query` sends exactly the messages of the unfiltered stream that `keep` keeps. */
    const expectFiltered = async (query: string, keep: (message: SseMessage) => boolean): Promise<SseMessage[]> => {
      const expected = everything.messages.filter(keep);
      const sse = await stream(query);
      await sse.waitFor((messages) => messages.length >= expected.length);
      expect(ids(sse.messages)).toEqual(ids(expected));
      return sse.messages;
    };
    const aleppo = await expectFiltered('?from=0&city=Aleppo', (m) => neighbourhoodOf(m) === ALEPPO);
    expect(aleppo.map((m) => m.event)).toEqual(expect.arrayContaining(['NeighbourhoodRegistered', 'control']));
    // Actor registrations belong to no neighbourhood: they pass only without a neighbourhood or city filter.
    const registrations = await expectFiltered('?from=0&type=ActorRegistered&type=NeighbourhoodRegistered', (m) =>
      ['ActorRegistered', 'NeighbourhoodRegistered'].includes(m.event),
    );
    expect(registrations.some((m) => m.event === 'ActorRegistered')).toBe(true);
    const both = await expectFiltered(
      `?from=0&neighbourhood=${ALEPPO}&neighbourhood=damascus-yarmouk-camp&type=NeighbourhoodRegistered&type=control`,
      (m) => ['NeighbourhoodRegistered', 'control'].includes(m.event) && [ALEPPO, 'damascus-yarmouk-camp'].includes(neighbourhoodOf(m)!),
    );
    expect(both.map((m) => m.event)).toEqual(['NeighbourhoodRegistered', 'control', 'NeighbourhoodRegistered', 'control']);
    await expectFiltered('?from=0&city=Damascus&city=Aleppo&type=CasualtiesReported', (m) => m.event === 'CasualtiesReported');
  });

  it('takes an empty filter value as no filter, as an absent parameter', async () => {
    const everything = await stream('?from=0');
    await everything.waitFor(hasId(String(head)));
    const sse = await stream('?from=0&type=&neighbourhood=&city=');
    await sse.waitFor(hasId(String(head)));
    expect(ids(sse.messages)).toEqual(ids(everything.messages));
    // An empty value beside real ones drops out of the list.
    const captures = everything.messages.filter((m) => m.event === 'PositionCaptured');
    const filtered = await stream('?from=0&type=&type=PositionCaptured');
    await filtered.waitFor((messages) => messages.length >= captures.length);
    expect(ids(filtered.messages)).toEqual(ids(captures));
  });

  it('names what is wrong with a repeated filter value', async () => {
    const answer = await app.get(`/v1/stream?neighbourhood=${TADAMON}&neighbourhood=NOPE`);
    expect(answer).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    const problems = JSON.stringify(answer.body.details);
    expect(problems).toContain('must be a lowercase slug');
    expect(problems).not.toContain('must be a string');
  });

  it('leaves control messages out of a type filter that does not list control', async () => {
    const everything = await stream('?from=0');
    await everything.waitFor(hasId(String(head)));
    const expected = everything.messages.filter((m) => m.event === 'PositionCaptured');
    const sse = await stream(`?from=0&type=PositionCaptured`);
    await sse.waitFor((messages) => messages.length >= expected.length);
    expect(ids(sse.messages)).toEqual(ids(expected));
  });

  it('sends a heartbeat comment in silences', async () => {
    const sse = await stream();
    await sse.waitForComment('heartbeat');
    expect(sse.raw()).toContain(': heartbeat\n\n');
  });

  it.each([
    ['?from=1.5', {}, 'from'],
    ['?from=-1', {}, 'from'],
    ['?from=abc', {}, 'from'],
    ['?from=999999', {}, 'from'],
    ['?type=ReportFiled', {}, 'type'],
    ['?type=WebhookRegistered', {}, 'type'],
    ['?neighbourhood=Not%20A%20Slug', {}, 'neighbourhood'],
    ['?since=3', {}, 'since'],
    ['', { 'last-event-id': '12abc' }, 'Last-Event-ID'],
    ['', { 'last-event-id': '3/controls' }, 'Last-Event-ID'],
    ['?from=0', { 'last-event-id': '999999/control' }, 'Last-Event-ID'],
  ])('refuses %s %j with 400 VALIDATION_FAILED naming %s', async (query, headers, field) => {
    const answer = await app.get(`/v1/stream${query}`, { headers });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    expect(JSON.stringify(answer.body.details)).toContain(field);
  });

  it('is for analysts, editors and admins', async () => {
    expect((await app.get('/v1/stream', { as: 'writer' })).status).toBe(403);
    expect((await app.get('/v1/stream', { as: null })).status).toBe(401);
  });

  it('is documented in the OpenAPI document as text/event-stream', async () => {
    const doc = await app.get('/docs-json', { as: null });
    const operation = doc.body.paths['/v1/stream'].get;
    expect(Object.keys(operation.responses['200'].content)).toEqual(['text/event-stream']);
    expect(operation.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['neighbourhood', 'type', 'city', 'from', 'Last-Event-ID']));
  });
});

describe('GET /v1/stream: a consumer that falls behind', () => {
  const data = temporaryDataDir();
  let app: RunningApp;

  beforeAll(async () => {
    app = await startApp(data.dir, { env: { TIMELINE_STREAM_BACKLOG_MESSAGES: '10', TIMELINE_STREAM_BACKLOG_BYTES: String(4 * 1024 * 1024) } });
    await playScenario(app);
  });

  afterAll(async () => {
    await app.stop();
    data.remove();
  });

  it('is cut off after its last whole message, and resumes without a gap or a repeat', async () => {
    const auth = { authorization: `Bearer ${KEYS.analyst}` };
    const slow = await openSse(`${app.url}/v1/stream`, auth);
    slow.pause();
    // Large reports, so that the sockets' own buffers fill and the backlog builds in the server.
    const sources = Array.from({ length: 50 }, (_, index) => ({ ...field, name: `outlet ${index}`, url: `https://news.example.org/${'a'.repeat(1900)}/${index}` }));
    let last = 0;
    let first = 0;
    for (let index = 0; index < 200; index += 1) {
      const answer = await app.post(`/v1/neighbourhoods/${TADAMON}/casualties`, {
        killed: { best: index },
        occurredAt: '2018-04-20T12:00:00Z',
        sources,
        notes: 'n'.repeat(9000),
      });
      expect(answer.status).toBe(201);
      first ||= answer.body.position;
      last = answer.body.position;
    }
    slow.resume();
    await slow.ended;
    const received = eventsOnly(slow.messages);
    expect(received.length).toBeGreaterThan(0);
    expect(received.length).toBeLessThan(last - first + 1);
    // Whole messages only: the text ends at a message boundary.
    expect(slow.raw().endsWith('\n\n')).toBe(true);

    const resumed = await openSse(`${app.url}/v1/stream`, { ...auth, 'last-event-id': received[received.length - 1]!.id! });
    await resumed.waitFor(hasId(String(last)));
    resumed.close();
    const positions = [...received, ...eventsOnly(resumed.messages)].map((m) => Number(m.id));
    expect(positions).toEqual(Array.from({ length: last - first + 1 }, (_, index) => first + index));
  });
});
