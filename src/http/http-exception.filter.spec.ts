import { BadRequestException, HttpException, InternalServerErrorException, NotFoundException } from '@nestjs/common';
import { ApplicationError, type ApplicationErrorCode } from '../application/application-error.js';
import { AuthRefusal } from '../auth/auth-refusal.js';
import { DomainError, type DomainErrorCode } from '../domain/domain-error.js';
import { ApiHttpException } from './api-http-exception.js';
import { clientErrorResponse, toErrorResponse } from './http-exception.filter.js';

function fastifyError(code: string, statusCode: number, message = 'fastify says no'): Error {
  return Object.assign(new Error(message), { name: 'FastifyError', code, statusCode });
}

describe('toErrorResponse', () => {
  it.each<[DomainErrorCode, number]>([
    ['NEIGHBOURHOOD_NOT_FOUND', 404],
    ['EVENT_NOT_FOUND', 404],
    ['ACTOR_UNKNOWN', 422],
    ['POSITION_UNKNOWN', 422],
    ['OCCURRED_IN_FUTURE', 422],
    ['BEFORE_BASELINE', 422],
    ['ALREADY_EXISTS', 409],
    ['ALREADY_CONTROLLED', 409],
    ['NOT_CONTROLLED', 409],
    ['TIMELINE_CONFLICT', 409],
    ['INVALID_COMMAND', 422],
  ])('maps DomainError %s to %i', (code, status) => {
    const answer = toErrorResponse(new DomainError(code, 'refused'));
    expect(answer.body).toEqual({ statusCode: status, code, message: 'refused' });
    expect(answer.isServerFault).toBe(false);
  });

  it.each<[ApplicationErrorCode, number]>([
    ['WRONG_EXPECTED_REVISION', 412],
    ['IDEMPOTENCY_KEY_REUSED', 422],
    ['NEIGHBOURHOOD_NOT_FOUND', 404],
    ['EVENT_NOT_FOUND', 404],
    ['ACTOR_UNKNOWN', 422],
    ['ACTOR_NOT_FOUND', 404],
    ['SERVER_BUSY', 503],
    ['VALIDATION_FAILED', 400],
    ['PROJECTION_LAGGING', 503],
  ])('maps ApplicationError %s to %i', (code, status) => {
    expect(toErrorResponse(new ApplicationError(code, 'refused')).body).toEqual({ statusCode: status, code, message: 'refused' });
  });

  it('maps AuthRefusal to 401 with WWW-Authenticate, 403, and 429 with Retry-After', () => {
    expect(toErrorResponse(new AuthRefusal('UNAUTHENTICATED', 'Unknown API key'))).toEqual({
      body: { statusCode: 401, code: 'UNAUTHENTICATED', message: 'Unknown API key' },
      headers: { 'WWW-Authenticate': 'Bearer' },
      isServerFault: false,
    });
    expect(toErrorResponse(new AuthRefusal('FORBIDDEN', 'The writer role may not do this')).body).toEqual({
      statusCode: 403,
      code: 'FORBIDDEN',
      message: 'The writer role may not do this',
    });
    const limited = toErrorResponse(new AuthRefusal('RATE_LIMITED', 'slow down', 2));
    expect(limited.body).toEqual({ statusCode: 429, code: 'RATE_LIMITED', message: 'slow down' });
    expect(limited.headers).toEqual({ 'Retry-After': '2' });
  });

  it('passes details through', () => {
    const answer = toErrorResponse(new DomainError('TIMELINE_CONFLICT', 'conflict', [{ eventId: 'e-9' }]));
    expect(answer.body.details).toEqual([{ eventId: 'e-9' }]);
  });

  it('sends Retry-After with PROJECTION_LAGGING, a whole number of seconds, at least 1', () => {
    expect(toErrorResponse(new ApplicationError('PROJECTION_LAGGING', 'lag', undefined, 2.2)).headers).toEqual({ 'Retry-After': '3' });
    expect(toErrorResponse(new ApplicationError('PROJECTION_LAGGING', 'lag')).headers).toEqual({ 'Retry-After': '1' });
  });

  it('sends Retry-After with any ApplicationError that says when to retry, such as SERVER_BUSY', () => {
    expect(toErrorResponse(new ApplicationError('SERVER_BUSY', 'busy', undefined, 5)).headers).toEqual({ 'Retry-After': '5' });
    expect(toErrorResponse(new ApplicationError('ACTOR_NOT_FOUND', 'no actor')).headers).toEqual({});
  });

  it('keeps the code, details and headers of an ApiHttpException', () => {
    const answer = toErrorResponse(new ApiHttpException(429, 'RATE_LIMITED', 'slow down', { headers: { 'Retry-After': '1' } }));
    expect(answer.body).toEqual({ statusCode: 429, code: 'RATE_LIMITED', message: 'slow down' });
    expect(answer.headers).toEqual({ 'Retry-After': '1' });
  });

  it('names Nest HttpExceptions by their status', () => {
    expect(toErrorResponse(new NotFoundException('Cannot GET /x')).body).toEqual({ statusCode: 404, code: 'NOT_FOUND', message: 'Cannot GET /x' });
    expect(toErrorResponse(new BadRequestException(['a is wrong', 'b is wrong'])).body).toEqual({
      statusCode: 400,
      code: 'VALIDATION_FAILED',
      message: 'a is wrong; b is wrong',
    });
    expect(toErrorResponse(new HttpException('teapot', 418)).body.code).toBe('I_M_A_TEAPOT');
  });

  it.each([
    ['FST_ERR_CTP_BODY_TOO_LARGE', 413, 413, 'PAYLOAD_TOO_LARGE'],
    ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['FST_ERR_CTP_INVALID_JSON_BODY', 400, 400, 'VALIDATION_FAILED'],
    ['FST_ERR_CTP_EMPTY_JSON_BODY', 400, 400, 'VALIDATION_FAILED'],
    ['FST_ERR_BAD_URL', 400, 400, 'VALIDATION_FAILED'],
    ['FST_ERR_MAX_PARAM_LENGTH', 414, 414, 'URI_TOO_LONG'],
  ])('maps Fastify error %s, bare or wrapped by Nest', (code, fastifyStatus, status, apiCode) => {
    const error = fastifyError(code, fastifyStatus);
    const wrapped = new HttpException(error.message, fastifyStatus, { cause: error });
    for (const exception of [error, wrapped]) {
      const answer = toErrorResponse(exception);
      expect(answer.body).toEqual(expect.objectContaining({ statusCode: status, code: apiCode }));
      expect(answer.isServerFault).toBe(false);
    }
  });

  it('says that an unparsable body is not valid JSON', () => {
    expect(toErrorResponse(fastifyError('FST_ERR_CTP_INVALID_JSON_BODY', 400)).body.details).toEqual([
      { field: 'body', problems: ['body is not valid JSON'] },
    ]);
  });

  it.each([
    ['an Error', new Error('db password is hunter2')],
    ['a string', 'oops'],
    ['undefined', undefined],
    ['a 5xx FastifyError', fastifyError('FST_ERR_HANDLER_TIMEOUT', 503, 'timed out')],
    ['an InternalServerErrorException', new InternalServerErrorException('secret detail')],
  ])('answers %s with a generic 500 that reveals nothing', (_case, exception) => {
    const answer = toErrorResponse(exception);
    expect(answer.body).toEqual({ statusCode: 500, code: 'INTERNAL_ERROR', message: 'Internal server error' });
    expect(answer.isServerFault).toBe(true);
  });
});

describe('clientErrorResponse', () => {
  it('writes a complete HTTP response with the error body', () => {
    const text = clientErrorResponse(Object.assign(new Error('bad'), { code: 'HPE_INVALID_HEADER_TOKEN' }));
    const [head, body] = text.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(head).toContain(`Content-Length: ${Buffer.byteLength(body)}`);
    expect(JSON.parse(body)).toEqual({ statusCode: 400, code: 'VALIDATION_FAILED', message: 'Malformed HTTP request' });
  });
});
