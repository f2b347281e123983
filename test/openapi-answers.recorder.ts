import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { appendFileSync, existsSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig } from '../src/config/app-config.js';
import { CONSOLE_PATH } from '../src/console/console.module.js';
import { buildOpenApiDocument, DOCS_JSON_PATH, DOCS_PATH } from '../src/http/openapi.js';
import { ANSWERS_DIR_VARIABLE, DOCUMENT_FILE, type RecordedAnswer, answersFile, openApiPath } from './openapi-answers.teardown.js';

const codes = new WeakMap<FastifyRequest, string>();
/** The answers this worker has written already: each is written once. */
const written = new Set<string>();

function codeOf(payload: unknown): string | undefined {
  const text = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : undefined;
  if (text === undefined || !text.startsWith('{')) return undefined;
  try {
    const code = (JSON.parse(text) as { code?: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

/** The document and its UI: served beside the API, not part of it. */
/** The API document's own pages and the console's static files are not API routes. */
const isDocumentationRoute = (route: string): boolean =>
  route === `/${DOCS_JSON_PATH}` || route === `/${DOCS_PATH}` || route.startsWith(`/${DOCS_PATH}/`) || route === CONSOLE_PATH || route.startsWith(`${CONSOLE_PATH}/`);

/**
 * Records every answer `app` gives on one of its routes (an unknown path has none) into the run
 * directory of the global setup, for the global teardown to check against the OpenAPI document,
 * and writes the app's document there once per run. Does nothing outside such a run. Call it
 * before the app listens.
 */
export function recordAnswers(app: NestFastifyApplication, config: AppConfig): void {
  const dir = process.env[ANSWERS_DIR_VARIABLE];
  if (dir === undefined || dir === '') return;
  const fastify = app.getHttpAdapter().getInstance();
  const file = join(dir, answersFile(process.pid));
  fastify.addHook('onSend', (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: null, payload: unknown) => void) => {
    if (reply.statusCode >= 400) {
      const code = codeOf(payload);
      if (code !== undefined) codes.set(request, code);
    }
    done(null, payload);
  });
  fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const route = request.routeOptions.url;
    if (route !== undefined && route !== '' && !isDocumentationRoute(route)) {
      // Fastify answers HEAD on every GET route; the document lists the GET.
      const method = request.method === 'HEAD' ? 'GET' : request.method;
      const answer: RecordedAnswer = { method, route: openApiPath(route), status: reply.statusCode, code: codes.get(request) ?? null };
      const line = JSON.stringify(answer);
      if (!written.has(line)) {
        written.add(line);
        appendFileSync(file, `${line}\n`);
      }
    }
    done();
  });
  fastify.addHook('onReady', (done: (error?: Error) => void) => {
    const document = join(dir, DOCUMENT_FILE);
    if (!existsSync(document)) {
      // Written whole under another name, then renamed: workers start apps at the same time.
      const partial = `${document}.${process.pid}`;
      writeFileSync(partial, JSON.stringify(buildOpenApiDocument(app, config)));
      renameSync(partial, document);
    }
    done();
  });
}
