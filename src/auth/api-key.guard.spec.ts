import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { jest } from '@jest/globals';
import { ApiKeyGuard, authenticateBearer } from './api-key.guard.js';
import { ApiKeyStore, credentialFor } from './api-keys.js';
import { AuthRefusal } from './auth-refusal.js';
import { attachPrincipal, principalOf } from './principal.js';
import { TokenBucketRateLimiter } from './rate-limiter.js';
import { isAllowed } from './role.js';
import { Public, Roles } from './roles.decorator.js';

const KEYS = {
  writer: 'writer-key-0123456789',
  analyst: 'analyst-key-0123456789',
  editor: 'editor-key-0123456789',
  admin: 'admin-key-0123456789',
};

class Routes {
  @Roles('writer') write() {}
  @Roles('analyst') read() {}
  @Roles('editor') assess() {}
  @Roles('writer', 'analyst') either() {}
  @Public() open() {}
  unmarked() {}
}

@Roles('analyst')
class AnalystController {
  list() {}
  @Roles('writer') override() {}
}

function contextFor(handler: keyof Routes | keyof AnalystController, headers: Record<string, string> = {}, ip = '192.0.2.1') {
  const request = { headers, ip };
  const cls = handler in Routes.prototype ? Routes : AnalystController;
  const context = {
    getHandler: () => (cls.prototype as unknown as Record<string, () => void>)[handler],
    getClass: () => cls,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
  return { context, request };
}

function refusal(guard: ApiKeyGuard, context: ExecutionContext): AuthRefusal {
  try {
    guard.canActivate(context);
  } catch (error) {
    expect(error).toBeInstanceOf(AuthRefusal);
    return error as AuthRefusal;
  }
  throw new Error('expected a refusal');
}

describe('ApiKeyGuard', () => {
  const store = new ApiKeyStore([
    credentialFor('writer', KEYS.writer),
    credentialFor('analyst', KEYS.analyst),
    credentialFor('editor', KEYS.editor),
    credentialFor('admin', KEYS.admin),
  ]);
  const guard = new ApiKeyGuard(new Reflector(), store, new TokenBucketRateLimiter(0));
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

  it('lets a public route through without a key', () => {
    expect(guard.canActivate(contextFor('open').context)).toBe(true);
  });

  it.each([
    ['no header', {}, /^Missing API key: send "Authorization: Bearer <key>"$/],
    ['an empty header', { authorization: '' }, /^Missing API key/],
    ['an unknown key', bearer('unknown-key-0123456789'), /^Unknown API key$/],
    ['another scheme', { authorization: `Token ${KEYS.writer}` }, /^The Authorization header must use the Bearer scheme: send "Authorization: Bearer <key>"$/],
    ['a bare key', { authorization: KEYS.writer }, /^The Authorization header must use the Bearer scheme: send "Authorization: Bearer <key>"$/],
    ['"Bearer" alone', { authorization: 'Bearer' }, /holds no key after "Bearer"/],
    ['two words after "Bearer"', { authorization: `Bearer ${KEYS.writer} ${KEYS.admin}` }, /must hold one key after "Bearer"/],
  ])('refuses %s as UNAUTHENTICATED, saying how to send a key and quoting none', (_case, headers, message) => {
    const error = refusal(guard, contextFor('write', headers).context);
    expect(error.code).toBe('UNAUTHENTICATED');
    expect(error.message).toMatch(message);
    for (const key of Object.values(KEYS)) expect(error.message).not.toContain(key);
  });

  it('accepts the scheme in any case and spaces around the key', () => {
    expect(guard.canActivate(contextFor('write', { authorization: `bearer ${KEYS.writer}` }).context)).toBe(true);
    expect(guard.canActivate(contextFor('write', { authorization: `BEARER   ${KEYS.writer}  ` }).context)).toBe(true);
  });

  it('answers FORBIDDEN for a known key without the role', () => {
    const error = refusal(guard, contextFor('read', bearer(KEYS.writer)).context);
    expect(error.code).toBe('FORBIDDEN');
    expect(error.message).toBe('The writer role may not do this');
  });

  it('attaches the principal', () => {
    const { context, request } = contextFor('either', bearer(KEYS.analyst));
    expect(guard.canActivate(context)).toBe(true);
    expect(principalOf(request)).toEqual({ keyId: expect.stringMatching(/^analyst-[0-9a-f]{8}$/), role: 'analyst' });
  });

  it('takes the principal the HTTP layer found before reading the body, and still checks its role and rate', () => {
    const hashing = jest.spyOn(store, 'authenticate');
    try {
      const { context, request } = contextFor('write', bearer(KEYS.writer));
      attachPrincipal(request, authenticateBearer(store, request.headers.authorization));
      expect(hashing).toHaveBeenCalledTimes(1);
      expect(guard.canActivate(context)).toBe(true);
      expect(hashing).toHaveBeenCalledTimes(1);
      const forbidden = contextFor('read', bearer(KEYS.writer));
      attachPrincipal(forbidden.request, authenticateBearer(store, forbidden.request.headers.authorization));
      expect(refusal(guard, forbidden.context).code).toBe('FORBIDDEN');
      const limited = new ApiKeyGuard(new Reflector(), store, new TokenBucketRateLimiter(1));
      const first = contextFor('write', bearer(KEYS.writer));
      attachPrincipal(first.request, authenticateBearer(store, first.request.headers.authorization));
      expect(limited.canActivate(first.context)).toBe(true);
      const second = contextFor('write', bearer(KEYS.writer));
      attachPrincipal(second.request, authenticateBearer(store, second.request.headers.authorization));
      expect(refusal(limited, second.context).code).toBe('RATE_LIMITED');
    } finally {
      hashing.mockRestore();
    }
  });

  it('lets admin through everywhere, and only admin through unmarked routes', () => {
    for (const handler of ['write', 'read', 'assess', 'either', 'unmarked'] as const) {
      expect(guard.canActivate(contextFor(handler, bearer(KEYS.admin)).context)).toBe(true);
    }
    for (const role of ['writer', 'analyst', 'editor'] as const) {
      expect(refusal(guard, contextFor('unmarked', bearer(KEYS[role])).context).code).toBe('FORBIDDEN');
    }
  });

  it('lets an editor do what an analyst may, plus editor routes, and nothing of a writer', () => {
    expect(guard.canActivate(contextFor('read', bearer(KEYS.editor)).context)).toBe(true);
    expect(guard.canActivate(contextFor('list', bearer(KEYS.editor)).context)).toBe(true);
    expect(guard.canActivate(contextFor('either', bearer(KEYS.editor)).context)).toBe(true);
    expect(guard.canActivate(contextFor('assess', bearer(KEYS.editor)).context)).toBe(true);
    expect(refusal(guard, contextFor('write', bearer(KEYS.editor)).context).code).toBe('FORBIDDEN');
    expect(refusal(guard, contextFor('assess', bearer(KEYS.analyst)).context).code).toBe('FORBIDDEN');
    expect(refusal(guard, contextFor('assess', bearer(KEYS.writer)).context).code).toBe('FORBIDDEN');
  });

  it('reads roles from the controller, with the handler taking precedence', () => {
    expect(guard.canActivate(contextFor('list', bearer(KEYS.analyst)).context)).toBe(true);
    expect(guard.canActivate(contextFor('override', bearer(KEYS.writer)).context)).toBe(true);
    expect(refusal(guard, contextFor('override', bearer(KEYS.analyst)).context).code).toBe('FORBIDDEN');
  });

  it('answers RATE_LIMITED with the seconds to wait once the key is over its rate', () => {
    let now = 0;
    const limited = new ApiKeyGuard(new Reflector(), store, new TokenBucketRateLimiter(1, () => now));
    expect(limited.canActivate(contextFor('write', bearer(KEYS.writer)).context)).toBe(true);
    const error = refusal(limited, contextFor('write', bearer(KEYS.writer)).context);
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.retryAfterSeconds).toBe(1);
    now += 1000;
    expect(limited.canActivate(contextFor('write', bearer(KEYS.writer)).context)).toBe(true);
  });

  it('limits requests without a valid key by client address, apart from keyed requests and public routes', () => {
    let now = 0;
    const limited = new ApiKeyGuard(new Reflector(), store, new TokenBucketRateLimiter(2, () => now));
    const guess = (ip: string) => refusal(limited, contextFor('write', bearer('guessed-key-0123456789'), ip).context).code;
    expect([guess('192.0.2.1'), guess('192.0.2.1'), guess('192.0.2.1')]).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'RATE_LIMITED']);
    expect(refusal(limited, contextFor('write', {}, '192.0.2.1').context).code).toBe('RATE_LIMITED');
    // Another address, a valid key from the same address and the public route are not held back.
    expect(guess('192.0.2.2')).toBe('UNAUTHENTICATED');
    expect(limited.canActivate(contextFor('write', bearer(KEYS.writer), '192.0.2.1').context)).toBe(true);
    expect([1, 2, 3, 4].map(() => limited.canActivate(contextFor('open', {}, '192.0.2.1').context))).toEqual([true, true, true, true]);
    now += 1000;
    expect(guess('192.0.2.1')).toBe('UNAUTHENTICATED');
  });

  it('isAllowed: admin always, an editor as an analyst too, others by the list, nobody else without one', () => {
    expect(isAllowed('admin', undefined)).toBe(true);
    expect(isAllowed('writer', undefined)).toBe(false);
    expect(isAllowed('editor', undefined)).toBe(false);
    expect(isAllowed('writer', ['writer'])).toBe(true);
    expect(isAllowed('analyst', ['writer'])).toBe(false);
    expect(isAllowed('editor', ['analyst'])).toBe(true);
    expect(isAllowed('editor', ['editor'])).toBe(true);
    expect(isAllowed('analyst', ['editor'])).toBe(false);
    expect(isAllowed('editor', ['writer'])).toBe(false);
  });
});
