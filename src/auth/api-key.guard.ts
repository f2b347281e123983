import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiHttpException } from '../http/api-http-exception.js';
import { ApiKeyStore } from './api-keys.js';
import { attachPrincipal, type Principal } from './principal.js';
import { TokenBucketRateLimiter } from './rate-limiter.js';
import type { Role } from './role.js';
import { PUBLIC_METADATA, ROLES_METADATA } from './roles.decorator.js';

const BEARER = /^Bearer +([^\s]+) *$/i;

type HeaderBag = Record<string, string | string[] | undefined>;

/**
 * The global guard. Order matters: who is it (401), are they going too fast (429), may
 * they do this (403). Rate limiting comes before the role check so that a client hammering
 * a route it may not use is slowed down too.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeyStore,
    private readonly rateLimiter: TokenBucketRateLimiter,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_METADATA, targets) === true) {
      return true;
    }
    const request = context.switchToHttp().getRequest<{ headers: HeaderBag }>();
    const principal = authenticateBearer(this.keys, request.headers.authorization);
    attachPrincipal(request, principal);

    const decision = this.rateLimiter.take(principal.keyId);
    if (!decision.allowed) {
      throw new ApiHttpException(429, 'RATE_LIMITED', 'Too many requests for this API key; retry later', {
        headers: { 'Retry-After': String(decision.retryAfterSeconds) },
      });
    }

    const allowed = this.reflector.getAllAndOverride<readonly Role[] | undefined>(ROLES_METADATA, targets);
    if (!isAllowed(principal.role, allowed)) {
      throw new ApiHttpException(403, 'FORBIDDEN', `The ${principal.role} role may not do this`);
    }
    return true;
  }
}

/**
 * The caller of an `Authorization: Bearer <key>` header, or 401 UNAUTHENTICATED. The guard asks
 * it for every route that is not `@Public()`; the HTTP layer asks it before reading a request
 * body, so that a caller without a key is refused before it sends one.
 */
export function authenticateBearer(keys: ApiKeyStore, header: string | string[] | undefined): Principal {
  const match = typeof header === 'string' ? BEARER.exec(header) : null;
  const principal = match ? keys.authenticate(match[1]) : undefined;
  if (principal === undefined) {
    throw new ApiHttpException(
      401,
      'UNAUTHENTICATED',
      match ? 'Unknown API key' : 'Missing API key: send "Authorization: Bearer <key>"',
      { headers: { 'WWW-Authenticate': 'Bearer' } },
    );
  }
  return principal;
}

/** Admin may do everything; a route that names no roles is admin-only (secure default). */
export function isAllowed(role: Role, allowed: readonly Role[] | undefined): boolean {
  return role === 'admin' || (allowed?.includes(role) ?? false);
}
