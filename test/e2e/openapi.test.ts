import SwaggerParser from '@apidevtools/swagger-parser';
import type { Type } from '@nestjs/common';
import { ROLES } from '../../src/auth/index.js';
import { batchRoute } from '../../src/features/batch/batch-routes.js';
import { BatchDto } from '../../src/features/batch/batch.dto.js';
import { READ_MODELS } from '../../src/features/read-models.js';
import { API_ERRORS, type ApiErrorCode, createValidationPipe } from '../../src/http/index.js';
import { type RunningApp, startApp, temporaryDataDir } from './app-harness.js';
import { RegisterWebhookDto } from '../../src/features/webhooks/webhooks.dto.js';

/*
 * The OpenAPI document at /docs-json, as a client generator reads it: valid OpenAPI 3.0, every
 * error answer an ApiError with the codes of its status, the codes each kind of route can give
 * and only those, scalars typed as scalars, ids with their patterns, and request examples that
 * the commands' own validation takes.
 */

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const SLUG = '^[a-z0-9]+(-[a-z0-9]+)*$';

let app: RunningApp;
let remove: () => void;
let document: Json;

beforeAll(async () => {
  const dataDir = temporaryDataDir();
  remove = dataDir.remove;
  app = await startApp(dataDir.dir);
  const answer = await app.get('/docs-json', { as: null });
  expect(answer.status).toBe(200);
  document = answer.body;
});

afterAll(async () => {
  await app.stop();
  remove();
});

function operations(): { method: string; path: string; operation: Json }[] {
  return Object.entries(document.paths as Json).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method] !== undefined).map((method) => ({ method, path, operation: item[method] as Json })),
  );
}

function operation(method: string, path: string): Json {
  const found = (document.paths as Json)[path]?.[method];
  if (found === undefined) throw new Error(`${method.toUpperCase()} ${path} is not in the document`);
  return found as Json;
}

/** The codes an error response pins, read from its `allOf` of ApiError. */
function errorSchemaOf(response: Json): Json {
  const schema = response.content?.['application/json']?.schema as Json | undefined;
  const error = (schema?.oneOf as Json[] | undefined)?.find((alternative) => alternative.allOf !== undefined) ?? schema;
  return error as Json;
}

function codesAt(method: string, path: string, status: number): string[] {
  const response = operation(method, path).responses[String(status)] as Json | undefined;
  return response === undefined ? [] : (errorSchemaOf(response).allOf[1].properties.code.enum as string[]);
}

function allCodes(method: string, path: string): string[] {
  return Object.entries(operation(method, path).responses as Json)
    .filter(([status]) => Number(status) >= 400)
    .flatMap(([status]) => codesAt(method, path, Number(status)));
}

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.0 for a validator that checks the specification and every reference', async () => {
    expect(document.openapi).toMatch(/^3\.0\.\d+$/);
    const validated = (await SwaggerParser.validate(structuredClone(document) as never)) as Json;
    expect(Object.keys(validated.paths as Json).length).toBe(Object.keys(document.paths as Json).length);
  });

  it('describes the key as a bearer API key, not a JWT, and says which routes need one', () => {
    const scheme = document.components.securitySchemes.bearer as Json;
    expect(scheme).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(scheme).not.toHaveProperty('bearerFormat');
    expect(scheme.description).toMatch(/API key/);
    for (const { method, path, operation: op } of operations()) {
      expect({ route: `${method} ${path}`, security: op.security }).toEqual({
        route: `${method} ${path}`,
        security: path === '/health' ? [] : [{ bearer: [] }],
      });
    }
  });

  it('answers every error with the ApiError body, the code pinned to codes of that very status, and details typed by code', () => {
    expect(document.components.schemas.ApiError).toMatchObject({ required: ['statusCode', 'code', 'message'] });
    expect(document.components.schemas.ValidationProblem.properties.problems).toEqual({
      type: 'array',
      items: { type: 'string' },
      example: expect.any(Array),
    });
    let checked = 0;
    for (const { method, path, operation: op } of operations()) {
      for (const [status, response] of Object.entries(op.responses as Json)) {
        if (Number(status) < 400) continue;
        const route = `${method.toUpperCase()} ${path} ${status}`;
        const schema = errorSchemaOf(response as Json);
        expect({ route, base: schema.allOf?.[0] }).toEqual({ route, base: { $ref: '#/components/schemas/ApiError' } });
        const pinned = schema.allOf[1].properties as Json;
        expect({ route, statusCode: pinned.statusCode.enum }).toEqual({ route, statusCode: [Number(status)] });
        const codes = pinned.code.enum as ApiErrorCode[];
        expect(codes.length).toBeGreaterThan(0);
        for (const code of codes) expect({ route, code, status: API_ERRORS[code]?.status }).toEqual({ route, code, status: Number(status) });
        if (codes.includes('VALIDATION_FAILED')) {
          expect({ route, details: pinned.details.items }).toEqual({ route, details: { $ref: '#/components/schemas/ValidationProblem' } });
        }
        if (codes.includes('TIMELINE_CONFLICT')) {
          expect({ route, details: pinned.details.items.anyOf ?? [pinned.details.items] }).toEqual({
            route,
            details: expect.arrayContaining([{ $ref: '#/components/schemas/TimelineConflict' }]),
          });
        }
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('sends Retry-After with every 429 and 503, and WWW-Authenticate with every 401', () => {
    for (const { method, path, operation: op } of operations()) {
      for (const [status, header] of [
        ['429', 'Retry-After'],
        ['503', 'Retry-After'],
        ['401', 'WWW-Authenticate'],
      ] as const) {
        const response = op.responses[status] as Json | undefined;
        if (response !== undefined) expect({ route: `${method} ${path} ${status}`, header: response.headers?.[header] }).toMatchObject({ header: { schema: expect.any(Object) } });
      }
    }
  });

  it('lists the codes that follow from what a route is: its key, its roles, its body, its read model, its weight', () => {
    const keyed = (method: string, path: string): void => {
      expect(codesAt(method, path, 401)).toEqual(['UNAUTHENTICATED']);
      expect(codesAt(method, path, 429)).toEqual(['RATE_LIMITED']);
      expect(codesAt(method, path, 503)).toEqual(expect.arrayContaining(['SHUTTING_DOWN', 'STORAGE_UNAVAILABLE']));
    };
    for (const { method, path } of operations()) {
      expect(codesAt(method, path, 400)).toContain('VALIDATION_FAILED');
      expect(codesAt(method, path, 408)).toEqual(['REQUEST_TIMEOUT']);
      expect(codesAt(method, path, 503)).toContain('SHUTTING_DOWN');
      if (path !== '/health') keyed(method, path);
      const withBody = method !== 'get';
      expect({ route: `${method} ${path}`, body: [codesAt(method, path, 413), codesAt(method, path, 415), codesAt(method, path, 507)] }).toEqual({
        route: `${method} ${path}`,
        body: withBody ? [['PAYLOAD_TOO_LARGE'], ['UNSUPPORTED_MEDIA_TYPE'], ['STORAGE_FULL']] : [[], [], []],
      });
    }
    // /health is open: no key, so no 401, 403, 429; its unhealthy 503 is the health report.
    expect(allCodes('get', '/health').sort()).toEqual(['REQUEST_TIMEOUT', 'SHUTTING_DOWN', 'VALIDATION_FAILED']);
    // Every role may read a stream's head: it cannot answer 403.
    expect(codesAt('get', '/v1/neighbourhoods/{id}/head', 403)).toEqual([]);
    expect(codesAt('post', '/v1/neighbourhoods/{id}/retractions', 403)).toEqual(['FORBIDDEN']);
    for (const path of ['/v1/neighbourhoods/{id}/timeline', '/v1/actors', '/v1/neighbourhoods/{id}/control.geojson', '/v1/timeline.csv']) {
      expect(codesAt('get', path, 503)).toEqual(expect.arrayContaining(['PROJECTION_LAGGING', 'PROJECTION_REBUILDING']));
    }
    for (const path of ['/v1/neighbourhoods/{id}/events', '/v1/neighbourhoods/{id}/head', '/v1/projections']) {
      expect(codesAt('get', path, 503)).not.toContain('PROJECTION_LAGGING');
    }
    const heavy = ['/v1/neighbourhoods/{id}/control', '/v1/neighbourhoods/{id}/control-history', '/v1/control.geojson', '/v1/neighbourhoods/{id}/control-history.csv', '/v1/neighbourhoods/{id}/timeline.csv', '/v1/timeline.csv'];
    for (const { method, path } of operations()) {
      expect({ route: `${method} ${path}`, busy: codesAt(method, path, 503).includes('SERVER_BUSY') }).toEqual({
        route: `${method} ${path}`,
        busy: method === 'get' && heavy.includes(path),
      });
    }
  });

  it("lists each command's own codes and no other: registering an actor can never find a neighbourhood missing", () => {
    expect(allCodes('post', '/v1/actors').filter((code) => API_ERRORS[code as ApiErrorCode].status === 404 || code.startsWith('NEIGHBOURHOOD'))).toEqual([]);
    expect(codesAt('post', '/v1/actors', 409)).toEqual(['ALREADY_EXISTS']);
    expect(codesAt('post', '/v1/actors', 422)).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    expect(codesAt('post', '/v1/neighbourhoods/{id}/captures', 409)).toEqual(['ALREADY_CONTROLLED', 'TIMELINE_CONFLICT']);
    expect(codesAt('post', '/v1/neighbourhoods/{id}/retreats', 409)).toEqual(['NOT_CONTROLLED', 'TIMELINE_CONFLICT']);
    expect(codesAt('post', '/v1/neighbourhoods/{id}/attacks', 409)).toEqual([]);
    expect(codesAt('post', '/v1/neighbourhoods/{id}/assessments', 409)).toEqual(['ALREADY_EXISTS', 'TIMELINE_CONFLICT', 'REPORT_RETRACTED']);
    expect(codesAt('post', '/v1/batches', 412)).toEqual(['WRONG_EXPECTED_REVISION']);
    expect(codesAt('post', '/v1/batches', 422)).toEqual([]);
    expect(codesAt('get', '/v1/actors/{id}/holdings', 404)).toEqual(['ACTOR_NOT_FOUND']);
    expect(codesAt('post', '/v1/projections/{name}/rebuild', 404)).toEqual(['PROJECTION_NOT_FOUND']);
    for (const path of ['/v1/actors', '/v1/neighbourhoods', '/v1/neighbourhoods/{id}/captures', '/v1/neighbourhoods/{id}/assessments']) {
      expect(codesAt('post', path, 412)).toEqual(['WRONG_EXPECTED_REVISION']);
      expect(codesAt('post', path, 422)).toContain('IDEMPOTENCY_KEY_REUSED');
    }
  });

  it('types every field: no bare objects where a scalar is meant, every array with typed items, nullable only beside a type', () => {
    const problems: string[] = [];
    const visit = (node: unknown, at: string): void => {
      if (Array.isArray(node)) return node.forEach((item, index) => visit(item, `${at}/${index}`));
      if (typeof node !== 'object' || node === null) return;
      const schema = node as Json;
      const composed = schema.allOf ?? schema.oneOf ?? schema.anyOf ?? schema.$ref;
      if (schema.type === 'object' && schema.properties === undefined && schema.additionalProperties === undefined && composed === undefined) {
        problems.push(`${at}: an object without properties`);
      }
      if (schema.type === 'array' && (schema.items === undefined || Object.keys(schema.items as Json).length === 0)) problems.push(`${at}: an array without an items type`);
      if (schema.nullable === true && schema.type === undefined) problems.push(`${at}: nullable without a type`);
      for (const [key, value] of Object.entries(schema)) if (key !== 'example' && key !== 'examples') visit(value, `${at}/${key}`);
    };
    visit(document, '#');
    expect(problems).toEqual([]);
  });

  it('writes nullable answers as nullable strings', () => {
    const schemas = document.components.schemas as Json;
    const nullableString = { type: 'string', nullable: true };
    for (const [schema, field] of [
      ['PositionSpecDto', 'controller'],
      ['PositionControlDto', 'controller'],
      ['PositionControlDto', 'controllerName'],
      ['PositionControlDto', 'since'],
      ['PositionControlDto', 'eventId'],
      ['PositionControlDto', 'nameAr'],
      ['NeighbourhoodControlDto', 'majorityController'],
      ['NeighbourhoodSummaryDto', 'majorityController'],
      ['ControlFeaturePropertiesDto', 'controller'],
      ['ActorDto', 'nameAr'],
    ] as const) {
      expect({ at: `${schema}.${field}`, schema: schemas[schema].properties[field] }).toMatchObject({ at: `${schema}.${field}`, schema: nullableString });
    }
  });

  it('gives path ids their patterns and projection names their values', () => {
    let ids = 0;
    for (const { method, path, operation: op } of operations()) {
      for (const parameter of ((op.parameters as Json[] | undefined) ?? []).filter((p) => p.in === 'path')) {
        const route = `${method} ${path} {${parameter.name}}`;
        if (path.startsWith('/v1/projections/')) {
          expect({ route, values: parameter.schema.enum }).toEqual({ route, values: READ_MODELS.map((model) => model.name) });
        } else if (path.startsWith('/v1/webhooks/')) {
          expect({ route, schema: parameter.schema }).toEqual({ route, schema: { type: 'string', format: 'uuid', pattern: expect.any(String), example: expect.any(String) } });
          expect(new RegExp(parameter.schema.pattern as string).test(parameter.schema.example as string)).toBe(true);
        } else {
          ids += 1;
          expect({ route, schema: parameter.schema }).toEqual({ route, schema: { type: 'string', pattern: SLUG, maxLength: 64, example: expect.any(String) } });
          expect(new RegExp(parameter.schema.pattern as string).test(parameter.schema.example as string)).toBe(true);
        }
      }
    }
    expect(ids).toBeGreaterThanOrEqual(18);
  });

  it('has one request example per command, which the command validates as it validates a request', async () => {
    const pipe = createValidationPipe();
    const validate = (metatype: Type<object>, value: unknown): Promise<unknown> => pipe.transform(value, { type: 'body', metatype, data: undefined });
    // Every POST with a body; a rebuild and a webhook's resume take none.
    const commands = operations().filter(({ method, path }) => method === 'post' && !path.startsWith('/v1/projections/') && !path.endsWith('/resume'));
    expect(commands.length).toBe(12);
    for (const { path, operation: op } of commands) {
      const examples = Object.values(op.requestBody.content['application/json'].examples as Json) as Json[];
      expect({ path, examples: examples.length }).toEqual({ path, examples: 1 });
      const example = examples[0]!.value as Json;
      if (path === '/v1/batches') {
        await expect(validate(BatchDto, example)).resolves.toBeInstanceOf(BatchDto);
        for (const command of example.commands as Json[]) {
          const route = batchRoute(command.path as string);
          expect(route).toBeDefined();
          await expect(validate(route!.route.dto, command.body)).resolves.toBeInstanceOf(route!.route.dto);
        }
        continue;
      }
      if (path === '/v1/webhooks') {
        await expect(validate(RegisterWebhookDto, example)).resolves.toBeInstanceOf(RegisterWebhookDto);
        await expect(validate(RegisterWebhookDto, { ...example, filter: { neighbourhood: ['x'] } })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
        continue;
      }
      const route = batchRoute(path.replace('{id}', 'damascus-tadamon'));
      expect({ path, route: route !== undefined }).toEqual({ path, route: true });
      await expect(validate(route!.route.dto, example)).resolves.toBeInstanceOf(route!.route.dto);
      // What an example may not be: the check above refuses a misspelt field.
      await expect(validate(route!.route.dto, { ...example, occuredAt: '2018-04-18T06:00:00Z' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    }
  });

  it('says which roles may call each route', () => {
    for (const { path, operation: op } of operations()) {
      if (path === '/health') expect(op.description).toMatch(/no key needed/);
      else expect(op.description).toMatch(new RegExp(`\\*\\*Roles:\\*\\* (${ROLES.join('|')})(, (${ROLES.join('|')}))*\\.$`));
    }
    expect(operation('post', '/v1/neighbourhoods/{id}/retractions').description).toMatch(/\*\*Roles:\*\* admin\.$/);
    expect(operation('get', '/v1/neighbourhoods/{id}/head').description).toMatch(/\*\*Roles:\*\* writer, analyst, editor, admin\.$/);
  });
});
