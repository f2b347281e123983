/**
 * Refusals that come from the application layer rather than from a domain rule: optimistic
 * concurrency, idempotency, read-model freshness, and lookups by the query side.
 */
export type ApplicationErrorCode =
  | 'WRONG_EXPECTED_REVISION'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'PROJECTION_LAGGING'
  | 'PROJECTION_NOT_FOUND'
  | 'NEIGHBOURHOOD_NOT_FOUND'
  | 'EVENT_NOT_FOUND'
  | 'ACTOR_UNKNOWN'
  | 'ACTOR_NOT_FOUND'
  | 'SERVER_BUSY'
  | 'VALIDATION_FAILED';

export class ApplicationError extends Error {
  override readonly name = 'ApplicationError';
  constructor(
    readonly code: ApplicationErrorCode,
    message: string,
    readonly details?: readonly Record<string, unknown>[],
    /** Seconds a client should wait before retrying (sent as Retry-After). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}
