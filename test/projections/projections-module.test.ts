import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { AppModule } from '../../src/app.module.js';
import { type AppConfig, loadConfig } from '../../src/config/app-config.js';
import { ConfigModule } from '../../src/config/config.module.js';
import { configureHttpApp, createHttpAdapter } from '../../src/http/http-app.js';
import { ProjectionEngine } from '../../src/projections/projection-engine.js';

/*
 * The projections module inside the real AppModule: its routes, validation, roles and error
 * codes, over a real socket. Placeholder dates, as everywhere in these tests.
 */
const KEYS = { writer: 'writer-key-0123456789abcdef', analyst: 'analyst-key-0123456789abcdef', admin: 'admin-key-0123456789abcdef' };
const SOURCE = { name: 'field sources', kind: 'field', reliability: 'C', credibility: 3 };
const SECRET = { name: 'Abu Khaled', kind: 'field', reliability: 'B', credibility: 2, protected: true };

describe('ProjectionsModule in the app', () => {
  let dir: string;
  let app: NestFastifyApplication;
  let base: string;

  const request = async (method: 'GET' | 'POST', url: string, role: keyof typeof KEYS, body?: unknown) => {
    const response = await fetch(`${base}${url}`, {
      method,
      headers: { authorization: `Bearer ${KEYS[role]}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, headers: Object.fromEntries(response.headers), body: text === '' ? undefined : JSON.parse(text) };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'projections-app-'));
    const config: AppConfig = {
      ...loadConfig({ PORT: '0', TIMELINE_DATA_DIR: dir }),
      apiKeyList: `writer:${KEYS.writer},analyst:${KEYS.analyst},admin:${KEYS.admin}`,
      rateLimitPerSecond: 0,
    };
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
      .overrideModule(ConfigModule)
      .useModule(ConfigModule.forConfig(config))
      .compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(createHttpAdapter(), { logger: false });
    configureHttpApp(app, config, { shutdownHooks: false });
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    base = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads its own writes through minPosition and answers the control shape of API.md', async () => {
    await request('POST', '/v1/actors', 'writer', { id: 'isis', name: 'Islamic State', nameAr: 'تنظيم داعش', side: 'isis' });
    await request('POST', '/v1/actors', 'writer', { id: 'syrian-regime', name: 'Syrian government forces', side: 'pro-government' });
    const registered = await request('POST', '/v1/neighbourhoods', 'writer', {
      id: 'damascus-tadamon',
      name: 'Tadamon',
      nameAr: 'حي التضامن',
      city: 'Damascus',
      country: 'Syria',
      controlAsOf: '2018-04-16T00:00:00Z',
      positions: [
        { id: 'bakery-block-1', name: 'Abu Turabi bakery, block 1', controller: 'syrian-regime', coordinates: [36.3032, 33.4741] },
        { id: 'west-tadamon', name: 'Western Tadamon', controller: 'isis', weight: 2 },
      ],
    });
    expect(registered.status).toBe(201);
    const captured = await request('POST', '/v1/neighbourhoods/damascus-tadamon/captures', 'writer', {
      by: 'isis',
      positions: ['bakery-block-1'],
      occurredAt: '2018-04-18T09:00:00Z',
      sources: [SOURCE, SECRET],
    });
    expect(captured.status).toBe(201);

    const answer = await request('GET', `/v1/neighbourhoods/damascus-tadamon/control?minPosition=${captured.body.position}`, 'analyst');
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.body).sort()).toEqual(
      ['asOf', 'contestedPositions', 'knownAt', 'majorityController', 'neighbourhoodId', 'position', 'positions', 'shares', 'sideShares'].sort(),
    );
    expect(answer.body).toMatchObject({
      neighbourhoodId: 'damascus-tadamon',
      positions: [
        { id: 'bakery-block-1', name: 'Abu Turabi bakery, block 1', controller: 'isis', since: '2018-04-18T09:00:00.000Z', contested: false, eventId: captured.body.eventId },
        { id: 'west-tadamon', name: 'Western Tadamon', controller: 'isis', since: '2018-04-16T00:00:00.000Z', contested: false, eventId: null },
      ],
      shares: { isis: 1 },
      sideShares: { isis: 1 },
      majorityController: 'isis',
      contestedPositions: 0,
    });
    expect(answer.body.position).toBeGreaterThanOrEqual(captured.body.position);
    expect(Object.keys(answer.body.positions[0]).sort()).toEqual(
      ['area', 'contested', 'contestedBy', 'controller', 'controllerName', 'coordinates', 'eventId', 'evidence', 'id', 'kind', 'name', 'nameAr', 'since', 'uncertain', 'weight'].sort(),
    );

    const before = await request('GET', '/v1/neighbourhoods/damascus-tadamon/control?asOf=2018-04-18T08:59:59Z', 'analyst');
    expect(before.body).toMatchObject({ asOf: '2018-04-18T08:59:59.000Z', positions: [{ controller: 'syrian-regime', eventId: null }, {}] });

    const timeline = await request('GET', `/v1/neighbourhoods/damascus-tadamon/timeline?minPosition=${captured.body.position}`, 'analyst');
    expect(timeline.status).toBe(200);
    expect(timeline.body.items).toHaveLength(1);
    expect(JSON.stringify(timeline.body)).not.toContain('Abu Khaled');
    const forAdmin = await request('GET', `/v1/neighbourhoods/damascus-tadamon/timeline?minPosition=${captured.body.position}`, 'admin');
    expect(forAdmin.body.items[0].sources[1]).toEqual(SECRET);

    const geojson = await request('GET', `/v1/neighbourhoods/damascus-tadamon/control.geojson?minPosition=${captured.body.position}`, 'analyst');
    expect(geojson.status).toBe(200);
    expect(geojson.headers['content-type']).toMatch(/^application\/geo\+json/);
    expect(geojson.body).toMatchObject({
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', geometry: { type: 'Point', coordinates: [36.3032, 33.4741] }, properties: { controller: 'isis', side: 'isis' } },
        // Without coordinates or an area: a feature without a location (RFC 7946 §3.2).
        { type: 'Feature', id: 'west-tadamon', geometry: null, properties: { controller: 'isis' } },
      ],
    });

    const list = await request('GET', `/v1/neighbourhoods?minPosition=${captured.body.position}`, 'analyst');
    expect(list.body.items).toEqual([
      expect.objectContaining({ id: 'damascus-tadamon', nameAr: 'حي التضامن', majorityController: 'isis', lastEventAt: '2018-04-18T09:00:00.000Z' }),
    ]);
    const actors = await request('GET', `/v1/actors?minPosition=${captured.body.position}`, 'analyst');
    expect(actors.body.items.map((a: { id: string }) => a.id)).toEqual(['isis', 'syrian-regime']);
    const holdings = await request('GET', `/v1/actors/isis/holdings?minPosition=${captured.body.position}`, 'analyst');
    expect(holdings.body.items[0].positions.map((p: { id: string }) => p.id)).toEqual(['bakery-block-1', 'west-tadamon']);
  });

  it('validates query parameters and names unknown subjects with their codes', async () => {
    const badInstant = await request('GET', '/v1/neighbourhoods/damascus-tadamon/control?asOf=yesterday', 'analyst');
    expect(badInstant).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED', details: [{ field: 'asOf' }] } });
    const noZone = await request('GET', '/v1/neighbourhoods/damascus-tadamon/control?knownAt=2018-04-18T09:00:00', 'analyst');
    expect(noZone).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    const unknownParameter = await request('GET', '/v1/neighbourhoods/damascus-tadamon/control?asof=2018-04-18T09:00:00Z', 'analyst');
    expect(unknownParameter).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    const badMinPosition = await request('GET', '/v1/actors?minPosition=-1', 'analyst');
    expect(badMinPosition).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED', details: [{ field: 'minPosition' }] } });
    const badType = await request('GET', '/v1/neighbourhoods/damascus-tadamon/timeline?type=Rumour', 'analyst');
    expect(badType).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED', details: [{ field: 'type' }] } });

    expect(await request('GET', '/v1/neighbourhoods/damascus-nowhere/control', 'analyst')).toMatchObject({ status: 404, body: { code: 'NEIGHBOURHOOD_NOT_FOUND' } });
    expect(await request('GET', '/v1/neighbourhoods/damascus-nowhere/timeline', 'analyst')).toMatchObject({ status: 404, body: { code: 'NEIGHBOURHOOD_NOT_FOUND' } });
    const noMap = await request('GET', '/v1/neighbourhoods/damascus-nowhere/control.geojson', 'analyst');
    expect(noMap).toMatchObject({ status: 404, body: { code: 'NEIGHBOURHOOD_NOT_FOUND' } });
    expect(noMap.headers['content-type']).toMatch(/^application\/json/);
    expect(await request('GET', '/v1/actors/wagner/holdings', 'analyst')).toMatchObject({ status: 404, body: { code: 'ACTOR_NOT_FOUND' } });
    const beforeRegistration = await request('GET', '/v1/neighbourhoods/damascus-tadamon/control?knownAt=2000-01-01T00:00:00Z', 'analyst');
    expect(beforeRegistration).toMatchObject({ status: 404, body: { code: 'NEIGHBOURHOOD_NOT_FOUND' } });
  });

  it('lets only admins see and rebuild projections', async () => {
    expect((await request('GET', '/v1/projections', 'analyst')).status).toBe(403);
    const list = await request('GET', '/v1/projections', 'admin');
    expect(list.status).toBe(200);
    expect(list.body.map((p: { name: string }) => p.name)).toEqual(['neighbourhood-control', 'neighbourhood-timeline', 'actors']);
    for (const projection of list.body) {
      expect(projection).toMatchObject({ version: expect.any(Number), status: expect.stringMatching(/^(running|rebuilding)$/) });
      expect(projection.lag).toBe(projection.headPosition - projection.position);
    }

    expect(await request('POST', '/v1/projections/no-such-thing/rebuild', 'admin')).toMatchObject({ status: 404, body: { code: 'PROJECTION_NOT_FOUND' } });
    expect((await request('POST', '/v1/projections/actors/rebuild', 'writer')).status).toBe(403);
    const accepted = await request('POST', '/v1/projections/actors/rebuild', 'admin');
    expect(accepted).toMatchObject({ status: 202, body: { name: 'actors', status: 'rebuilding', generation: 2 } });
    await app.get(ProjectionEngine).pendingRebuild('actors')?.swapped;
    const actors = await request('GET', '/v1/actors', 'analyst');
    expect(actors.body.items.map((a: { id: string }) => a.id)).toEqual(['isis', 'syrian-regime']);
    expect(existsSync(join(dir, 'read-models', 'actors.2.sqlite'))).toBe(true);
    expect(existsSync(join(dir, 'read-models', 'actors.1.sqlite'))).toBe(false);
  });

  it('answers 503 PROJECTION_LAGGING with Retry-After when minPosition is not reached within 5 s', async () => {
    const lagging = await request('GET', '/v1/actors?minPosition=1000000', 'analyst');
    expect(lagging).toMatchObject({ status: 503, body: { code: 'PROJECTION_LAGGING' } });
    expect(lagging.headers['retry-after']).toBe('1');
  });

  it('documents every query in the OpenAPI document', async () => {
    const response = await fetch(`${base}/docs-json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as { paths: Record<string, Record<string, { tags?: string[] }>> };
    for (const path of [
      '/v1/neighbourhoods',
      '/v1/neighbourhoods/{id}/control',
      '/v1/neighbourhoods/{id}/control.geojson',
      '/v1/neighbourhoods/{id}/timeline',
      '/v1/actors',
      '/v1/actors/{id}/holdings',
      '/v1/projections',
    ]) {
      expect(document.paths[path]?.get?.tags?.length).toBeGreaterThan(0);
    }
    expect(document.paths['/v1/projections/{name}/rebuild']?.post).toBeDefined();
  });

  it('reports healthy read models for /health', () => {
    expect(app.get(ProjectionEngine).readModelsHealth().status).toBe('ok');
  });
});
