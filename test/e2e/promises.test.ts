/**
 * Promises of the README that no other test held: concurrent conflicting reports of one position
 * leave a gap-free stream whose control equals a rebuild from the log, and the running server's
 * durability is the one its own store connection reports (not a constant). Waits are bounded,
 * never timed.
 */
import { randomUUID } from 'node:crypto';
import { type RunningApp, startApp, temporaryDataDir } from './app-harness.js';
import { exitWithin, startServer, temporaryDataDir as serverDataDir } from './server-process.js';

const TOWN = '/v1/neighbourhoods/contested-town';
const BOUND_MS = 30_000;
const SOURCE = { name: 'field sources', kind: 'field', reliability: 'C', credibility: 3 };
const KNOWN_AT = '2100-01-01T00:00:00Z';

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + BOUND_MS;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${BOUND_MS} ms; last: ${JSON.stringify(value).slice(0, 500)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Command k of 50: a capture or a retreat of the bakery by one side or the other, at one of ten
 * hours (so that many arrive late, before reports already recorded), a third of them in record
 * mode. Which of them the rules accept depends on the order they are decided in.
 */
function contestedReport(k: number): { path: string; body: Record<string, unknown> } {
  const occurredAt = new Date(Date.UTC(2018, 3, 17, k % 10)).toISOString();
  const common = { positions: ['bakery'], occurredAt, sources: [SOURCE], ...(k % 3 === 0 && { onConflict: 'record' }) };
  switch (k % 4) {
    case 0:
      return { path: `${TOWN}/captures`, body: { ...common, by: 'isis' } };
    case 1:
      return { path: `${TOWN}/captures`, body: { ...common, by: 'syrian-regime' } };
    case 2:
      return { path: `${TOWN}/retreats`, body: { ...common, by: 'isis', yieldedTo: 'syrian-regime' } };
    default:
      return { path: `${TOWN}/retreats`, body: { ...common, by: 'syrian-regime', yieldedTo: 'isis' } };
  }
}

describe('50 conflicting captures and retreats of one position, sent at once', () => {
  const data = temporaryDataDir();
  let app: RunningApp;
  let answers: { status: number; body: { eventId?: string; code?: string } }[];

  const controlAnswers = async (): Promise<unknown[]> =>
    Promise.all(
      ['2018-04-17T03:30:00Z', '2018-04-17T09:30:00Z', '2018-04-18T00:00:00Z'].map(async (asOf) => {
        const answer = await app.get(`${TOWN}/control?asOf=${asOf}&knownAt=${KNOWN_AT}`, { as: 'admin' });
        expect(answer.status).toBe(200);
        return answer.body;
      }),
    );

  beforeAll(async () => {
    app = await startApp(data.dir);
    for (const actor of [
      { id: 'isis', name: 'ISIS', side: 'isis', kind: 'rebel-group' },
      { id: 'syrian-regime', name: 'Regime', side: 'pro-government', kind: 'state-forces' },
    ]) {
      expect((await app.post('/v1/actors', actor)).status).toBe(201);
    }
    const registered = await app.post('/v1/neighbourhoods', {
      id: 'contested-town',
      name: 'Contested town',
      city: 'Damascus',
      country: 'Syria',
      controlAsOf: '2018-04-16T00:00:00Z',
      positions: [{ id: 'bakery', name: 'Bakery', kind: 'building', controller: 'syrian-regime' }],
    });
    expect(registered.status).toBe(201);
    answers = await Promise.all(
      Array.from({ length: 50 }, (_, k) => {
        const { path, body } = contestedReport(k);
        return app.post(path, body, { headers: { 'idempotency-key': randomUUID() } });
      }),
    );
  }, 120_000);

  afterAll(async () => {
    await app.stop();
    data.remove();
  });

  it('answers each one as the rules say: recorded, or refused with a conflict code, never a server error', () => {
    for (const answer of answers) {
      expect(answer.status === 201 || (answer.status === 409 && ['ALREADY_CONTROLLED', 'NOT_CONTROLLED', 'TIMELINE_CONFLICT'].includes(answer.body.code!))).toBe(true);
    }
    expect(answers.filter((answer) => answer.status === 201).length).toBeGreaterThan(1);
    expect(answers.filter((answer) => answer.status === 409).length).toBeGreaterThan(1);
  });

  it('leaves a stream without gaps: revisions 0 to n, positions rising, each recorded report once', async () => {
    const events: { eventId: string; streamRevision: number; position: number }[] = [];
    for (let from = 0; ; ) {
      const page = await app.get(`${TOWN}/events?limit=7&fromRevision=${from}`, { as: 'admin' });
      expect(page.status).toBe(200);
      events.push(...page.body.items);
      if (page.body.nextFromRevision === undefined) break;
      from = page.body.nextFromRevision;
    }
    const recorded = answers.filter((answer) => answer.status === 201).map((answer) => answer.body.eventId);
    expect(events.map((event) => event.streamRevision)).toEqual(events.map((_, index) => index));
    expect(events).toHaveLength(1 + recorded.length);
    expect(events.every((event, index) => index === 0 || event.position > events[index - 1]!.position)).toBe(true);
    expect(new Set(events.slice(1).map((event) => event.eventId))).toEqual(new Set(recorded));
  });

  it('answers control exactly as a rebuild of the read model from the log does', async () => {
    const head = (await app.get('/health', { as: null })).body.eventStore.headPosition as number;
    await until(
      () => app.get('/v1/projections', { as: 'admin' }),
      (answer) => answer.body.every((projection: { position: number }) => projection.position === head),
      'the read models at the head',
    );
    const live = await controlAnswers();
    const before = (await app.get('/v1/projections', { as: 'admin' })).body.find((p: { name: string }) => p.name === 'neighbourhood-control');
    expect((await app.post('/v1/projections/neighbourhood-control/rebuild', {}, { as: 'admin' })).status).toBe(202);
    await until(
      () => app.get('/v1/projections', { as: 'admin' }),
      (answer) =>
        answer.body.some(
          (p: { name: string; generation: number; position: number; status: string }) =>
            p.name === 'neighbourhood-control' && p.generation > before.generation && p.position === head && p.status === 'running',
        ),
      'the rebuilt generation live',
    );
    expect(await controlAnswers()).toEqual(live);
  }, 60_000);
});

describe("the running server's durability", () => {
  it("is what the store's own connection reports on /health: WAL, synchronous FULL", async () => {
    const data = serverDataDir();
    const server = await startServer({ dataDir: data.dir });
    try {
      const health = await server.get('/health', { as: null });
      expect(health.status).toBe(200);
      expect(health.body.eventStore).toMatchObject({ name: 'sqlite', status: 'ok', durability: { journalMode: 'wal', synchronous: 'full' } });
      server.signal('SIGTERM');
      expect(await exitWithin(server, 30_000)).toEqual({ code: 0, signal: null });
    } finally {
      await server.kill();
      data.remove();
    }
  }, 60_000);
});
