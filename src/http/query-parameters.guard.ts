import { Injectable, Query, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ApiHttpException } from './api-http-exception.js';
import { MAX_VALIDATION_DETAILS, quoteName } from './validation.js';

/** Where Nest records the parameters of a route, and the prefix of its query parameters, read off Nest's own `@Query()`. */
interface RouteArguments {
  readonly metadataKey: unknown;
  readonly queryPrefix: string;
}

/**
 * Nest keeps the parameters a route handler takes as metadata of its controller; its format is
 * Nest's own. It is read here off a probe decorated with Nest's public `@Query()`, so that a
 * Nest that records parameters otherwise stops the start instead of letting query strings
 * through unchecked (and `query-parameters.guard.spec.ts` fails).
 */
export function readRouteArguments(): RouteArguments {
  class Probe {
    route(_query: unknown): void {}
  }
  Query()(Probe.prototype, 'route', 0);
  const keys = Reflect.getOwnMetadataKeys(Probe, 'route');
  const entries = keys.length === 1 ? Object.keys((Reflect.getOwnMetadata(keys[0], Probe, 'route') as object | undefined) ?? {}) : [];
  const match = entries.length === 1 ? /^(.+):0$/.exec(entries[0]!) : null;
  if (match === null) throw new Error('Nest records route parameters in a way this server does not know: unknown query parameters cannot be refused');
  return { metadataKey: keys[0], queryPrefix: `${match[1]}:` };
}

/**
 * Refuses query parameters on routes that take none. A route that takes a query DTO has the
 * validation pipe refuse the parameters the DTO does not declare; a route without one would
 * otherwise ignore whatever a client sends (`?asOf=` on a route that has no such notion, a
 * misspelt parameter meant for another route). A global guard registered after the key guard,
 * so 401 and 403 come first; a guard rather than an interceptor, because any interceptor puts
 * every request of the server through Nest's Observable path.
 */
@Injectable()
export class QueryParametersGuard implements CanActivate {
  private readonly routeArguments = readRouteArguments();
  private readonly takesQuery = new WeakMap<Function, boolean>();

  canActivate(context: ExecutionContext): true {
    if (context.getType() === 'http') {
      const query = context.switchToHttp().getRequest<{ query?: unknown }>().query;
      const names = typeof query === 'object' && query !== null ? Object.keys(query) : [];
      if (names.length > 0 && !this.routeTakesQuery(context)) throw unknownParameters(names);
    }
    return true;
  }

  private routeTakesQuery(context: ExecutionContext): boolean {
    const handler = context.getHandler();
    let takes = this.takesQuery.get(handler);
    if (takes === undefined) {
      const { metadataKey, queryPrefix } = this.routeArguments;
      const parameters = (Reflect.getMetadata(metadataKey, context.getClass(), handler.name) as object | undefined) ?? {};
      takes = Object.keys(parameters).some((key) => key.startsWith(queryPrefix));
      this.takesQuery.set(handler, takes);
    }
    return takes;
  }
}

function unknownParameters(names: readonly string[]): ApiHttpException {
  const fields = names.slice(0, MAX_VALIDATION_DETAILS).map(quoteName);
  return new ApiHttpException(400, 'VALIDATION_FAILED', `This route takes no query parameters: ${fields.slice(0, 5).join(', ')}${fields.length > 5 ? ', …' : ''}`, {
    details: fields.map((field) => ({ field, problems: ['is not a known field'] })),
  });
}
