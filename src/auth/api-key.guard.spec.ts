import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiHttpException } from '../http/api-http-exception.js';
import { ApiKeyGuard, isAllowed } from './api-key.guard.js';
import { ApiKeyStore, credentialFor } from './api-keys.js';
import { principalOf } from './principal.js';
import { TokenBucketRateLimiter } from './rate-limiter.js';
import { Public, Roles } from './roles.decorator.js';

const KEYS = { writer: 'writer-key-0123456789', analyst: 'analyst-key-0123456789', admin: 'admin-key-0123456789' };

class Routes {
  @Roles('writer') write() {}
  @Roles('analyst') read() {}
  @Roles('writer', 'analyst') either() {}
  @Public() open() {}
  unmarked() {}
}

@Roles('analyst')
class AnalystController {
  list() {}
  @Roles('writer') override() {}
}

function contextFor(handler: keyof Routes | keyof AnalystController, headers: Record<string, string> = {}) {
  const request = { headers };
  const cls = handler in Routes.prototype ? Routes : AnalystController;
  const context = {
    getHandler: () => (cls.prototype as unknown as Record<string, () => void>)[handler],
    getClass: () => cls,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
  return { context, request };
}

function refusal(guard: ApiKeyGuard, context: ExecutionContext): ApiHttpException {
  try {
    guard.canActivate(context);
  } catch (error) {
    expect(error).toBeInstanceOf(ApiHttpException);
    return error as ApiHttpException;
  }
  throw new Error('expected a refusal');
}

describe('ApiKeyGuard', () => {
  const store = new ApiKeyStore([
    credentialFor('writer', KEYS.writer),
    credentialFor('analyst', KEYS.analyst),
    credentialFor('admin', KEYS.admin),
  ]);
  const guard = new ApiKeyGuard(new Reflector(), store, new TokenBucketRateLimiter(0));
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

  it('lets a public route through without a key', () => {
    expect(guard.canActivate(contextFor('open').context)).toBe(true);
  });

  it.each([
    ['no header', {}],
    ['an unknown key', bearer('unknown-key-0123456789')],
    ['another scheme', { authorization: `Token ${KEYS.writer}` }],
    ['a bare key', { authorization: KEYS.writer }],
  ])('answers 401 with WWW-Authenticate for %s', (_case, headers) => {
    const error = refusal(guard, contextFor('write', headers).context);
    expect(error.getStatus()).toBe(401);
    expect(error.code).toBe('UNAUTHENTICATED');
    expect(error.headers).toEqual({ 'WWW-Authenticate': 'Bearer' });
  });

  it('accepts the scheme in any case', () => {
    expect(guard.canActivate(contextFor('write', { authorization: `bearer ${KEYS.writer}` }).context)).toBe(true);
  });

  it('answers 403 for a known key without the role', () => {
    const error = refusal(guard, contextFor('read', bearer(KEYS.writer)).context);
    expect(error.getStatus()).toBe(403);
    expect(error.code).toBe('FORBIDDEN');
  });

  it('attaches the principal', () => {
    const { context, request } = contextFor('either', bearer(KEYS.analyst));
    expect(guard.canActivate(context)).toBe(true);
    expect(principalOf(request)).toEqual({ keyId: expect.stringMatching(/^analyst-[0-9a-f]{8}$/), role: 'analyst' });
  });

  it('lets admin through everywhere, and only admin through unmarked routes', () => {
    for (const handler of ['write', 'read', 'either', 'unmarked'] as const) {
      expect(guard.canActivate(contextFor(handler, bearer(KEYS.admin)).context)).toBe(true);
    }
    expect(refusal(guard, contextFor('unmarked', bearer(KEYS.writer)).context).code).toBe('FORBIDDEN');
    expect(refusal(guard, contextFor('unmarked', bearer(KEYS.analyst)).context).code).toBe('FORBIDDEN');
  });

  it('reads roles from the controller, with the handler taking precedence', () => {
    expect(guard.canActivate(contextFor('list', bearer(KEYS.analyst)).context)).toBe(true);
    expect(guard.canActivate(contextFor('override', bearer(KEYS.writer)).context)).toBe(true);
    expect(refusal(guard, contextFor('override', bearer(KEYS.analyst)).context).code).toBe('FORBIDDEN');
  });

  it('answers 429 with Retry-After once the key is over its rate', () => {
    let now = 0;
    const limited = new ApiKeyGuard(new Reflector(), store, new TokenBucketRateLimiter(1, () => now));
    expect(limited.canActivate(contextFor('write', bearer(KEYS.writer)).context)).toBe(true);
    const error = refusal(limited, contextFor('write', bearer(KEYS.writer)).context);
    expect(error.getStatus()).toBe(429);
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.headers).toEqual({ 'Retry-After': '1' });
    now += 1000;
    expect(limited.canActivate(contextFor('write', bearer(KEYS.writer)).context)).toBe(true);
  });

  it('isAllowed: admin always, others by the list, nobody else without one', () => {
    expect(isAllowed('admin', undefined)).toBe(true);
    expect(isAllowed('writer', undefined)).toBe(false);
    expect(isAllowed('writer', ['writer'])).toBe(true);
    expect(isAllowed('analyst', ['writer'])).toBe(false);
  });
});
