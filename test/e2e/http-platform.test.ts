import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUrl,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { ApplicationError } from '../../src/application/application-error.js';
import { AuthModule } from '../../src/auth/auth.module.js';
import { CurrentPrincipal, type Principal } from '../../src/auth/principal.js';
import { Public, Roles } from '../../src/auth/roles.decorator.js';
import { loadConfig, type AppConfig } from '../../src/config/app-config.js';
import { ConfigModule } from '../../src/config/config.module.js';
import { DomainError } from '../../src/domain/domain-error.js';
import { configureHttpApp, createHttpAdapter } from '../../src/http/http-app.js';

const KEYS = {
  writer: 'writer-key-0123456789abcdef',
  analyst: 'analyst-key-0123456789abcdef',
  admin: 'admin-key-0123456789abcdef',
} as const;

class SourceDto {
  @IsString() @IsNotEmpty() @MaxLength(200) name!: string;
  @IsString() @IsNotEmpty() @MaxLength(200) kind!: string;
  @IsIn(['A', 'B', 'C', 'D', 'E', 'F']) reliability!: string;
  @IsInt() @Min(1) @Max(6) credibility!: number;
  @IsOptional() @IsUrl({ protocols: ['http', 'https'], require_protocol: true }) url?: string | null;
  @IsOptional() @IsBoolean() protected?: boolean | null;
}

class ReportDto {
  @IsString() @IsNotEmpty() title!: string;
  @IsArray() @ArrayMinSize(1) @ValidateNested({ each: true }) @Type(() => SourceDto) sources!: SourceDto[];
  @IsOptional() @IsString() notes?: string | null;
}

@Controller('reports')
class ReportsController {
  @Post()
  @Roles('writer')
  create(@Body() body: ReportDto, @CurrentPrincipal() principal: Principal) {
    return { isDto: body instanceof ReportDto, isSourceDto: body.sources[0] instanceof SourceDto, body, principal };
  }

  @Get()
  @Roles('analyst')
  list(@CurrentPrincipal() principal: Principal) {
    return { items: [], principal };
  }

  /** Neither @Roles nor @Public: admin only. */
  @Get('unmarked')
  unmarked() {
    return { ok: true };
  }

  @Post('rebuild')
  @Roles('admin')
  @HttpCode(202)
  rebuild() {
    return { accepted: true };
  }

  @Get('by-id/:id')
  @Roles('analyst')
  byId(@Param('id') id: string) {
    return { id };
  }

  @Get('boom')
  @Roles('analyst')
  boom(): never {
    throw new Error('kaboom');
  }

  @Get('conflict')
  @Roles('analyst')
  conflict(): never {
    throw new DomainError('TIMELINE_CONFLICT', 'A later retreat would become impossible', [{ eventId: 'e-1' }]);
  }

  @Get('lagging')
  @Roles('analyst')
  lagging(): never {
    throw new ApplicationError('PROJECTION_LAGGING', 'Read models have not reached position 7', undefined, 2);
  }
}

@Controller('health')
class HealthController {
  @Get()
  @Public()
  health() {
    return { status: 'ok' };
  }
}

interface Started {
  app: NestFastifyApplication;
  url: string;
}

async function start(overrides: Partial<AppConfig> = {}): Promise<Started> {
  const config: AppConfig = {
    ...loadConfig({ PORT: '0', TIMELINE_DATA_DIR: '/nonexistent-not-used' }),
    apiKeyList: `writer:${KEYS.writer},analyst:${KEYS.analyst},admin:${KEYS.admin}`,
    rateLimitPerSecond: 0,
    ...overrides,
  };
  const moduleRef = await Test.createTestingModule({
    imports: [ConfigModule.forConfig(config), AuthModule],
    controllers: [ReportsController, HealthController],
  }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(createHttpAdapter(), { logger: false });
  configureHttpApp(app, config, { shutdownHooks: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}` };
}

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: any;
}

/** A raw request, for bodies and headers `fetch` would not send as they are. */
function raw(
  base: string,
  options: { method: string; path: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${base}${options.path}`, { method: options.method, headers: options.headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON: the assertions will say so
        }
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body });
      });
    });
    request.on('error', reject);
    if (options.body !== undefined) {
      request.write(options.body);
    }
    request.end();
  });
}

const validReport = {
  title: 'Attack on the Tadamon sector',
  sources: [{ name: 'Local council', kind: 'official', reliability: 'B', credibility: 2, url: null }],
  notes: null,
};

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const json = { 'content-type': 'application/json' };

function expectErrorShape(body: any, statusCode: number, code: string): void {
  expect(body).toEqual(expect.objectContaining({ statusCode, code, message: expect.any(String) }));
  expect(Object.keys(body).every((key) => ['statusCode', 'code', 'message', 'details'].includes(key))).toBe(true);
}

describe('HTTP platform (real Fastify on 127.0.0.1)', () => {
  let server: Started;
  const statuses: number[] = [];

  async function call(options: Parameters<typeof raw>[1]): Promise<RawResponse> {
    const response = await raw(server.url, options);
    statuses.push(response.status);
    return response;
  }

  beforeAll(async () => {
    server = await start();
  });

  afterAll(async () => {
    await server?.app.close();
  });

  describe('authentication and roles', () => {
    it('answers 401 UNAUTHENTICATED with WWW-Authenticate when the key is missing', async () => {
      const response = await call({ method: 'GET', path: '/v1/reports' });
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer');
      expectErrorShape(response.body, 401, 'UNAUTHENTICATED');
    });

    it('answers 401 for an unknown key and for another scheme, without echoing the key', async () => {
      const unknown = await call({ method: 'GET', path: '/v1/reports', headers: bearer('not-a-real-key-at-all-1234') });
      expect(unknown.status).toBe(401);
      expectErrorShape(unknown.body, 401, 'UNAUTHENTICATED');
      expect(JSON.stringify(unknown.body)).not.toContain('not-a-real-key');

      const basic = await call({ method: 'GET', path: '/v1/reports', headers: { authorization: `Basic ${KEYS.analyst}` } });
      expect(basic.status).toBe(401);
    });

    it('answers 403 FORBIDDEN for a known key without the role', async () => {
      const writerReads = await call({ method: 'GET', path: '/v1/reports', headers: bearer(KEYS.writer) });
      expect(writerReads.status).toBe(403);
      expectErrorShape(writerReads.body, 403, 'FORBIDDEN');

      const analystWrites = await call({
        method: 'POST',
        path: '/v1/reports',
        headers: { ...bearer(KEYS.analyst), ...json },
        body: JSON.stringify(validReport),
      });
      expect(analystWrites.status).toBe(403);
      expectErrorShape(analystWrites.body, 403, 'FORBIDDEN');
    });

    it('lets each role do its own part and hands the handler the principal', async () => {
      const read = await call({ method: 'GET', path: '/v1/reports', headers: bearer(KEYS.analyst) });
      expect(read.status).toBe(200);
      expect(read.body.principal).toEqual({ keyId: expect.stringMatching(/^analyst-[0-9a-f]{8}$/), role: 'analyst' });

      const write = await call({
        method: 'POST',
        path: '/v1/reports',
        headers: { ...bearer(KEYS.writer), ...json },
        body: JSON.stringify(validReport),
      });
      expect(write.status).toBe(201);
      expect(write.body).toEqual(
        expect.objectContaining({ isDto: true, isSourceDto: true, principal: expect.objectContaining({ role: 'writer' }) }),
      );
    });

    it('lets admin do everything, including routes that name no role', async () => {
      const read = await call({ method: 'GET', path: '/v1/reports', headers: bearer(KEYS.admin) });
      expect(read.status).toBe(200);
      const write = await call({
        method: 'POST',
        path: '/v1/reports',
        headers: { ...bearer(KEYS.admin), ...json },
        body: JSON.stringify(validReport),
      });
      expect(write.status).toBe(201);
      const unmarked = await call({ method: 'GET', path: '/v1/reports/unmarked', headers: bearer(KEYS.admin) });
      expect(unmarked.status).toBe(200);
    });

    it('denies a route without @Roles or @Public to everyone but admin (secure default)', async () => {
      for (const key of [KEYS.writer, KEYS.analyst]) {
        const response = await call({ method: 'GET', path: '/v1/reports/unmarked', headers: bearer(key) });
        expect(response.status).toBe(403);
        expectErrorShape(response.body, 403, 'FORBIDDEN');
      }
    });

    it('serves @Public routes without a key, outside the v1 prefix for /health', async () => {
      const health = await call({ method: 'GET', path: '/health' });
      expect(health.status).toBe(200);
      expect(health.body).toEqual({ status: 'ok' });
      const prefixed = await call({ method: 'GET', path: '/v1/health' });
      expect(prefixed.status).toBe(404);
    });

    it('accepts a POST without a body and without a content type', async () => {
      const response = await call({ method: 'POST', path: '/v1/reports/rebuild', headers: bearer(KEYS.admin) });
      expect(response.status).toBe(202);
    });
  });

  describe('validation', () => {
    const post = (body: string, headers: Record<string, string> = json) =>
      call({ method: 'POST', path: '/v1/reports', headers: { ...bearer(KEYS.writer), ...headers }, body });

    it('refuses an unknown field, naming it', async () => {
      const response = await post(JSON.stringify({ ...validReport, occuredAt: '2013-04-16T00:00:00Z' }));
      expect(response.status).toBe(400);
      expectErrorShape(response.body, 400, 'VALIDATION_FAILED');
      expect(response.body.details).toEqual([{ field: 'occuredAt', problems: ['is not a known field'] }]);
    });

    it('refuses an unknown field inside an array item, with its index path', async () => {
      const response = await post(
        JSON.stringify({ ...validReport, sources: [validReport.sources[0], { ...validReport.sources[0], secret: 1 }] }),
      );
      expect(response.status).toBe(400);
      expect(response.body.details).toEqual([{ field: 'sources[1].secret', problems: ['is not a known field'] }]);
    });

    it('refuses a wrong type and a string where an integer belongs ("3" is not 3)', async () => {
      const response = await post(
        JSON.stringify({ ...validReport, title: 42, sources: [{ ...validReport.sources[0], credibility: '3' }] }),
      );
      expect(response.status).toBe(400);
      expectErrorShape(response.body, 400, 'VALIDATION_FAILED');
      expect(response.body.details).toEqual(
        expect.arrayContaining([
          { field: 'title', problems: expect.arrayContaining(['title must be a string']) },
          { field: 'sources[0].credibility', problems: expect.arrayContaining(['credibility must be an integer number']) },
        ]),
      );
    });

    it('refuses a missing required array, and an empty one', async () => {
      const missing = await post(JSON.stringify({ title: 'x' }));
      expect(missing.status).toBe(400);
      expect(missing.body.details[0].field).toBe('sources');
      const empty = await post(JSON.stringify({ title: 'x', sources: [] }));
      expect(empty.status).toBe(400);
      expect(empty.body.details).toEqual([{ field: 'sources', problems: ['sources must contain at least 1 elements'] }]);
    });

    it('treats null as absent for optional fields', async () => {
      const response = await post(
        JSON.stringify({ ...validReport, notes: null, sources: [{ ...validReport.sources[0], protected: null }] }),
      );
      expect(response.status).toBe(201);
    });

    it.each([
      ['a JSON array', '[]'],
      ['a JSON string', '"hello"'],
      ['a JSON number', '42'],
      ['JSON null', 'null'],
    ])('refuses %s as the body with 400', async (_name, body) => {
      const response = await post(body);
      expect(response.status).toBe(400);
      expectErrorShape(response.body, 400, 'VALIDATION_FAILED');
      expect(response.body.details).toEqual([{ field: 'body', problems: ['must be a JSON object'] }]);
    });

    it('answers 400 for truncated JSON, saying the body is not valid JSON', async () => {
      const response = await post('{"title": "x", "sources": [');
      expect(response.status).toBe(400);
      expectErrorShape(response.body, 400, 'VALIDATION_FAILED');
      expect(response.body.details).toEqual([{ field: 'body', problems: ['body is not valid JSON'] }]);
    });

    it('answers 400 for an empty JSON body', async () => {
      const response = await call({
        method: 'POST',
        path: '/v1/reports',
        headers: { ...bearer(KEYS.writer), ...json, 'content-length': '0' },
      });
      expect(response.status).toBe(400);
      expectErrorShape(response.body, 400, 'VALIDATION_FAILED');
    });

    it.each([
      ['__proto__', '{"title": "x", "sources": [], "__proto__": {"isAdmin": true}}'],
      ['constructor.prototype', '{"title": "x", "constructor": {"prototype": {"isAdmin": true}}}'],
      ['a nested __proto__', '{"title": "x", "sources": [{"__proto__": {"polluted": 1}}]}'],
    ])('answers 400 for a body with a %s key', async (_name, body) => {
      const response = await post(body);
      expect(response.status).toBe(400);
      expectErrorShape(response.body, 400, 'VALIDATION_FAILED');
      expect(response.body.details).toEqual([{ field: 'body', problems: ['body is not valid JSON'] }]);
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    });

    it('round-trips Arabic text unchanged', async () => {
      const response = await post(JSON.stringify({ ...validReport, title: 'حي التضامن' }), {
        'content-type': 'application/json; charset=utf-8',
      });
      expect(response.status).toBe(201);
      expect(response.body.body.title).toBe('حي التضامن');
    });
  });

  describe('media types and sizes', () => {
    it('answers 413 PAYLOAD_TOO_LARGE for a body over 1 MiB', async () => {
      const big = JSON.stringify({ ...validReport, notes: 'x'.repeat(1024 * 1024) });
      const response = await call({
        method: 'POST',
        path: '/v1/reports',
        headers: { ...bearer(KEYS.writer), ...json },
        body: big,
      });
      expect(response.status).toBe(413);
      expectErrorShape(response.body, 413, 'PAYLOAD_TOO_LARGE');
    });

    it('answers 413 for a chunked body over 1 MiB (no Content-Length)', async () => {
      const response = await call({
        method: 'POST',
        path: '/v1/reports',
        headers: { ...bearer(KEYS.writer), ...json, 'transfer-encoding': 'chunked' },
        body: JSON.stringify({ ...validReport, notes: 'x'.repeat(1100 * 1024) }),
      });
      expect(response.status).toBe(413);
      expectErrorShape(response.body, 413, 'PAYLOAD_TOO_LARGE');
    });

    it.each([
      ['text/plain', { 'content-type': 'text/plain' }],
      ['application/x-www-form-urlencoded', { 'content-type': 'application/x-www-form-urlencoded' }],
      ['application/json with a latin1 charset', { 'content-type': 'application/json; charset=latin1' }],
      ['no content type', {} as Record<string, string>],
    ])('answers 415 UNSUPPORTED_MEDIA_TYPE for a body sent as %s', async (_name, headers) => {
      const response = await call({
        method: 'POST',
        path: '/v1/reports',
        headers: { ...bearer(KEYS.writer), ...headers },
        body: headers['content-type']?.includes('urlencoded') ? 'title=x' : JSON.stringify(validReport),
      });
      expect(response.status).toBe(415);
      expectErrorShape(response.body, 415, 'UNSUPPORTED_MEDIA_TYPE');
    });

    it('checks the media type before the key (nothing is parsed for an anonymous caller either)', async () => {
      const response = await call({ method: 'POST', path: '/v1/reports', headers: { 'content-type': 'text/plain' }, body: 'x' });
      expect(response.status).toBe(415);
    });
  });

  describe('error shape', () => {
    it('answers an unknown route with 404 NOT_FOUND in the same shape', async () => {
      const get = await call({ method: 'GET', path: '/v1/nowhere', headers: bearer(KEYS.admin) });
      expect(get.status).toBe(404);
      expectErrorShape(get.body, 404, 'NOT_FOUND');
      const post = await call({ method: 'POST', path: '/nowhere', headers: { 'content-type': 'text/plain' }, body: 'x' });
      expect(post.status).toBe(404);
      expectErrorShape(post.body, 404, 'NOT_FOUND');
    });

    it('answers a malformed URL with 400 in the same shape', async () => {
      const response = await call({ method: 'GET', path: '/v1/reports/%E0%A4%A', headers: bearer(KEYS.admin) });
      expect(response.status).toBe(400);
      expectErrorShape(response.body, 400, 'VALIDATION_FAILED');
    });

    it('answers an over-long route parameter with 414 in the same shape', async () => {
      const response = await call({ method: 'GET', path: `/v1/reports/by-id/${'a'.repeat(101)}`, headers: bearer(KEYS.analyst) });
      expect(response.status).toBe(414);
      expectErrorShape(response.body, 414, 'URI_TOO_LONG');
      const fine = await call({ method: 'GET', path: '/v1/reports/by-id/tadamon', headers: bearer(KEYS.analyst) });
      expect(fine.body).toEqual({ id: 'tadamon' });
    });

    it('answers a malformed HTTP request and oversized headers in the same shape', async () => {
      const port = new URL(server.url).port;
      const rawExchange = (text: string) =>
        new Promise<string>((resolve, reject) => {
          const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(text));
          let received = '';
          socket.on('data', (chunk) => (received += chunk.toString('utf8')));
          socket.on('close', () => resolve(received));
          socket.on('error', reject);
        });
      const malformed = await rawExchange('GET /v1/reports HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n');
      expect(malformed).toMatch(/^HTTP\/1\.1 400 /);
      expectErrorShape(JSON.parse(malformed.slice(malformed.indexOf('\r\n\r\n') + 4)), 400, 'VALIDATION_FAILED');

      const oversized = await rawExchange(`GET /v1/reports HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
      expect(oversized).toMatch(/^HTTP\/1\.1 431 /);
      expectErrorShape(JSON.parse(oversized.slice(oversized.indexOf('\r\n\r\n') + 4)), 431, 'HEADERS_TOO_LARGE');
    });

    it('maps a DomainError by its code, with its details', async () => {
      const response = await call({ method: 'GET', path: '/v1/reports/conflict', headers: bearer(KEYS.analyst) });
      expect(response.status).toBe(409);
      expect(response.body).toEqual({
        statusCode: 409,
        code: 'TIMELINE_CONFLICT',
        message: 'A later retreat would become impossible',
        details: [{ eventId: 'e-1' }],
      });
    });

    it('maps PROJECTION_LAGGING to 503 with Retry-After', async () => {
      const response = await call({ method: 'GET', path: '/v1/reports/lagging', headers: bearer(KEYS.analyst) });
      expect(response.status).toBe(503);
      expect(response.headers['retry-after']).toBe('2');
      expectErrorShape(response.body, 503, 'PROJECTION_LAGGING');
    });

    it('answers an unexpected error with a generic 500 that tells nothing', async () => {
      const response = await raw(server.url, { method: 'GET', path: '/v1/reports/boom', headers: bearer(KEYS.analyst) });
      expect(response.status).toBe(500);
      expect(response.body).toEqual({ statusCode: 500, code: 'INTERNAL_ERROR', message: 'Internal server error' });
    });
  });

  describe('OpenAPI', () => {
    it('serves the document at /docs-json without a key', async () => {
      const response = await call({ method: 'GET', path: '/docs-json' });
      expect(response.status).toBe(200);
      expect(response.body.openapi).toMatch(/^3\./);
      expect(response.body.info.title).toBe('Incident timeline API');
      expect(response.body.components.securitySchemes.bearer).toEqual(
        expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      );
      expect(Object.keys(response.body.paths)).toEqual(expect.arrayContaining(['/v1/reports', '/health']));
    });

    it('serves the UI at /docs', async () => {
      const response = await call({ method: 'GET', path: '/docs' });
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toContain('text/html');
      const css = await raw(server.url, { method: 'GET', path: '/docs/swagger-ui.css' });
      expect(css.status).toBe(200);
      expect(css.headers['content-type']).toContain('text/css');
      const init = await raw(server.url, { method: 'GET', path: '/docs/swagger-ui-init.js' });
      expect(init.body).toContain('/docs-json');
      const elsewhere = await call({ method: 'GET', path: '/docs/../package.json' });
      expect(elsewhere.status).toBe(404);
    });
  });

  describe('security headers', () => {
    /** helmet's defaults, but for the policy's upgrade-insecure-requests (see the docs test below). */
    const SECURITY_HEADERS = {
      'content-security-policy':
        "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' https: 'unsafe-inline'",
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      'origin-agent-cluster': '?1',
      'referrer-policy': 'no-referrer',
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
      'x-content-type-options': 'nosniff',
      'x-dns-prefetch-control': 'off',
      'x-download-options': 'noopen',
      'x-frame-options': 'SAMEORIGIN',
      'x-permitted-cross-domain-policies': 'none',
      'x-xss-protection': '0',
    };

    it('sends them on answers, on refusals of every kind and on the docs', async () => {
      const answers = [
        await call({ method: 'GET', path: '/v1/reports/by-id/tadamon', headers: bearer(KEYS.analyst) }),
        await call({ method: 'POST', path: '/v1/reports', headers: { ...bearer(KEYS.writer), 'content-type': 'application/json' }, body: '{}' }),
        await call({ method: 'POST', path: '/v1/reports', headers: { ...bearer(KEYS.writer), 'content-type': 'text/plain' }, body: 'x' }),
        await call({ method: 'GET', path: '/v1/reports/by-id/tadamon' }),
        await call({ method: 'GET', path: '/v1/nowhere', headers: bearer(KEYS.admin) }),
        await call({ method: 'GET', path: '/v1/reports/%E0%A4%A', headers: bearer(KEYS.admin) }),
        await call({ method: 'GET', path: '/docs' }),
      ];
      expect(answers.map((answer) => answer.status)).toEqual([200, 400, 415, 401, 404, 400, 200]);
      for (const answer of answers) {
        expect(answer.headers).toMatchObject(SECURITY_HEADERS);
        expect(answer.headers['x-powered-by']).toBeUndefined();
      }
    });
  });

  describe('the docs over plain HTTP, opened by IP', () => {
    it('sends a content security policy without upgrade-insecure-requests, and keeps the rest of it', async () => {
      const page = await call({ method: 'GET', path: '/docs' });
      const policy = String(page.headers['content-security-policy']);
      const directives = new Map(policy.split(';').map((directive) => [directive.split(' ')[0], directive]));
      expect(directives.has('upgrade-insecure-requests')).toBe(false);
      expect(directives.get('default-src')).toBe("default-src 'self'");
      expect(directives.get('script-src')).toBe("script-src 'self'");
      expect(directives.get('object-src')).toBe("object-src 'none'");
      expect(directives.get('frame-ancestors')).toBe("frame-ancestors 'self'");
    });

    it('references only same-origin assets, each served over the same plain HTTP', async () => {
      const page = await raw(server.url, { method: 'GET', path: '/docs' });
      const html = String(page.body);
      const references = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
      expect(references.length).toBeGreaterThanOrEqual(3);
      for (const reference of references) {
        // Root-relative: fetched from wherever the page came from, http or https, by name or by IP.
        expect(reference).toMatch(/^\/docs\/[a-z0-9.-]+$/);
        const asset = await raw(server.url, { method: 'GET', path: reference });
        expect({ reference, status: asset.status }).toEqual({ reference, status: 200 });
      }
    });
  });

  describe('request ids', () => {
    const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    const idOf = async (given?: string) =>
      (await call({ method: 'GET', path: '/v1/reports', headers: { ...bearer(KEYS.analyst), ...(given !== undefined && { 'x-request-id': given }) } }))
        .headers['x-request-id'];

    it('takes a short, plain X-Request-Id from the request', async () => {
      expect(await idOf('trace-2018.04.18:tadamon_01')).toBe('trace-2018.04.18:tadamon_01');
      expect(await idOf('a'.repeat(128))).toBe('a'.repeat(128));
    });

    it.each([
      ['none', undefined],
      ['an empty one', ''],
      ['one over 128 characters', 'a'.repeat(129)],
      ['one with a space', 'trace 1'],
      ['one with a quote and a brace', '"}{'],
      ['one with a slash', 'trace/1'],
    ])('generates a UUID for %s', async (_case, given) => {
      const id = await idOf(given);
      expect(id).toMatch(UUID);
      expect(id).not.toBe(given);
    });

    it('generates a new id for every request', async () => {
      expect(await idOf()).not.toBe(await idOf());
    });
  });

  // Declared last, so it runs after every other test of this server.
  it('never answered any of these inputs with a 5xx (PROJECTION_LAGGING aside)', () => {
    expect(statuses.length).toBeGreaterThan(40);
    expect(statuses.filter((status) => status >= 500 && status !== 503)).toEqual([]);
  });
});

describe('HTTP platform rate limiting', () => {
  let server: Started;

  beforeAll(async () => {
    server = await start({ rateLimitPerSecond: 2 });
  });

  afterAll(async () => {
    await server?.app.close();
  });

  it('answers 429 RATE_LIMITED with Retry-After once a key exceeds its rate, per key', async () => {
    const responses: RawResponse[] = [];
    for (let i = 0; i < 8; i += 1) {
      responses.push(await raw(server.url, { method: 'GET', path: '/v1/reports', headers: bearer(KEYS.analyst) }));
    }
    const limited = responses.filter((response) => response.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(Number(limited[0].headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expectErrorShape(limited[0].body, 429, 'RATE_LIMITED');
    expect(responses.every((response) => response.status === 200 || response.status === 429)).toBe(true);

    const otherKey = await raw(server.url, { method: 'GET', path: '/v1/reports', headers: bearer(KEYS.admin) });
    expect(otherKey.status).toBe(200);
    const open = await raw(server.url, { method: 'GET', path: '/health' });
    expect(open.status).toBe(200);
  });
});

describe('HTTP platform CORS', () => {
  const LISTED = 'https://maps.example.org';
  const UNLISTED = 'https://elsewhere.example.com';
  let configured: Started;
  let unconfigured: Started;

  beforeAll(async () => {
    configured = await start({ corsOrigins: [LISTED] });
    unconfigured = await start();
  });

  afterAll(async () => {
    await configured?.app.close();
    await unconfigured?.app.close();
  });

  const preflight = (base: string, origin: string) =>
    raw(base, {
      method: 'OPTIONS',
      path: '/v1/reports',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
  const simple = (base: string, origin: string) =>
    raw(base, { method: 'GET', path: '/v1/reports', headers: { origin, ...bearer(KEYS.analyst) } });

  it('answers a preflight and a simple request from a listed origin with that origin', async () => {
    const allowed = await preflight(configured.url, LISTED);
    expect(allowed.status).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe(LISTED);
    expect(String(allowed.headers['access-control-allow-methods'])).toContain('POST');
    expect(String(allowed.headers['access-control-allow-headers']).toLowerCase()).toContain('authorization');

    const read = await simple(configured.url, LISTED);
    expect(read.status).toBe(200);
    expect(read.headers['access-control-allow-origin']).toBe(LISTED);
    expect(String(read.headers['access-control-expose-headers'])).toContain('X-Request-Id');
  });

  it('gives an unlisted origin no Access-Control-Allow-Origin, on a preflight or a simple request', async () => {
    const refused = await preflight(configured.url, UNLISTED);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    const read = await simple(configured.url, UNLISTED);
    expect(read.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('gives no origin Access-Control-Allow-Origin when TIMELINE_CORS_ORIGINS is unset', async () => {
    for (const origin of [LISTED, UNLISTED]) {
      expect((await preflight(unconfigured.url, origin)).headers['access-control-allow-origin']).toBeUndefined();
      const read = await simple(unconfigured.url, origin);
      expect(read.status).toBe(200);
      expect(read.headers['access-control-allow-origin']).toBeUndefined();
    }
  });
});
