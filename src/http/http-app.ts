import { RequestMethod } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import helmet from 'helmet';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { AppConfig } from '../config/app-config.js';
import { ApiHttpException } from './api-http-exception.js';
import { clientErrorResponse, HttpExceptionFilter, REQUEST_BODY_LIMIT_BYTES, sendErrorReply } from './http-exception.filter.js';
import { strictJsonParser } from './json-body.parser.js';
import { setupOpenApi } from './openapi.js';
import { QueryParametersInterceptor } from './query-parameters.interceptor.js';
import { createValidationPipe } from './validation.js';

export const API_PREFIX = 'v1';

/**
 * Security headers on every answer: helmet's defaults. The default content security policy
 * suits /docs too: the Swagger UI there loads its scripts from this origin only. The middleware
 * is built once: @fastify/helmet builds it again for every request (for per-route options and
 * CSP nonces, which this API does not use), which was a tenth of what a query allocated.
 */
const securityHeaders = helmet();

/**
 * The Fastify instance under Nest. A body over 1 MiB is refused as soon as that shows (from
 * Content-Length, or while a chunked body streams in), never buffered whole. Fastify's defaults have no limit on how long a client may take to send a request; a
 * slow sender would hold a connection forever, so `requestTimeout` bounds it.
 */
export function createHttpAdapter(): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: REQUEST_BODY_LIMIT_BYTES,
    requestTimeout: 30_000,
    keepAliveTimeout: 72_000,
    pluginTimeout: 10_000,
    // Open keep-alive connections must not hold up a shutdown.
    forceCloseConnections: 'idle',
    // While stopping, refuseWhileStopping answers 503 in the API's own error shape instead.
    return503OnClosing: false,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    logger: false,
    // One id per request, in the logs, in event metadata and in the X-Request-Id answer
    // header. A caller's own id is kept when it is short and plain, so it can be traced.
    requestIdHeader: false,
    genReqId: requestIdOf,
    // Fastify answers a malformed URL or an over-long route parameter from the router, with
    // its default error handler rather than Nest's: without this, those answers would have
    // Fastify's body shape. (It replaces the adapter's own handler, which only adds the
    // headers of `app.useSecurityHeaders()`, not used here.) No onRequest hook has run for
    // these, so the security headers are added here.
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) =>
      securityHeaders(request.raw, reply.raw, () => sendErrorReply(reply, error)),
    clientErrorHandler: (error: NodeJS.ErrnoException, socket: Socket) => {
      if (error.code !== 'ECONNRESET' && !socket.destroyed && socket.writable) {
        socket.write(clientErrorResponse(error));
      }
      socket.destroy(error);
    },
  });
}

/** `application/json`, optionally with a UTF-8 charset: JSON is UTF-8 (RFC 8259). */
const JSON_MEDIA_TYPE = /^application\/json\s*(?:;\s*charset\s*=\s*"?utf-?8"?\s*)?$/i;

/** Fastify reads no body for these methods; whatever a client sends with them is ignored. */
const METHODS_WITHOUT_BODY = new Set(['GET', 'HEAD']);

function hasBody(request: FastifyRequest): boolean {
  const { headers } = request;
  if (headers['transfer-encoding'] !== undefined) {
    return true;
  }
  const length = headers['content-length'];
  return length !== undefined && length.trim() !== '0';
}

/**
 * Refuses a body that is not JSON before Fastify reads or parses it. Without this, Fastify's
 * built-in `text/plain` parser and Nest's form parser would hand a string or a form to the
 * handler. A request without a body (e.g. `POST …/rebuild`) needs no content type. Unknown
 * routes are left to the not-found handler, so that they answer 404 whatever they carry.
 */
function requireJsonBody(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  if (METHODS_WITHOUT_BODY.has(request.method) || request.is404 || !hasBody(request)) {
    done();
    return;
  }
  const contentType = request.headers['content-type'];
  if (typeof contentType === 'string' && JSON_MEDIA_TYPE.test(contentType.trim())) {
    done();
    return;
  }
  done(
    new ApiHttpException(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      contentType === undefined
        ? 'Request body needs Content-Type: application/json'
        : 'Request body must be application/json (UTF-8)',
    ),
  );
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** Hands Fastify's request id to the raw request, where pino-http looks for it. */
function shareRequestId(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  (request.raw as IncomingMessage & { id?: string }).id = request.id;
  void reply.header('x-request-id', request.id);
  done();
}

const stopping = new WeakSet<object>();

/**
 * From now on, requests that still arrive (on keep-alive connections the server has not
 * closed yet) are answered 503 SHUTTING_DOWN with `Connection: close`, so that clients retry
 * elsewhere; requests already in progress finish normally.
 */
export function refuseNewRequests(app: NestFastifyApplication): void {
  stopping.add(app.getHttpAdapter().getInstance());
}

function refuseWhileStopping(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  if (!stopping.has(request.server)) {
    done();
    return;
  }
  done(
    new ApiHttpException(503, 'SHUTTING_DOWN', 'The server is stopping; retry in a moment or on another node', {
      headers: { 'Retry-After': '1', Connection: 'close' },
    }),
  );
}

export interface HttpAppOptions {
  /** Close the app on SIGTERM/SIGINT (default true). Tests that start many apps turn it off. */
  readonly shutdownHooks?: boolean;
}

/**
 * Everything an app needs before `listen()` (or `init()` in tests): the `v1` prefix (not
 * for `/health`), the validation pipe, the refusal of query parameters a route does not
 * take, the one exception filter, the JSON-only body rule and its strict UTF-8 parser,
 * the OpenAPI document (`/docs`, `/docs-json`) and shutdown hooks.
 */
export function configureHttpApp(app: NestFastifyApplication, config: AppConfig, options: HttpAppOptions = {}): void {
  app.setGlobalPrefix(API_PREFIX, { exclude: [{ path: 'health', method: RequestMethod.ALL }] });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalInterceptors(new QueryParametersInterceptor());
  app.useGlobalFilters(new HttpExceptionFilter(app.get(HttpAdapterHost)));
  const fastify = app.getHttpAdapter().getInstance();
  app.useBodyParser('application/json', { bodyLimit: REQUEST_BODY_LIMIT_BYTES }, strictJsonParser(fastify));
  // First, so that the refusals of the hooks below carry the security headers too.
  fastify.addHook('onRequest', (request, reply, done) => securityHeaders(request.raw, reply.raw, (error) => done(error as Error | undefined)));
  fastify.addHook('onRequest', shareRequestId);
  fastify.addHook('onRequest', refuseWhileStopping);
  fastify.addHook('onRequest', requireJsonBody);
  // Browsers may call the API only from origins the operator lists; CORS is off otherwise.
  if (config.corsOrigins.length > 0) {
    app.enableCors({
      origin: [...config.corsOrigins],
      methods: ['GET', 'POST'],
      allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'If-Match', 'X-Request-Id'],
      exposedHeaders: ['ETag', 'Retry-After', 'X-Request-Id', 'Idempotent-Replayed'],
      maxAge: 600,
    });
  }
  setupOpenApi(app, config);
  if (options.shutdownHooks ?? true) {
    app.enableShutdownHooks();
  }
}
