/** Why a request was refused before its route ran. The HTTP layer maps each to its status. */
export type AuthRefusalCode = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'RATE_LIMITED';

/**
 * A refusal by the API-key guard: no usable key (UNAUTHENTICATED), a key without the role
 * (FORBIDDEN), or a caller over its rate (RATE_LIMITED, with the seconds to wait). Auth knows
 * nothing of HTTP; the one exception filter turns this into the answer.
 */
export class AuthRefusal extends Error {
  override readonly name = 'AuthRefusal';

  constructor(
    readonly code: AuthRefusalCode,
    message: string,
    /** For RATE_LIMITED: whole seconds until a request would be let through. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}
