/**
 * Refusals the domain can give. The HTTP layer maps each code to a status; the domain knows
 * nothing of HTTP.
 */
export type DomainErrorCode =
  | 'NEIGHBOURHOOD_NOT_FOUND'
  | 'EVENT_NOT_FOUND'
  | 'ACTOR_UNKNOWN'
  | 'POSITION_UNKNOWN'
  | 'OCCURRED_IN_FUTURE'
  | 'BEFORE_BASELINE'
  | 'ALREADY_EXISTS'
  | 'ALREADY_CONTROLLED'
  | 'NOT_CONTROLLED'
  | 'TIMELINE_CONFLICT'
  | 'REPORTED_BEFORE_OCCURRED'
  | 'REPORT_RETRACTED'
  | 'INVALID_COMMAND'
  | 'WEBHOOK_NOT_FOUND'
  | 'VALIDATION_FAILED';

export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    /** Machine-readable specifics, e.g. the conflicting event ids of a TIMELINE_CONFLICT. */
    readonly details?: readonly Record<string, unknown>[],
  ) {
    super(message);
  }
}
