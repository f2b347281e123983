import type { INestApplicationContext, Type } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import type { HeadersObject, OpenAPIObject, OperationObject, ReferenceObject, ResponseObject, SchemaObject } from '@nestjs/swagger';
import { ROLES, isAllowed, type Role } from '../auth/index.js';
import { PUBLIC_METADATA, ROLES_METADATA } from '../auth/roles.decorator.js';
import { API_ERRORS, ERROR_SCHEMAS, type ApiErrorCode, type ApiErrorEntry } from './api-errors.js';
import { type RouteRefusals, refusalsOf } from './api-refusals.decorator.js';

export const BEARER_SCHEME = 'bearer';

/** The metadata key under which `@Get()`, `@Post()`… mark a route handler (`METHOD_METADATA` of @nestjs/common, not exported at its entry point). */
const METHOD_METADATA = 'method';

/** What the document needs to know of a route that Nest's own scan does not put in it. */
export interface RouteFacts extends RouteRefusals {
  readonly public: boolean;
  /** The roles whose keys may call it (admin always may). */
  readonly roles: readonly Role[];
}

/**
 * The facts of every route of `app`, by the operation id Nest's document gives it
 * (`<Controller>_<method>`): whether it needs a key and which roles may call it, read off the
 * same metadata the API-key guard reads, and the refusals its decorators declare.
 */
export function routeFacts(app: INestApplicationContext): Map<string, RouteFacts> {
  const facts = new Map<string, RouteFacts>();
  for (const module of app.get(ModulesContainer, { strict: false }).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type | null | undefined;
      if (typeof controller !== 'function') continue;
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = Object.getOwnPropertyDescriptor(controller.prototype, name)?.value as object | undefined;
        if (name === 'constructor' || typeof handler !== 'function' || !Reflect.hasMetadata(METHOD_METADATA, handler)) continue;
        const isPublic = (Reflect.getMetadata(PUBLIC_METADATA, handler) ?? Reflect.getMetadata(PUBLIC_METADATA, controller)) === true;
        const granted = (Reflect.getMetadata(ROLES_METADATA, handler) ?? Reflect.getMetadata(ROLES_METADATA, controller)) as Role[] | undefined;
        facts.set(`${controller.name}_${name}`, {
          public: isPublic,
          roles: ROLES.filter((role) => isAllowed(role, granted)),
          ...refusalsOf(handler),
        });
      }
    }
  }
  return facts;
}

/**
 * Every code a route can answer: its own (its decorators), and those that follow from what it
 * is, added here once for all routes:
 * - every route: 400 VALIDATION_FAILED (a route without query parameters refuses any), 408
 *   REQUEST_TIMEOUT, 503 SHUTTING_DOWN;
 * - with a key: 401, 429, 503 STORAGE_UNAVAILABLE (each reads a store), and 403 unless every
 *   role may call it;
 * - with a body (every method but GET): 413, 415 and 507 STORAGE_FULL;
 * - a read-model query: PROJECTION_LAGGING and PROJECTION_REBUILDING; a heavy query: SERVER_BUSY.
 */
export function refusalCodes(method: string, facts: RouteFacts): ApiErrorCode[] {
  const codes: ApiErrorCode[] = ['VALIDATION_FAILED', 'REQUEST_TIMEOUT', 'SHUTTING_DOWN'];
  if (!facts.public) {
    codes.push('UNAUTHENTICATED', 'RATE_LIMITED', 'STORAGE_UNAVAILABLE');
    if (facts.roles.length < ROLES.length) codes.push('FORBIDDEN');
  }
  if (method !== 'get' && method !== 'head') codes.push('PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'STORAGE_FULL');
  if (facts.readModelQuery) codes.push('PROJECTION_LAGGING', 'PROJECTION_REBUILDING');
  if (facts.heavyQuery) codes.push('SERVER_BUSY');
  codes.push(...facts.codes);
  const order = Object.keys(API_ERRORS);
  return [...new Set(codes)].sort((a, b) => API_ERRORS[a].status - API_ERRORS[b].status || order.indexOf(a) - order.indexOf(b));
}

const schemaRef = (name: string): ReferenceObject => ({ $ref: `#/components/schemas/${name}` });

const RETRY_AFTER: HeadersObject = {
  'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 1 } },
};

function headersFor(status: number): HeadersObject | undefined {
  switch (status) {
    case 401:
      return { 'WWW-Authenticate': { description: 'Bearer', schema: { type: 'string' } } };
    case 429:
      return { 'Retry-After': { ...RETRY_AFTER['Retry-After'], required: true } };
    case 503:
      return { 'Retry-After': { ...RETRY_AFTER['Retry-After'], description: 'Seconds to wait before retrying; sent with every code but STORAGE_UNAVAILABLE' } };
    default:
      return undefined;
  }
}

/**
 * The answer of one status: the error body with `code` pinned to the codes the route can give
 * at that status, and `details` to what those codes carry. A body of another shape that the
 * route documents itself at that status stays, as an alternative.
 */
function errorResponse(status: number, codes: readonly ApiErrorCode[], documented: ResponseObject | ReferenceObject | undefined): ResponseObject {
  const details = [...new Set(codes.flatMap((code): string[] => {
    const entry: ApiErrorEntry = API_ERRORS[code];
    return entry.details === undefined ? [] : [entry.details];
  }))];
  const pinned: SchemaObject = {
    type: 'object',
    properties: {
      statusCode: { type: 'integer', enum: [status] },
      code: { type: 'string', enum: [...codes] },
      ...(details.length > 0 && {
        details: { type: 'array', items: details.length === 1 ? schemaRef(details[0]!) : { anyOf: details.map(schemaRef) } },
      }),
    },
  };
  const error: SchemaObject = { allOf: [schemaRef('ApiError'), pinned] };
  const own = documented !== undefined && 'content' in documented ? documented.content?.['application/json']?.schema : undefined;
  const headers = headersFor(status);
  return {
    description: codes.map((code) => `\`${code}\`: ${API_ERRORS[code].meaning}`).join('\n\n'),
    ...(headers !== undefined && { headers }),
    content: { 'application/json': { schema: own === undefined ? error : { oneOf: [own, error] } } },
  };
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/**
 * Completes the document Nest scanned: the error components, each operation's error answers by
 * status (each code a route can give, nothing else), its key requirement, and the roles that
 * may call it. Throws for an operation whose route it does not know.
 */
export function documentRefusals(document: OpenAPIObject, facts: ReadonlyMap<string, RouteFacts>): void {
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ...ERROR_SCHEMAS } };
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation: OperationObject | undefined = item[method];
      if (operation === undefined) continue;
      const route = operation.operationId === undefined ? undefined : facts.get(operation.operationId);
      if (route === undefined) throw new Error(`OpenAPI: no route is known for ${method.toUpperCase()} ${path} (${operation.operationId})`);
      const byStatus = new Map<number, ApiErrorCode[]>();
      for (const code of refusalCodes(method, route)) {
        const status = API_ERRORS[code].status;
        byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
      }
      for (const [status, codes] of byStatus) {
        operation.responses[String(status)] = errorResponse(status, codes, operation.responses[String(status)]);
      }
      operation.security = route.public ? [] : [{ [BEARER_SCHEME]: [] }];
      const who = route.public ? 'Open: no key needed.' : `**Roles:** ${route.roles.join(', ')}.`;
      operation.description = operation.description === undefined ? who : `${operation.description}\n\n${who}`;
    }
  }
}
