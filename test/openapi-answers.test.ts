import { summary, undocumentedAnswers, unobservedResponses, type RecordedAnswer } from './openapi-answers.teardown.js';

/* The check the global teardown runs: what it takes as documented, and what it names as not. */

const error = (status: number, codes: string[]) => ({
  content: {
    'application/json': {
      schema: {
        allOf: [
          { $ref: '#/components/schemas/ApiError' },
          { type: 'object', properties: { statusCode: { type: 'integer', enum: [status] }, code: { type: 'string', enum: codes } } },
        ],
      },
    },
  },
});

const document = {
  openapi: '3.0.0',
  components: { schemas: { ApiError: { type: 'object', properties: { code: { type: 'string' } } }, Health: { type: 'object', properties: { status: { type: 'string' } } } } },
  paths: {
    '/v1/actors': {
      post: { responses: { '201': { description: 'created' }, '409': error(409, ['ALREADY_EXISTS']), '422': error(422, ['IDEMPOTENCY_KEY_REUSED']) } },
    },
    '/health': {
      get: {
        responses: {
          '200': { description: 'ok' },
          '503': { content: { 'application/json': { schema: { oneOf: [{ $ref: '#/components/schemas/Health' }, error(503, ['SHUTTING_DOWN']).content['application/json'].schema] } } } },
        },
      },
    },
    '/v1/neighbourhoods/{id}': { get: { responses: { '200': { description: 'ok' }, '404': error(404, ['NEIGHBOURHOOD_NOT_FOUND']) } } },
  },
};

const answer = (method: string, route: string, status: number, code: string | null = null): RecordedAnswer => ({ method, route, status, code });

describe('the check of recorded answers against the OpenAPI document', () => {
  it('takes documented statuses and codes, and a body without a code where the status documents one', () => {
    expect(
      undocumentedAnswers(document, [
        answer('POST', '/v1/actors', 201),
        answer('POST', '/v1/actors', 409, 'ALREADY_EXISTS'),
        answer('GET', '/health', 503),
        answer('GET', '/health', 503, 'SHUTTING_DOWN'),
        answer('GET', '/v1/neighbourhoods/{id}', 404, 'NEIGHBOURHOOD_NOT_FOUND'),
      ]),
    ).toEqual([]);
  });

  it('names an undocumented route, status, code, and an error without a code where only coded errors are documented', () => {
    expect(
      undocumentedAnswers(document, [
        answer('POST', '/v1/stream', 200),
        answer('POST', '/v1/actors', 404, 'NEIGHBOURHOOD_NOT_FOUND'),
        answer('POST', '/v1/actors', 409, 'TIMELINE_CONFLICT'),
        answer('POST', '/v1/actors', 422),
        answer('GET', '/v1/neighbourhoods/{id}', 404, 'ACTOR_NOT_FOUND'),
      ]),
    ).toEqual([
      'GET /v1/neighbourhoods/{id} 404 ACTOR_NOT_FOUND: code ACTOR_NOT_FOUND is not documented for this status',
      'POST /v1/actors 404 NEIGHBOURHOOD_NOT_FOUND: status 404 is not documented for the route',
      'POST /v1/actors 409 TIMELINE_CONFLICT: code TIMELINE_CONFLICT is not documented for this status',
      'POST /v1/actors 422: an error answer without a code',
      'POST /v1/stream 200: the route is not in the document',
    ]);
  });

  it('sums up, per route, the documented statuses no answer had', () => {
    const answers = [answer('POST', '/v1/actors', 201), answer('GET', '/health', 200)];
    const unobserved = unobservedResponses(document, answers);
    expect(unobserved).toEqual(['POST /v1/actors 409', 'POST /v1/actors 422', 'GET /health 503', 'GET /v1/neighbourhoods/{id} 200', 'GET /v1/neighbourhoods/{id} 404']);
    expect(summary(answers, [], unobserved).split('\n')).toEqual([
      'OpenAPI answers: 2 distinct answers on 2 routes, 0 undocumented; 5 documented (route, status) pairs that these tests never produced:',
      '  POST /v1/actors: 409 422',
      '  GET /health: 503',
      '  GET /v1/neighbourhoods/{id}: 200 404',
    ]);
    expect(summary([], [], unobserved)).toBe('OpenAPI answers: no answer was recorded.');
  });
});
