import type { ApiErrorCode } from './api-errors.js';

/**
 * What a route can refuse beyond what every route of its kind refuses, for the OpenAPI document
 * (`openapi-refusals.ts` adds the codes that follow from a route's key, method and markers).
 * Metadata of the handler only: nothing here changes what a route answers.
 */
export const REFUSALS_METADATA = 'incident-timeline:openapi-refusals';
export const READ_MODEL_QUERY_METADATA = 'incident-timeline:openapi-read-model-query';
export const HEAVY_QUERY_METADATA = 'incident-timeline:openapi-heavy-query';

/** The codes a route answers by construction; listing one of them on a route says nothing new. */
export type RouteErrorCode = Exclude<
  ApiErrorCode,
  | 'VALIDATION_FAILED'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'RATE_LIMITED'
  | 'REQUEST_TIMEOUT'
  | 'SHUTTING_DOWN'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'STORAGE_UNAVAILABLE'
  | 'STORAGE_FULL'
  | 'PROJECTION_LAGGING'
  | 'PROJECTION_REBUILDING'
  | 'SERVER_BUSY'
>;

function handlerMetadata(key: string, value: (previous: unknown) => unknown): MethodDecorator {
  return (_target, _property, descriptor) => {
    const handler = descriptor.value as object;
    Reflect.defineMetadata(key, value(Reflect.getMetadata(key, handler)), handler);
    return descriptor;
  };
}

/** The codes this route's own logic can answer (its domain rules, lookups, headers); several uses add up. */
export function ApiRefusals(...codes: RouteErrorCode[]): MethodDecorator {
  return handlerMetadata(REFUSALS_METADATA, (previous) => [...new Set([...((previous as RouteErrorCode[] | undefined) ?? []), ...codes])]);
}

/** A query answered from a read model: PROJECTION_LAGGING (with `minPosition`) and PROJECTION_REBUILDING. */
export function ApiReadModelQuery(): MethodDecorator {
  return handlerMetadata(READ_MODEL_QUERY_METADATA, () => true);
}

/** A heavy query, under the cap of TIMELINE_MAX_HEAVY_QUERIES: SERVER_BUSY. */
export function ApiHeavyQuery(): MethodDecorator {
  return handlerMetadata(HEAVY_QUERY_METADATA, () => true);
}

export interface RouteRefusals {
  readonly codes: readonly RouteErrorCode[];
  readonly readModelQuery: boolean;
  readonly heavyQuery: boolean;
}

export function refusalsOf(handler: object): RouteRefusals {
  return {
    codes: (Reflect.getMetadata(REFUSALS_METADATA, handler) as RouteErrorCode[] | undefined) ?? [],
    readModelQuery: Reflect.getMetadata(READ_MODEL_QUERY_METADATA, handler) === true,
    heavyQuery: Reflect.getMetadata(HEAVY_QUERY_METADATA, handler) === true,
  };
}
