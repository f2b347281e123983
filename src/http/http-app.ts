import { RequestMethod } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, RequestPayload } from 'fastify';
import helmet from 'helmet';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ApiKeyStore, attachPrincipal, authenticateBearer } from '../auth/index.js';
import { HTTP_DEFAULTS, type AppConfig, type HttpTimeouts } from '../config/app-config.js';
import { AnswerDeadlines, sweepIntervalFor } from './answer-deadline.js';
import { ApiHttpException } from './api-http-exception.js';
import { HttpConnections, type DrainOutcome } from './http-drain.js';
import { clientErrorResponse, HttpExceptionFilter, REQUEST_BODY_LIMIT_BYTES, sendErrorReply } from './http-exception.filter.js';
import { strictJsonParser } from './json-body.parser.js';
import { isLingering, lingerBeforeClosing } from './lingering-close.js';
import { setupOpenApi } from './openapi.js';
import { QueryParametersGuard } from './query-parameters.guard.js';
import { createValidationPipe } from './validation.js';

export const API_PREFIX = 'v1';

/**
 * Security headers on every answer: helmet's defaults, but for the content security policy's
 * `upgrade-insecure-requests`, which makes a browser fetch the Swagger UI of /docs over https
 * when the page was opened over plain http (by IP, on a private network), and so shows a blank
 * page. Everything else of the policy stays: the UI loads its scripts from this origin only. The
 * middleware is built once: @fastify/helmet builds it again for every request (for per-route
 * options and CSP nonces, which this API does not use).
 */
const securityHeaders = helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } });

/**
 * The Fastify instance under Nest. A body over 1 MiB is refused as soon as that shows (from
 * Content-Length, or while a chunked body streams in), never buffered whole.
 *
 * Timeouts (docs/operations.md, "Timeouts"): Node's `headersTimeout` and `requestTimeout` bound
 * how long a request may take to arrive, checked every `connectionsCheckingInterval` (Node's 30 s
 * default would let a 30 s timeout fire after up to a minute); `AnswerDeadlines` bounds the rest
 * of the request timeout, until the answer begins. The idle timeout is the keep-alive timeout,
 * and the socket's inactivity timeout before a request arrives and while an answer is sent: it
 * closes a connection that never sends a request and one whose client stops reading its answer.
 */
export function createHttpAdapter(timeouts: HttpTimeouts = HTTP_DEFAULTS): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: REQUEST_BODY_LIMIT_BYTES,
    http: {
      headersTimeout: timeouts.headersTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      keepAliveTimeout: timeouts.idleTimeoutMs,
      connectionsCheckingInterval: sweepIntervalFor(timeouts.headersTimeoutMs),
    },
    requestTimeout: timeouts.requestTimeoutMs,
    keepAliveTimeout: timeouts.idleTimeoutMs,
    connectionTimeout: timeouts.idleTimeoutMs,
    pluginTimeout: 10_000,
    // A stop drains the connections itself (HttpConnections): Fastify's close comes after it.
    forceCloseConnections: false,
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
    // Node's own refusals: a malformed request, headers too large, a request that took too long
    // to arrive. Nothing is written where an answer has already gone out on the connection.
    clientErrorHandler: (error: NodeJS.ErrnoException, socket: Socket) => {
      if (error.code !== 'ECONNRESET' && !socket.destroyed && socket.writable && !isLingering(socket)) {
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

/** The request has a body that Node's parser has not read to its end yet. */
function bodyStillArriving(request: FastifyRequest): boolean {
  return hasBody(request) && !request.raw.complete;
}

/**
 * A request with a body must carry a known key, checked before the body is read: a caller
 * without one is refused before it sends a body that would be thrown away (with `Expect:
 * 100-continue`, before it sends anything). The guard takes the principal found here (it
 * authenticates the requests without a body itself) and checks the rate limit and the role.
 * The routes open without a key (`/health`, `/docs`) take no body.
 */
function requireKeyWithBody(keys: ApiKeyStore) {
  return (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    if (METHODS_WITHOUT_BODY.has(request.method) || request.is404 || !hasBody(request)) {
      done();
      return;
    }
    try {
      // The guard takes the principal from here rather than hash the key again.
      attachPrincipal(request, authenticateBearer(keys, request.headers.authorization));
    } catch (error) {
      done(error as Error);
      return;
    }
    done();
  };
}

const EXPECT_CONTINUE = /^\s*100-continue\s*$/i;

/**
 * With `Expect: 100-continue`, the client waits for "100 Continue" before it sends the body. Node
 * leaves that to the application here (see `checkContinue` below), and this hook sends it once
 * every refusal that needs no body has passed, and unless Content-Length is over the limit, which
 * Fastify then refuses with 413 without reading anything.
 */
function continueWhenBodyIsWanted(
  request: FastifyRequest,
  reply: FastifyReply,
  payload: RequestPayload,
  done: (error: Error | null, payload?: RequestPayload) => void,
): void {
  const expect = request.headers.expect;
  if (typeof expect === 'string' && EXPECT_CONTINUE.test(expect) && !reply.raw.headersSent) {
    const length = Number(request.headers['content-length']);
    if (!(length > REQUEST_BODY_LIMIT_BYTES)) {
      reply.raw.writeContinue();
    }
  }
  done(null, payload);
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

const connectionsOf = new WeakMap<FastifyInstance, HttpConnections>();
const drainHooksOf = new WeakMap<object, (() => Promise<void>)[]>();

/**
 * Runs `hook` when a drain of the app's HTTP server begins (`instance` is the Fastify instance):
 * for answers that never finish by themselves, such as event streams, which must end so that the
 * drain can see them sent whole.
 */
export function onHttpDrain(instance: object, hook: () => Promise<void>): void {
  const hooks = drainHooksOf.get(instance) ?? [];
  hooks.push(hook);
  drainHooksOf.set(instance, hooks);
}

/**
 * Drains the app's HTTP server for a stop, at most `drainMs`: it stops accepting connections;
 * requests that still arrive on connections kept alive are answered 503 SHUTTING_DOWN with
 * `Retry-After` and `Connection: close`, so that clients retry elsewhere; every answer in flight
 * is sent whole, and closes its connection. The outcome lists the answers the time limit cut.
 */
export function drainHttpServer(app: NestFastifyApplication, drainMs: number): Promise<DrainOutcome> {
  const connections = connectionsOf.get(app.getHttpAdapter().getInstance());
  if (connections === undefined) {
    throw new Error('drainHttpServer: the app was not configured by configureHttpApp');
  }
  const hooks = drainHooksOf.get(app.getHttpAdapter().getInstance()) ?? [];
  return connections.drain(drainMs, () => Promise.allSettled(hooks.map((hook) => hook())).then(() => undefined));
}

function refuseWhileStopping(connections: HttpConnections) {
  return (_request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    if (!connections.stopping) {
      done();
      return;
    }
    done(
      new ApiHttpException(503, 'SHUTTING_DOWN', 'The server is stopping; retry in a moment or on another node', {
        headers: { 'Retry-After': '1', Connection: 'close' },
      }),
    );
  };
}

/**
 * As an answer begins: it leaves the request timeout for the idle timeout; while stopping, it
 * closes its connection; and an answer sent before the request body has arrived (a refusal)
 * closes the connection by lingering, so that the client, still sending, reads it rather than a
 * reset.
 */
function onAnswerBegins(connections: HttpConnections, deadlines: AnswerDeadlines, idleTimeoutMs: number) {
  return (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: Error | null, payload?: unknown) => void): void => {
    deadlines.release(request);
    // A client that stops reading the answer leaves the connection idle: it is closed.
    request.raw.socket.setTimeout(idleTimeoutMs);
    const refusedEarly = bodyStillArriving(request);
    if (refusedEarly || connections.stopping) {
      void reply.header('connection', 'close');
    }
    if (refusedEarly) {
      lingerBeforeClosing(request.raw);
    }
    done(null, payload);
  };
}

function answerTimedOut(timeoutMs: number) {
  return (_request: FastifyRequest, reply: FastifyReply): void => {
    sendErrorReply(
      reply,
      new ApiHttpException(408, 'REQUEST_TIMEOUT', `The request was not answered within the request timeout (${timeoutMs} ms)`, {
        headers: { Connection: 'close' },
      }),
    );
  };
}

export interface HttpAppOptions {
  /** Close the app on SIGTERM/SIGINT (default true). Tests that start many apps turn it off. */
  readonly shutdownHooks?: boolean;
}

function apiKeysOf(app: NestFastifyApplication): ApiKeyStore | undefined {
  try {
    return app.get(ApiKeyStore, { strict: false });
  } catch {
    return undefined;
  }
}

/**
 * Everything an app needs before `listen()` (or `init()` in tests): the `v1` prefix (not
 * for `/health`), the validation pipe, the refusal of query parameters a route does not take,
 * the one exception filter, the refusals that need no body (stopping, media type, key), the
 * strict UTF-8 JSON parser, the request timeout, the OpenAPI document (`/docs`, `/docs-json`)
 * and shutdown hooks. The adapter must come from `createHttpAdapter`, with the same timeouts.
 */
export function configureHttpApp(app: NestFastifyApplication, config: AppConfig, options: HttpAppOptions = {}): void {
  app.setGlobalPrefix(API_PREFIX, { exclude: [{ path: 'health', method: RequestMethod.ALL }] });
  app.useGlobalPipes(createValidationPipe());
  // After the key guard, which Nest registered from its module when the app was created.
  app.useGlobalGuards(new QueryParametersGuard());
  app.useGlobalFilters(new HttpExceptionFilter(app.get(HttpAdapterHost)));
  const fastify = app.getHttpAdapter().getInstance();
  app.useBodyParser('application/json', { bodyLimit: REQUEST_BODY_LIMIT_BYTES }, strictJsonParser(fastify));
  const server = app.getHttpServer() as Server;
  if (
    server.requestTimeout !== config.http.requestTimeoutMs ||
    server.headersTimeout !== config.http.headersTimeoutMs ||
    server.keepAliveTimeout !== config.http.idleTimeoutMs
  ) {
    throw new Error('configureHttpApp: the adapter has other timeouts than the config; create it with createHttpAdapter(config.http)');
  }
  const connections = new HttpConnections(server);
  connectionsOf.set(fastify, connections);
  const deadlines = AnswerDeadlines.install(fastify, config.http.requestTimeoutMs, answerTimedOut(config.http.requestTimeoutMs));
  fastify.addHook('onClose', (_instance, done) => {
    deadlines.stop();
    done();
  });
  // "100 Continue" is sent by continueWhenBodyIsWanted, after the refusals that need no body.
  server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => server.emit('request', request, response));

  // First, so that the refusals of the hooks below carry the security headers too.
  fastify.addHook('onRequest', (request, reply, done) => securityHeaders(request.raw, reply.raw, (error) => done(error as Error | undefined)));
  fastify.addHook('onRequest', shareRequestId);
  fastify.addHook('onRequest', (request, reply, done) => {
    deadlines.track(request, reply);
    // While the request is handled, the request timeout bounds it, not the idle timeout.
    request.raw.socket.setTimeout(0);
    done();
  });
  fastify.addHook('onRequest', refuseWhileStopping(connections));
  fastify.addHook('onRequest', requireJsonBody);
  const keys = apiKeysOf(app);
  if (keys !== undefined) {
    fastify.addHook('onRequest', requireKeyWithBody(keys));
  }
  fastify.addHook('preParsing', continueWhenBodyIsWanted);
  fastify.addHook('onSend', onAnswerBegins(connections, deadlines, config.http.idleTimeoutMs));
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
