import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Role } from './role.js';

/** Who is calling: the key's non-secret id and its role. */
export interface Principal {
  /** `<role>-<first 8 hex of sha256(key)>`; record it as `recordedBy`. */
  readonly keyId: string;
  readonly role: Role;
}

const PRINCIPAL = Symbol('principal');

type RequestWithPrincipal = { [PRINCIPAL]?: Principal };

/** Called by the guard once the key is known. */
export function attachPrincipal(request: object, principal: Principal): void {
  (request as RequestWithPrincipal)[PRINCIPAL] = principal;
}

/** The principal the guard attached, or undefined on a `@Public()` route. */
export function principalOf(request: object): Principal | undefined {
  return (request as RequestWithPrincipal)[PRINCIPAL];
}

/**
 * The caller of a guarded route: `create(@CurrentPrincipal() principal: Principal)`.
 * On a `@Public()` route it is undefined.
 */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  principalOf(context.switchToHttp().getRequest<object>()),
);
