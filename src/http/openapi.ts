import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { AppConfig } from '../config/app-config.js';
import { GEOJSON_SCHEMAS } from './geojson.schema.js';
import { BEARER_SCHEME, documentRefusals, routeFacts } from './openapi-refusals.js';

export const DOCS_PATH = 'docs';
export const DOCS_JSON_PATH = 'docs-json';

const OPENAPI_TITLE = 'Incident timeline API';

/** The swagger-ui files the page needs, and their types. Nothing else is served from there. */
const UI_ASSETS: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const UI_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${OPENAPI_TITLE}</title>
<link rel="stylesheet" href="/${DOCS_PATH}/swagger-ui.css">
<link rel="icon" type="image/png" href="/${DOCS_PATH}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/${DOCS_PATH}/swagger-ui-bundle.js"></script>
<script src="/${DOCS_PATH}/swagger-ui-init.js"></script>
</body>
</html>
`;

const UI_INIT_JS = `window.ui = SwaggerUIBundle({ url: '/${DOCS_JSON_PATH}', dom_id: '#swagger-ui', deepLinking: true });\n`;

/**
 * The OpenAPI 3.0 document of the API: Nest's scan of the controllers, completed by
 * `documentRefusals` with the error answers of every route, its key and its roles.
 */
export function buildOpenApiDocument(app: NestFastifyApplication, config: AppConfig): OpenAPIObject {
  const rateLimit =
    config.rateLimitPerSecond > 0
      ? `Each API key may make ${config.rateLimitPerSecond} requests per second (requests without a valid key: as many per client address); beyond that, 429 RATE_LIMITED with Retry-After.`
      : 'Requests are not rate-limited.';
  const options = new DocumentBuilder()
    .setTitle(OPENAPI_TITLE)
    .setDescription(
      'Who controls what, when: an immutable timeline of incidents per neighbourhood. ' +
        'Send `Authorization: Bearer <key>` with an API key of this server. ' +
        'Every answer of status 400 and above has the body `ApiError`: `{statusCode, code, message, details?}`; each response ' +
        'lists the codes that route can give at that status. Refusals made before a request is routed (431 HEADERS_TOO_LARGE, ' +
        '400 for a malformed HTTP request, 408 for one that does not arrive in time) have the same body. ' +
        rateLimit,
    )
    .setVersion('1')
    // An API key, not a JWT: Nest's addBearerAuth() would say `bearerFormat: JWT`.
    .addSecurity(BEARER_SCHEME, {
      type: 'http',
      scheme: 'bearer',
      description:
        'An API key of this server (16 or more characters of A-Za-z0-9_-, not a JWT), sent as `Authorization: Bearer <key>`. ' +
        'Each key has one role: writer, analyst, editor or admin.',
    })
    .addSecurityRequirements(BEARER_SCHEME)
    .build();
  const document = SwaggerModule.createDocument(app, options, { extraModels: [...GEOJSON_SCHEMAS] });
  documentRefusals(document, routeFacts(app));
  typeNullableCompositions(document);
  return document;
}

/**
 * OpenAPI 3.0 lets a value be null only where `nullable: true` stands beside a `type`; Nest drops
 * the `type` of a property declared with `oneOf` (a geometry, an area), so those are typed
 * `object` again here: every alternative of theirs is an object.
 */
function typeNullableCompositions(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(typeNullableCompositions);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const schema = node as Record<string, unknown>;
  if (schema.nullable === true && schema.type === undefined && (schema.oneOf ?? schema.anyOf ?? schema.allOf) !== undefined) schema.type = 'object';
  Object.values(schema).forEach(typeNullableCompositions);
}

/** swagger-ui-dist as @nestjs/swagger depends on it (it is not a dependency of ours). */
function swaggerUiDirectory(): string {
  const swaggerEntry = createRequire(import.meta.url).resolve('@nestjs/swagger');
  return path.dirname(createRequire(swaggerEntry).resolve('swagger-ui-dist/package.json'));
}

/**
 * The document at `/docs-json` and the UI at `/docs`, both without a key. The document is
 * built on the first request for it, when every module's routes are known.
 *
 * The UI is served here rather than by `SwaggerModule.setup()`: on Fastify, that registers
 * `@fastify/static`, whose `import()` fails under Jest on Node 20 (it `require()`s an ESM-only
 * package) and `loadPackage` then calls `process.exit(1)`, killing the test worker.
 */
export function setupOpenApi(app: NestFastifyApplication, config: AppConfig): void {
  SwaggerModule.setup(DOCS_PATH, app, () => buildOpenApiDocument(app, config), {
    ui: false,
    raw: ['json'],
    jsonDocumentUrl: DOCS_JSON_PATH,
  });

  const adapter = app.getHttpAdapter();
  const logger = new Logger('OpenApi');
  let assetDirectory: string | null | undefined;
  const assets = (): string | null => {
    if (assetDirectory === undefined) {
      try {
        assetDirectory = swaggerUiDirectory();
      } catch (error) {
        logger.warn(`The API docs UI is unavailable: swagger-ui-dist not found (${(error as Error).message})`);
        assetDirectory = null;
      }
    }
    return assetDirectory;
  };

  adapter.get(`/${DOCS_PATH}`, (_request: FastifyRequest, reply: FastifyReply) =>
    reply.type('text/html; charset=utf-8').send(UI_HTML),
  );
  adapter.get(`/${DOCS_PATH}/swagger-ui-init.js`, (_request: FastifyRequest, reply: FastifyReply) =>
    reply.type('application/javascript; charset=utf-8').send(UI_INIT_JS),
  );
  for (const [file, type] of Object.entries(UI_ASSETS)) {
    adapter.get(`/${DOCS_PATH}/${file}`, async (_request: FastifyRequest, reply: FastifyReply) => {
      const directory = assets();
      if (directory === null) {
        return reply.callNotFound();
      }
      const content = await readFile(path.join(directory, file));
      return reply.type(type).header('Cache-Control', 'public, max-age=3600').send(content);
    });
  }
}
