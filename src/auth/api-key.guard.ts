import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiKeyStore } from './api-keys.js';
import { AuthRefusal } from './auth-refusal.js';
import { attachPrincipal, principalOf, type Principal } from './principal.js';
import { TokenBucketRateLimiter } from './rate-limiter.js';
import { isAllowed, type Role } from './role.js';
import { PUBLIC_METADATA, ROLES_METADATA } from './roles.decorator.js';

/** The scheme word, then whatever follows it. */
const CREDENTIALS = /^(\S+)(?:\s+(.*))?$/s;
const HOW_TO_SEND = 'send "Authorization: Bearer <key>"';

type HeaderBag = Record<string, string | string[] | undefined>;

/** What the guard reads of a request: its headers and, on Fastify, the client's address. */
interface GuardedRequest {
  readonly headers: HeaderBag;
  readonly ip?: string;
}

/**
 * The global guard. Order matters: who is it (401), are they going too fast (429), may
 * they do this (403). Rate limiting comes before the role check so that a client hammering
 * a route it may not use is slowed down too. A request without a valid key is limited by its
 * client address instead, so that guessing keys is as slow as using one; public routes
 * (`GET /health`) are not limited.
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
    const request = context.switchToHttp().getRequest<GuardedRequest>();
    // A request with a body was authenticated before its body was read (the HTTP layer).
    const principal = principalOf(request) ?? this.authenticate(request);
    attachPrincipal(request, principal);
    const decision = this.rateLimiter.take(principal.keyId);
    if (!decision.allowed) {
      throw new AuthRefusal('RATE_LIMITED', 'Too many requests for this API key; retry later', decision.retryAfterSeconds);
    }
    const allowed = this.reflector.getAllAndOverride<readonly Role[] | undefined>(ROLES_METADATA, targets);
    if (!isAllowed(principal.role, allowed)) {
      throw new AuthRefusal('FORBIDDEN', `The ${principal.role} role may not do this`);
    }
    return true;
  }

  private authenticate(request: GuardedRequest): Principal {
    try {
      return authenticateBearer(this.keys, request.headers.authorization);
    } catch (refusal) {
      // Counted against the client's address before it is told anything about the key.
      const decision = this.rateLimiter.take(`address:${request.ip ?? 'unknown'}`);
      if (!decision.allowed) {
        throw new AuthRefusal('RATE_LIMITED', 'Too many requests without a valid API key from this address; retry later', decision.retryAfterSeconds);
      }
      throw refusal;
    }
  }
}

/**
 * The caller of an `Authorization: Bearer <key>` header, else AuthRefusal UNAUTHENTICATED saying
 * how to send one. The guard asks it for every route that is not `@Public()`; the HTTP layer asks
 * it before reading a request body, so that a caller without a key is refused before sending one.
 */
export function authenticateBearer(keys: ApiKeyStore, header: string | string[] | undefined): Principal {
  const presented = presentedKey(header);
  const principal = typeof presented === 'string' ? keys.authenticate(presented) : undefined;
  if (principal !== undefined) return principal;
  throw new AuthRefusal('UNAUTHENTICATED', typeof presented === 'string' ? 'Unknown API key' : presented.problem);
}

/** The key of a `Bearer` Authorization header, or what is wrong with the header (never quoting it). */
function presentedKey(header: string | string[] | undefined): string | { problem: string } {
  const text = typeof header === 'string' ? header.trim() : '';
  if (text === '') return { problem: `Missing API key: ${HOW_TO_SEND}` };
  const [, scheme, credentials = ''] = CREDENTIALS.exec(text)!;
  if (scheme!.toLowerCase() !== 'bearer') return { problem: `The Authorization header must use the Bearer scheme: ${HOW_TO_SEND}` };
  const key = credentials.trim();
  if (key === '') return { problem: `The Authorization header holds no key after "Bearer": ${HOW_TO_SEND}` };
  if (/\s/.test(key)) return { problem: `The Authorization header must hold one key after "Bearer": ${HOW_TO_SEND}` };
  return key;
}
