import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { ApplicationError, type ApplicationErrorCode } from '../application/application-error.js';
import { AuthRefusal, type AuthRefusalCode } from '../auth/auth-refusal.js';
import { principalOf } from '../auth/principal.js';
import { DomainError, type DomainErrorCode } from '../domain/domain-error.js';
import { ApiHttpException, type ErrorBody, type ErrorDetail } from './api-http-exception.js';

/** Request bodies larger than this get 413 (API.md: "over 1 MiB"). */
export const REQUEST_BODY_LIMIT_BYTES = 1024 * 1024;

/** Every domain refusal is the client's problem: none of them maps to a 5xx. */
const DOMAIN_STATUS: Readonly<Record<DomainErrorCode, number>> = {
  NEIGHBOURHOOD_NOT_FOUND: 404,
  EVENT_NOT_FOUND: 404,
  ACTOR_UNKNOWN: 422,
  POSITION_UNKNOWN: 422,
  OCCURRED_IN_FUTURE: 422,
  BEFORE_BASELINE: 422,
  ALREADY_EXISTS: 409,
  ALREADY_CONTROLLED: 409,
  NOT_CONTROLLED: 409,
  TIMELINE_CONFLICT: 409,
  REPORTED_BEFORE_OCCURRED: 422,
  REPORT_RETRACTED: 409,
  INVALID_COMMAND: 422,
  VALIDATION_FAILED: 400,
};

const APPLICATION_STATUS: Readonly<Record<ApplicationErrorCode, number>> = {
  WRONG_EXPECTED_REVISION: 412,
  IDEMPOTENCY_KEY_REUSED: 422,
  PROJECTION_LAGGING: 503,
  PROJECTION_NOT_FOUND: 404,
  NEIGHBOURHOOD_NOT_FOUND: 404,
  EVENT_NOT_FOUND: 404,
  ACTOR_UNKNOWN: 422,
  ACTOR_NOT_FOUND: 404,
  SERVER_BUSY: 503,
  VALIDATION_FAILED: 400,
};

const AUTH_STATUS: Readonly<Record<AuthRefusalCode, number>> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
};

/** The headers RFC 9110 and RFC 6585 ask for with each auth refusal. */
function authHeaders(refusal: AuthRefusal): Record<string, string> {
  switch (refusal.code) {
    case 'UNAUTHENTICATED':
      return { 'WWW-Authenticate': 'Bearer' };
    case 'RATE_LIMITED':
      return { 'Retry-After': String(Math.max(1, Math.ceil(refusal.retryAfterSeconds ?? 1))) };
    case 'FORBIDDEN':
      return {};
  }
}

/** Codes for refusals that come from the framework rather than from our own code. */
const STATUS_CODE_NAMES: Readonly<Record<number, string>> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  408: 'REQUEST_TIMEOUT',
  409: 'CONFLICT',
  411: 'LENGTH_REQUIRED',
  412: 'PRECONDITION_FAILED',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE_ENTITY',
  429: 'RATE_LIMITED',
  431: 'HEADERS_TOO_LARGE',
  503: 'SERVICE_UNAVAILABLE',
};

const INTERNAL_ERROR_MESSAGE = 'Internal server error';

export interface ErrorResponse {
  readonly body: ErrorBody;
  readonly headers: Readonly<Record<string, string>>;
  /** A fault of ours (a bug, or an outage), to be logged with its stack. */
  readonly isServerFault: boolean;
}

function codeForStatus(status: number): string {
  return (
    STATUS_CODE_NAMES[status] ??
    (STATUS_CODES[status] ?? 'Error')
      .toUpperCase()
      .replace(/[^A-Z0-9]+/g, '_')
      .replace(/^_|_$/g, '')
  );
}

function respond(
  statusCode: number,
  code: string,
  message: string,
  details?: readonly ErrorDetail[],
  headers: Readonly<Record<string, string>> = {},
): ErrorResponse {
  const body: ErrorBody = {
    statusCode,
    code,
    message,
    ...(details !== undefined && details.length > 0 && { details }),
  };
  return { body, headers, isServerFault: false };
}

function internalError(): ErrorResponse {
  return { body: { statusCode: 500, code: 'INTERNAL_ERROR', message: INTERNAL_ERROR_MESSAGE }, headers: {}, isServerFault: true };
}

const bodyProblem = (problem: string): readonly ErrorDetail[] => [{ field: 'body', problems: [problem] }];

/** Errors Fastify raises before a handler runs: body parsing, media type, routing. */
function fromFastifyError(code: string, status: number, message: string): ErrorResponse | undefined {
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return respond(413, 'PAYLOAD_TOO_LARGE', `Request body is larger than the limit of ${REQUEST_BODY_LIMIT_BYTES} bytes (1 MiB)`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return respond(415, 'UNSUPPORTED_MEDIA_TYPE', 'Request body must be application/json');
    // secure-json-parse refuses "__proto__" and "constructor.prototype" keys with the same
    // error as a syntax error, so both read as "not valid JSON".
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return respond(400, 'VALIDATION_FAILED', 'Request body is not valid JSON', bodyProblem('body is not valid JSON'));
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return respond(400, 'VALIDATION_FAILED', 'Request body is not valid JSON', bodyProblem('body is not valid JSON: it is empty'));
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return respond(400, 'VALIDATION_FAILED', 'Request body size does not match Content-Length');
    default:
      return status >= 400 && status < 500 ? respond(status, codeForStatus(status), message) : undefined;
  }
}

interface CodedError {
  readonly code: string;
  readonly statusCode: number;
  readonly message: string;
}

function asCodedError(value: unknown): CodedError | undefined {
  const candidate = value as Partial<CodedError> | null | undefined;
  return value instanceof Error && typeof candidate?.code === 'string' && typeof candidate.statusCode === 'number'
    ? (candidate as CodedError)
    : undefined;
}

function messageOf(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') {
    return response;
  }
  const message = (response as { message?: unknown }).message;
  if (typeof message === 'string') {
    return message;
  }
  if (Array.isArray(message)) {
    return message.map(String).join('; ');
  }
  return exception.message;
}

function fromHttpException(exception: HttpException): ErrorResponse {
  if (exception instanceof ApiHttpException) {
    return respond(exception.getStatus(), exception.code, exception.message, exception.details, exception.headers);
  }
  // Nest wraps a 4xx FastifyError in an HttpException (the adapter's `mapException`).
  const cause = asCodedError(exception.cause);
  if (cause !== undefined) {
    const mapped = fromFastifyError(cause.code, cause.statusCode, cause.message);
    if (mapped !== undefined) {
      return mapped;
    }
  }
  const status = exception.getStatus();
  if (status >= 500) {
    return status === 503
      ? { ...respond(503, 'SERVICE_UNAVAILABLE', messageOf(exception)), isServerFault: true }
      : internalError();
  }
  return respond(status, codeForStatus(status), messageOf(exception));
}

/**
 * What to answer for anything thrown while handling a request. Pure, so that the mapping is
 * unit-tested without a server. Unknown errors become a 500 that says nothing about them.
 */
export function toErrorResponse(exception: unknown): ErrorResponse {
  if (exception instanceof DomainError) {
    return respond(DOMAIN_STATUS[exception.code] ?? 422, exception.code, exception.message, exception.details);
  }
  if (exception instanceof AuthRefusal) {
    return respond(AUTH_STATUS[exception.code], exception.code, exception.message, undefined, authHeaders(exception));
  }
  if (exception instanceof ApplicationError) {
    const status = APPLICATION_STATUS[exception.code] ?? 422;
    const headers: Record<string, string> =
      exception.code === 'PROJECTION_LAGGING' || exception.retryAfterSeconds !== undefined
        ? { 'Retry-After': String(Math.max(1, Math.ceil(exception.retryAfterSeconds ?? 1))) }
        : {};
    return respond(status, exception.code, exception.message, exception.details, headers);
  }
  if (exception instanceof HttpException) {
    return fromHttpException(exception);
  }
  // A FastifyError (or an http-errors one) that reached us without Nest's wrapping.
  const coded = asCodedError(exception);
  if (coded !== undefined) {
    return fromFastifyError(coded.code, coded.statusCode, coded.message) ?? internalError();
  }
  return internalError();
}

/**
 * For the few errors Fastify answers before Nest's handlers are in place (a malformed URL,
 * an over-long route parameter): the same body, sent straight on the Fastify reply.
 */
export function sendErrorReply(reply: FastifyReply, exception: unknown): void {
  const answer = toErrorResponse(exception);
  void reply.code(answer.body.statusCode).headers(answer.headers).send(answer.body);
}

/** For errors Node answers before Fastify sees a request (a malformed request, a timeout). */
export function clientErrorResponse(error: NodeJS.ErrnoException): string {
  const [statusCode, code, message] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'REQUEST_TIMEOUT', 'The request took too long to arrive']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'HEADERS_TOO_LARGE', 'Request headers are too large']
        : [400, 'VALIDATION_FAILED', 'Malformed HTTP request'];
  const body = JSON.stringify({ statusCode, code, message } satisfies ErrorBody);
  return (
    `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode]}\r\nConnection: close\r\n` +
    `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

function describe(exception: unknown): string {
  return exception instanceof Error ? `${exception.name}: ${exception.message}` : `non-error thrown: ${typeof exception}`;
}

/**
 * The one exception filter: every error response of the API has the body
 * `{statusCode, code, message, details?}`. Install it with `app.useGlobalFilters()` (see
 * `configureHttpApp`), which also covers Fastify's own errors and unknown routes, since Nest
 * routes Fastify's error and not-found handlers through the global filters.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') {
      throw exception;
    }
    const { httpAdapter } = this.adapterHost;
    const http = host.switchToHttp();
    const response = http.getResponse<object>();
    const answer = toErrorResponse(exception);

    // Method and path only: never the body or the headers (they carry keys, and bodies may
    // name protected sources).
    const request = http.getRequest<object>();
    const method = String(httpAdapter.getRequestMethod(request));
    const path = String(httpAdapter.getRequestUrl(request)).split('?')[0];
    if (answer.isServerFault) {
      const stack = exception instanceof Error ? exception.stack : undefined;
      this.logger.error(`${method} ${path} answered ${answer.body.statusCode}: ${describe(exception)}`, stack);
    } else {
      // The audit trail of refusals: who was refused what, and why, by code.
      this.logger.warn({
        msg: 'request refused',
        code: answer.body.code,
        statusCode: answer.body.statusCode,
        method,
        path,
        keyId: principalOf(request)?.keyId ?? null,
        requestId: (request as { id?: unknown }).id ?? null,
      });
    }
    if (httpAdapter.isHeadersSent(response)) {
      return;
    }
    for (const [name, value] of Object.entries(answer.headers)) {
      httpAdapter.setHeader(response, name, value);
    }
    httpAdapter.reply(response, answer.body, answer.body.statusCode);
  }
}
