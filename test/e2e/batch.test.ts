import { PLACEHOLDER_DATES as T, TADAMON_POSITIONS as P } from '../../scripts/tadamon-scenario.js';
import { type RunningApp, playScenario, startApp, temporaryDataDir } from './app-harness.js';

/*
 * POST /v1/batches: each command exactly as on its own endpoint (validation, decision,
 * idempotency, roles), in order, each seeing the ones before it, one result each.
 */
const TADAMON = '/v1/neighbourhoods/damascus-tadamon';
const field = { name: 'field sources', kind: 'field', reliability: 'C', credibility: 3 };

describe('batches', () => {
  const data = temporaryDataDir();
  let app: RunningApp;
  let ids: Record<string, string>;

  beforeAll(async () => {
    app = await startApp(data.dir);
    ({ ids } = await playScenario(app));
  }, 60_000);

  afterAll(async () => {
    await app.stop();
    data.remove();
  });

  const batch = (commands: unknown[], as: 'writer' | 'editor' | 'admin' | 'analyst' = 'writer') => app.post('/v1/batches', { commands }, { as });

  it('answers each command as its own endpoint does, in order; a refused one refuses nothing else', async () => {
    const answer = await batch([
      { path: '/v1/actors', idempotencyKey: 'batch-1:actor', body: { id: 'tribal-militia', name: 'Unidentified Tribal Militia', side: 'unknown', kind: 'unidentified' } },
      { path: `${TADAMON}/attacks`, body: { attackers: ['tribal-militia'], defenders: ['tribal-militia'], occurredAt: T.missiles, sources: [field] } },
      { path: `${TADAMON}/attacks`, body: { attackers: ['martians'], occurredAt: T.missiles, sources: [field] } },
      { path: `${TADAMON}/captures`, body: { by: 'ndf', positions: [P.regimePart], occurredAt: T.missiles, sources: [field] } },
      { path: `${TADAMON}/captures`, body: { by: 'ndf', positions: [P.regimePart], occurredAt: T.missiles, sources: [field] } },
      { path: `${TADAMON}/captures`, body: { by: 'ndf', positions: [P.regimePart], occurredAt: T.missiles, sources: [field], onConflict: 'record' } },
    ]);
    expect(answer.status).toBe(200);
    const [actor, clash, unknown, capture, again, recorded] = answer.body.results;
    expect(actor).toMatchObject({ status: 201, type: 'ActorRegistered', actorId: 'tribal-militia', neighbourhoodId: null, standing: 'accepted' });
    // A clash inside one category of actors, seeing the registration just before it.
    expect(clash).toMatchObject({ status: 201, type: 'AttackLaunched', neighbourhoodId: 'damascus-tadamon', standing: 'accepted' });
    expect(unknown).toMatchObject({ status: 422, code: 'ACTOR_UNKNOWN' });
    expect(capture).toMatchObject({ status: 201, type: 'PositionCaptured', streamRevision: clash.streamRevision + 1 });
    // The capture just before it counts: the same one again is refused, or recorded as corroborating.
    expect(again).toMatchObject({ status: 409, code: 'ALREADY_CONTROLLED' });
    expect(recorded).toMatchObject({ status: 201, standing: 'corroborating', corroborates: [capture.eventId] });
    expect(answer.body.position).toBe(recorded.position);
    // Written together: the stream's events of the batch follow one another in the log.
    expect([clash.position, capture.position, recorded.position]).toEqual([clash.position, clash.position + 1, clash.position + 2]);
    const events = await app.get(`${TADAMON}/events?fromRevision=${clash.streamRevision}&limit=10`, { as: 'admin' });
    expect(events.body.items.map((event: { eventId: string }) => event.eventId)).toEqual([clash.eventId, capture.eventId, recorded.eventId]);
  });

  it('checks roles per command, and refuses analysts as a whole', async () => {
    const answer = await batch(
      [
        { path: `${TADAMON}/assessments`, body: { eventId: ids['missiles'], status: 'confirmed', reason: 'seen' } },
        { path: `${TADAMON}/retractions`, body: { eventId: ids['missiles'], reason: 'no' } },
        { path: `${TADAMON}/casualties`, body: { killed: { best: 1 }, occurredAt: T.missiles, sources: [field] } },
      ],
      'editor',
    );
    expect(answer.body.results.map((result: { status: number; code?: string }) => [result.status, result.code])).toEqual([
      [201, undefined],
      [403, 'FORBIDDEN'],
      [403, 'FORBIDDEN'],
    ]);
    expect(answer.body.results[0].assessed).toEqual({ eventId: ids['missiles'], status: 'confirmed', standing: 'accepted' });
    expect((await batch([{ path: '/v1/actors', body: { id: 'x', name: 'x', side: 'x' } }], 'analyst')).status).toBe(403);
  });

  it('fails a command with a bad path, query string, body or key with 400, as its endpoint would', async () => {
    const answer = await batch([
      { path: '/v1/neighbourhoods/damascus-tadamon/fireworks', body: {} },
      { path: `${TADAMON}/attacks?dryRun=1`, body: {} },
      { path: `${TADAMON}/captures`, body: { by: 'ndf' } },
      { path: `${TADAMON}/casualties`, idempotencyKey: 'has a space', body: { killed: { best: 1 }, occurredAt: T.missiles, sources: [field] } },
      { path: '/v1/neighbourhoods/Not_A_Slug/captures', body: { by: 'ndf', positions: ['x'], occurredAt: T.missiles, sources: [field] } },
    ]);
    expect(answer.body.results.map((result: { status: number; code: string }) => [result.status, result.code])).toEqual([
      [400, 'VALIDATION_FAILED'],
      [400, 'VALIDATION_FAILED'],
      [400, 'VALIDATION_FAILED'],
      [400, 'VALIDATION_FAILED'],
      [404, 'NEIGHBOURHOOD_NOT_FOUND'],
    ]);
    expect(answer.body.results[2].details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'positions' })]));
  });

  it('replays a batch sent again with the same keys, and knows a command sent on its own under the same key', async () => {
    const body = { killed: { best: 3 }, occurredAt: T.missiles, sources: [field] };
    const single = await app.post(`${TADAMON}/casualties`, body, { headers: { 'idempotency-key': 'batch-2:casualties' } });
    const commands = [
      { path: `${TADAMON}/casualties`, idempotencyKey: 'batch-2:casualties', body },
      { path: `${TADAMON}/attacks`, idempotencyKey: 'batch-2:attack', body: { attackers: ['isis'], occurredAt: T.missiles, sources: [field] } },
      { path: `${TADAMON}/attacks`, idempotencyKey: 'batch-2:attack', body: { attackers: ['isis'], occurredAt: T.missiles, sources: [field] } },
    ];
    const first = await batch(commands);
    expect(first.body.results.map((result: { status: number }) => result.status)).toEqual([200, 201, 200]);
    expect(first.body.results[0].eventId).toBe(single.body.eventId);
    expect(first.body.results[2].eventId).toBe(first.body.results[1].eventId);
    const again = await batch(commands);
    expect(again.body.results.map((result: { status: number }) => result.status)).toEqual([200, 200, 200]);
    expect(again.body.results.map((result: { eventId: string }) => result.eventId)).toEqual(first.body.results.map((result: { eventId: string }) => result.eventId));
    const reused = await batch([{ ...commands[1], body: { attackers: ['ndf'], occurredAt: T.missiles, sources: [field] } }]);
    expect(reused.body.results[0]).toMatchObject({ status: 422, code: 'IDEMPOTENCY_KEY_REUSED' });
  });

  it('refuses only the command whose key another stream holds, from the log or earlier in the batch, and writes the rest', async () => {
    const casualties = { killed: { best: 2 }, occurredAt: T.missiles, sources: [field] };
    const registered = await batch([{ path: '/v1/actors', idempotencyKey: 'batch-3:taken', body: { id: 'batch-3-actor', name: 'Batch three', side: 'unknown' } }]);
    expect(registered.body.results[0]).toMatchObject({ status: 201 });
    const head = (await app.get(`${TADAMON}/head`)).body.streamRevision;
    const answer = await batch([
      { path: `${TADAMON}/casualties`, body: casualties },
      { path: `${TADAMON}/casualties`, idempotencyKey: 'batch-3:taken', body: casualties },
      { path: '/v1/actors', idempotencyKey: 'batch-3:twice', body: { id: 'batch-3-other', name: 'Batch three, other', side: 'unknown' } },
      { path: `${TADAMON}/casualties`, idempotencyKey: 'batch-3:twice', body: casualties },
      { path: `${TADAMON}/casualties`, idempotencyKey: 'batch-3:own', body: casualties },
    ]);
    expect(answer.status).toBe(200);
    expect(answer.body.results.map((result: { status: number; code?: string }) => [result.status, result.code])).toEqual([
      [201, undefined],
      [422, 'IDEMPOTENCY_KEY_REUSED'],
      [201, undefined],
      [422, 'IDEMPOTENCY_KEY_REUSED'],
      [201, undefined],
    ]);
    // Exactly the two accepted casualty reports were written to the neighbourhood.
    const events = await app.get(`${TADAMON}/events?fromRevision=${head + 1}&limit=10`, { as: 'admin' });
    expect(events.body.items.map((event: { eventId: string }) => event.eventId)).toEqual([answer.body.results[0].eventId, answer.body.results[4].eventId]);
    // What its own endpoint answers for the same reuse.
    const single = await app.post(`${TADAMON}/casualties`, casualties, { headers: { 'idempotency-key': 'batch-3:taken' } });
    expect(single).toMatchObject({ status: 422, body: { code: 'IDEMPOTENCY_KEY_REUSED' } });
  });

  it('takes a null idempotencyKey as none, and a path named only by the prototype of an object as no endpoint', async () => {
    const answer = await batch(
      [
        { path: `${TADAMON}/casualties`, idempotencyKey: null, body: { killed: { best: 1 }, occurredAt: T.missiles, sources: [field] } },
        { path: `${TADAMON}/constructor`, body: {} },
        { path: `${TADAMON}/tostring`, body: {} },
        { path: '/v1/neighbourhoods/damascus-tadamon/hasownproperty', body: {} },
      ],
      'admin',
    );
    expect(answer.status).toBe(200);
    expect(answer.body.results.map((result: { status: number; code?: string }) => [result.status, result.code])).toEqual([
      [201, undefined],
      [400, 'VALIDATION_FAILED'],
      [400, 'VALIDATION_FAILED'],
      [400, 'VALIDATION_FAILED'],
    ]);
    expect(answer.body.results[1].message).toContain('is not the path of a command endpoint');
  });

  it('refuses Idempotency-Key and If-Match on the batch itself, writing nothing, rather than ignore them', async () => {
    const before = (await app.get(`${TADAMON}/head`)).body.streamRevision;
    const commands = [{ path: `${TADAMON}/casualties`, body: { killed: { best: 1 }, occurredAt: T.missiles, sources: [field] } }];
    for (const headers of [{ 'idempotency-key': 'whole-batch' }, { 'if-match': '"3"' }] as Record<string, string>[]) {
      const answer = await app.post('/v1/batches', { commands }, { headers });
      expect(answer).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
      expect(answer.body.details[0].field).toBe(Object.keys(headers)[0] === 'idempotency-key' ? 'Idempotency-Key' : 'If-Match');
    }
    expect((await app.get(`${TADAMON}/head`)).body.streamRevision).toBe(before);
  });

  it('refuses an envelope it cannot read as a whole', async () => {
    const refusals = [
      await app.post('/v1/batches', { commands: [] }),
      await app.post('/v1/batches', {}),
      await app.post('/v1/batches', { commands: [{ path: '/v1/actors' }] }),
      await app.post('/v1/batches', { commands: Array.from({ length: 1_001 }, () => ({ path: '/v1/actors', body: {} })) }),
    ];
    for (const refusal of refusals) expect(refusal).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
  });

  it('takes attacks that name no defender, and counterattacks that name nobody struck back at', async () => {
    const answer = await batch([
      { path: `${TADAMON}/attacks`, body: { attackers: ['syrian-regime'], occurredAt: T.missiles, sources: [field] } },
      { path: `${TADAMON}/attacks`, body: { attackers: ['syrian-regime'], defenders: null, occurredAt: T.missiles, sources: [field] } },
      { path: `${TADAMON}/attacks`, body: { attackers: ['syrian-regime'], defenders: [], occurredAt: T.missiles, sources: [field] } },
      { path: `${TADAMON}/counterattacks`, body: { by: 'syrian-regime', occurredAt: T.missiles, sources: [field] } },
      { path: `${TADAMON}/attacks`, body: { attackers: ['isis'], defenders: ['isis'], occurredAt: T.missiles, sources: [field] } },
    ]);
    expect(answer.body.results.map((result: { status: number }) => result.status)).toEqual([201, 201, 201, 201, 422]);
    expect(answer.body.results[4].message).toContain('cannot attack itself');
    const events = await app.get(`${TADAMON}/events?fromRevision=${answer.body.results[0].streamRevision}&limit=4`, { as: 'admin' });
    expect(events.body.items.slice(0, 3).map((event: { data: { defenders: unknown } }) => event.data.defenders)).toEqual([[], [], []]);
    expect(events.body.items[3].data).not.toHaveProperty('against');
  });
});
