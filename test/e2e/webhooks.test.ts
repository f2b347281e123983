import { TADAMON_POSITIONS as P } from '../../scripts/tadamon-scenario.js';
import { KEYS, type RunningApp, playScenario, startApp, temporaryDataDir } from './app-harness.js';
import { openSse } from './sse-client.js';
import { type Delivery, type Receiver, startReceiver } from './webhook-receiver.js';

const TADAMON = 'damascus-tadamon';
const field = { name: 'field sources', kind: 'field', reliability: 'C', credibility: 3 };
const informant = { name: 'Abu Khalil, resident of Nasrin street', kind: 'informant', reliability: 'B', credibility: 2, protected: true };
/** Retries on a schedule a hundred times shorter: 10 ms doubling, 24 h become 864 s. */
const ENV = { TIMELINE_WEBHOOK_ALLOW_PRIVATE: 'true', TIMELINE_WEBHOOK_RETRY_SCALE: '0.01' };

const messageIds = (deliveries: readonly Delivery[]): string[] => deliveries.map((d) => d.json.id);
/** Each message once, in the order it first arrived. */
const firstArrivals = (deliveries: readonly Delivery[]): string[] => [...new Set(messageIds(deliveries))];
const casualties = (app: RunningApp, best: number) =>
  app.post(`/v1/neighbourhoods/${TADAMON}/casualties`, { killed: { best }, occurredAt: '2018-04-20T10:00:00Z', sources: [field] });

async function register(app: RunningApp, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const answer = await app.post('/v1/webhooks', body, { as: 'admin', headers });
  expect(answer.status).toBe(201);
  return answer.body as { id: string; secret: string; position: number; createdAt: string };
}

describe('webhooks', () => {
  const data = temporaryDataDir();
  let app: RunningApp;
  const receivers: Receiver[] = [];
  const receiver = async (): Promise<Receiver> => {
    const started = await startReceiver();
    receivers.push(started);
    return started;
  };

  let all: Receiver;
  let controls: Receiver;
  let hook: Awaited<ReturnType<typeof register>>;
  let controlHook: Awaited<ReturnType<typeof register>>;

  beforeAll(async () => {
    app = await startApp(data.dir, { env: ENV });
    // Registered before anything else is recorded: these two receive the whole scenario.
    all = await receiver();
    controls = await receiver();
    hook = await register(app, { url: all.url, filter: {}, description: 'everything' });
    all.setSecret(hook.secret);
    controlHook = await register(app, { url: controls.url, filter: { types: ['control'], neighbourhoods: [TADAMON] } });
    controls.setSecret(controlHook.secret);
    await playScenario(app);
  });

  afterAll(async () => {
    await app.stop();
    await Promise.all(receivers.map((r) => r.close()));
    data.remove();
  });

  it('delivers every message after the registration, in order, signed, as the stream sends it to an analyst', async () => {
    const capture = await app.post(`/v1/neighbourhoods/${TADAMON}/captures`, {
      by: 'ndf',
      positions: [P.regimePart],
      occurredAt: '2018-04-19T20:00:00Z',
      sources: [field, informant],
    });
    expect(capture.status).toBe(201);
    const last = `${capture.body.position}/control`;

    const stream = await openSse(`${app.url}/v1/stream?from=${hook.position}`, { authorization: `Bearer ${KEYS.analyst}` });
    await stream.waitFor((messages) => messages.some((m) => m.id === last));
    stream.close();
    await all.waitFor((deliveries) => deliveries.some((d) => d.json.id === last), last);

    // The registration of the control webhook is no message; everything else after the first registration is.
    expect(messageIds(all.deliveries)).toEqual(stream.messages.map((m) => m.id));
    all.deliveries.forEach((delivery, index) => {
      const message = stream.messages[index]!;
      expect(delivery.body).toBe(`{"id":${JSON.stringify(message.id)},"event":${JSON.stringify(message.event)},"data":${message.data}}`);
      expect(delivery.deliveryId).toBe(`${hook.id}:${message.id}`);
      expect(delivery.event).toBe(message.event);
      expect(delivery.verified).toBe(true);
      expect(delivery.answered).toBe(200);
    });
    expect(all.deliveries.map((d) => d.body).join('')).not.toContain(informant.name);

    const expectedControls = stream.messages.filter((m) => m.event === 'control' && m.json.neighbourhoodId === TADAMON && Number(m.json.position) > controlHook.position);
    await controls.waitFor((deliveries) => deliveries.length >= expectedControls.length);
    expect(messageIds(controls.deliveries)).toEqual(expectedControls.map((m) => m.id));
    expect(controls.deliveries.every((d) => d.verified)).toBe(true);

    const deliveries = await app.get(`/v1/webhooks/${hook.id}/deliveries`, { as: 'admin' });
    expect(deliveries.status).toBe(200);
    expect(deliveries.body.items).toHaveLength(Math.min(100, all.deliveries.length));
    expect(deliveries.body.items[0]).toEqual({
      deliveryId: `${hook.id}:${last}`,
      position: capture.body.position,
      attempt: 1,
      at: expect.any(String),
      httpStatus: 200,
      latencyMs: expect.any(Number),
      error: null,
    });
  });

  it('lists webhooks without their secrets', async () => {
    const target = await receiver();
    const hook = await register(app, { url: target.url, filter: { cities: ['Aleppo'], types: ['CasualtiesReported'] }, description: 'Aleppo casualties' });
    const list = await app.get(`/v1/webhooks?minPosition=${hook.position}`, { as: 'admin' });
    expect(list.status).toBe(200);
    expect(list.body.items).toContainEqual({
      id: hook.id,
      url: target.url,
      filter: { cities: ['Aleppo'], types: ['CasualtiesReported'] },
      description: 'Aleppo casualties',
      status: 'active',
      createdAt: hook.createdAt,
    });
    expect(list.text).not.toContain(hook.secret);
  });

  it('keeps retrying a receiver that is down or failing, then delivers everything in order with the same delivery ids', async () => {
    const flaky = await receiver();
    const hook = await register(app, { url: flaky.url, filter: { types: ['CasualtiesReported'] } });
    flaky.setSecret(hook.secret);
    await flaky.down();
    const positions: string[] = [];
    for (let index = 0; index < 8; index += 1) positions.push(String((await casualties(app, index)).body.position));

    const failedAttempts = async (): Promise<number> =>
      (await app.get(`/v1/webhooks/${hook.id}/deliveries`, { as: 'admin' })).body.items.filter((a: { error: string | null }) => a.error !== null).length;
    while ((await failedAttempts()) < 3) await new Promise((resolve) => setTimeout(resolve, 20));

    // Back, but answering 503 at first: each retry carries the same delivery id.
    flaky.answer(503);
    await flaky.up();
    await flaky.waitFor((deliveries) => deliveries.length >= 3, 'three refused attempts');
    flaky.answer(200);
    await flaky.waitFor((deliveries) => deliveries.some((d) => d.answered === 200 && d.json.id === positions[positions.length - 1]));

    expect(firstArrivals(flaky.deliveries)).toEqual(positions);
    expect(flaky.deliveries.every((d) => d.verified && d.deliveryId === `${hook.id}:${d.json.id}`)).toBe(true);
    const refused = flaky.deliveries.filter((d) => d.answered === 503);
    expect(new Set(refused.map((d) => d.deliveryId))).toEqual(new Set([`${hook.id}:${positions[0]}`]));
    // Acknowledged messages are not sent again.
    const acknowledged = flaky.deliveries.filter((d) => d.answered === 200).map((d) => d.json.id);
    expect(acknowledged).toEqual(positions);

    const attempts = (await app.get(`/v1/webhooks/${hook.id}/deliveries`, { as: 'admin' })).body.items as { attempt: number; httpStatus: number | null; error: string | null }[];
    expect(attempts.some((a) => a.httpStatus === null && a.error !== null)).toBe(true);
    expect(attempts.some((a) => a.httpStatus === 503 && a.error === 'answered 503')).toBe(true);
    expect(Math.max(...attempts.map((a) => a.attempt))).toBeGreaterThanOrEqual(4);
  });

  it('sends nothing more to a deleted webhook', async () => {
    const deleted = await receiver();
    const marker = await receiver();
    const doomed = await register(app, { url: deleted.url, filter: { types: ['CasualtiesReported'] } });
    await register(app, { url: marker.url, filter: { types: ['CasualtiesReported'] } });
    const before = String((await casualties(app, 1)).body.position);
    await deleted.waitFor((deliveries) => messageIds(deliveries).includes(before));

    const removal = await app.request('DELETE', `/v1/webhooks/${doomed.id}`, { as: 'admin' });
    expect(removal.status).toBe(204);
    expect(removal.text).toBe('');
    const after = String((await casualties(app, 2)).body.position);
    await marker.waitFor((deliveries) => messageIds(deliveries).includes(after));
    expect(messageIds(deleted.deliveries)).toEqual([before]);

    const list = await app.get(`/v1/webhooks?minPosition=${Number(after)}`, { as: 'admin' });
    expect(list.body.items.map((w: { id: string }) => w.id)).not.toContain(doomed.id);
    for (const [method, path] of [
      ['DELETE', `/v1/webhooks/${doomed.id}`],
      ['GET', `/v1/webhooks/${doomed.id}/deliveries`],
      ['POST', `/v1/webhooks/${doomed.id}/resume`],
    ] as const) {
      const answer = await app.request(method, path, { as: 'admin' });
      expect({ method, status: answer.status, code: answer.body?.code }).toEqual({ method, status: 404, code: 'WEBHOOK_NOT_FOUND' });
    }
  });

  it('answers a retried registration with the same id and secret, and writes nothing', async () => {
    const target = await receiver();
    const body = { url: target.url, filter: { types: ['control'] } };
    const headers = { 'Idempotency-Key': 'register-newsroom-hook-1' };
    const first = await app.post('/v1/webhooks', body, { as: 'admin', headers });
    const again = await app.post('/v1/webhooks', body, { as: 'admin', headers });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(again.body.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const reused = await app.post('/v1/webhooks', { ...body, description: 'another' }, { as: 'admin', headers });
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const list = await app.get(`/v1/webhooks?minPosition=${first.body.position}`, { as: 'admin' });
    expect(list.body.items.filter((w: { id: string }) => w.id === first.body.id)).toHaveLength(1);
  });

  it('refuses bad registrations with 400 and unknown ids with 404', async () => {
    for (const body of [
      { filter: {} },
      { url: 'https://hooks.example.org/in' },
      { url: 'https://hooks.example.org/in', filter: { types: ['WebhookRegistered'] } },
      { url: 'https://hooks.example.org/in', filter: { neighbourhoods: ['Not A Slug'] } },
      { url: 'https://hooks.example.org/in', filter: {}, secret: 'mine' },
      { url: 'https://hooks.example.org/in', filter: {}, description: '' },
      { url: 'ftp://hooks.example.org/in', filter: {} },
      { url: 'https://user:pass@hooks.example.org/in', filter: {} },
      { url: 'not a url', filter: {} },
      { url: 'https://no-such-host.invalid/in', filter: {} },
    ]) {
      const answer = await app.post('/v1/webhooks', body, { as: 'admin' });
      expect({ body, status: answer.status, code: answer.body.code }).toEqual({ body, status: 400, code: 'VALIDATION_FAILED' });
    }
    for (const path of ['/v1/webhooks/0190e4a2-0000-7000-8000-000000000000/deliveries', '/v1/webhooks/not-an-id/deliveries']) {
      const answer = await app.get(path, { as: 'admin' });
      expect(answer.status).toBe(404);
      expect(answer.body.code).toBe('WEBHOOK_NOT_FOUND');
    }
  });

  it('is for admins only', async () => {
    for (const role of ['writer', 'analyst', 'editor'] as const) {
      expect((await app.get('/v1/webhooks', { as: role })).status).toBe(403);
      expect((await app.post('/v1/webhooks', { url: 'https://hooks.example.org/in', filter: {} }, { as: role })).status).toBe(403);
    }
  });

  it('is documented in the OpenAPI document', async () => {
    const doc = await app.get('/docs-json', { as: null });
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/v1/webhooks', '/v1/webhooks/{id}', '/v1/webhooks/{id}/deliveries', '/v1/webhooks/{id}/resume']),
    );
  });
});

describe('webhooks: failing, then resumed', () => {
  const data = temporaryDataDir();
  let app: RunningApp;
  let target: Receiver;

  beforeAll(async () => {
    // 24 h of failures become under a second.
    app = await startApp(data.dir, { env: { TIMELINE_WEBHOOK_ALLOW_PRIVATE: 'true', TIMELINE_WEBHOOK_RETRY_SCALE: '0.00001' } });
    target = await startReceiver();
    await playScenario(app);
  });

  afterAll(async () => {
    await app.stop();
    await target.close();
    data.remove();
  });

  it('marks a webhook failing after 24 h of failures, keeps what it is owed, and delivers it all once resumed', async () => {
    target.answer(500);
    const hook = await register(app, { url: target.url, filter: { types: ['CasualtiesReported'] } });
    target.setSecret(hook.secret);
    const positions: string[] = [];
    for (let index = 0; index < 3; index += 1) positions.push(String((await casualties(app, index)).body.position));

    const statusOf = async (): Promise<string> =>
      (await app.get('/v1/webhooks', { as: 'admin' })).body.items.find((w: { id: string }) => w.id === hook.id)?.status;
    while ((await statusOf()) !== 'failing') await new Promise((resolve) => setTimeout(resolve, 20));
    // Paused: only the first message was ever tried, and more keep being owed.
    expect(new Set(messageIds(target.deliveries))).toEqual(new Set([positions[0]]));
    positions.push(String((await casualties(app, 3)).body.position));

    target.answer(200);
    const resumed = await app.request('POST', `/v1/webhooks/${hook.id}/resume`, { as: 'admin' });
    expect(resumed.status).toBe(201);
    expect(resumed.body).toMatchObject({ type: 'WebhookResumed', webhookId: hook.id });
    await target.waitFor((deliveries) => deliveries.some((d) => d.answered === 200 && d.json.id === positions[positions.length - 1]));
    expect(target.deliveries.filter((d) => d.answered === 200).map((d) => d.json.id)).toEqual(positions);
    expect(await statusOf()).toBe('active');
  });
});
