import { ApplicationError, type ApplicationErrorCode } from '../application/application-error.js';
import { AuthRefusal, type AuthRefusalCode } from '../auth/auth-refusal.js';
import { DomainError, type DomainErrorCode } from '../domain/domain-error.js';
import { API_ERRORS, ERROR_SCHEMAS, type ApiErrorCode, type ApiErrorEntry } from './api-errors.js';
import { toErrorResponse } from './http-exception.filter.js';

// Every code of each kind of error, listed through a record so that the compiler asks for a new one.
const DOMAIN: Record<DomainErrorCode, true> = {
  NEIGHBOURHOOD_NOT_FOUND: true,
  EVENT_NOT_FOUND: true,
  ACTOR_UNKNOWN: true,
  POSITION_UNKNOWN: true,
  OCCURRED_IN_FUTURE: true,
  BEFORE_BASELINE: true,
  ALREADY_EXISTS: true,
  ALREADY_CONTROLLED: true,
  NOT_CONTROLLED: true,
  TIMELINE_CONFLICT: true,
  REPORTED_BEFORE_OCCURRED: true,
  REPORT_RETRACTED: true,
  INVALID_COMMAND: true,
  VALIDATION_FAILED: true,
  WEBHOOK_NOT_FOUND: true,
};
const APPLICATION: Record<ApplicationErrorCode, true> = {
  WRONG_EXPECTED_REVISION: true,
  IDEMPOTENCY_KEY_REUSED: true,
  PROJECTION_LAGGING: true,
  PROJECTION_NOT_FOUND: true,
  NEIGHBOURHOOD_NOT_FOUND: true,
  EVENT_NOT_FOUND: true,
  ACTOR_UNKNOWN: true,
  ACTOR_NOT_FOUND: true,
  SERVER_BUSY: true,
  VALIDATION_FAILED: true,
  WEBHOOK_NOT_FOUND: true,
  STORAGE_FULL: true,
  STORAGE_UNAVAILABLE: true,
  PROJECTION_REBUILDING: true,
};
const AUTH: Record<AuthRefusalCode, true> = { UNAUTHENTICATED: true, FORBIDDEN: true, RATE_LIMITED: true };

describe('the error codes the OpenAPI document describes', () => {
  it.each([
    ...Object.keys(DOMAIN).map((code) => ['domain', code, new DomainError(code as DomainErrorCode, 'x')] as const),
    ...Object.keys(APPLICATION).map((code) => ['application', code, new ApplicationError(code as ApplicationErrorCode, 'x')] as const),
    ...Object.keys(AUTH).map((code) => ['auth', code, new AuthRefusal(code as AuthRefusalCode, 'x')] as const),
  ])('%s %s has the status the exception filter answers', (_kind, code, error) => {
    const entry: ApiErrorEntry = API_ERRORS[code as ApiErrorCode];
    expect(entry.status).toBe(toErrorResponse(error).body.statusCode);
    expect(toErrorResponse(error).body.code).toBe(code);
  });

  it('describes every code, and the details of each code that has them by a component', () => {
    for (const [code, entry] of Object.entries(API_ERRORS) as [ApiErrorCode, ApiErrorEntry][]) {
      expect({ code, upperSnake: /^[A-Z]+(_[A-Z]+)*$/.test(code), meaning: entry.meaning.length > 20 }).toEqual({ code, upperSnake: true, meaning: true });
      expect(entry.status >= 400 && entry.status < 600).toBe(true);
      if (entry.details !== undefined) expect(ERROR_SCHEMAS[entry.details]).toBeDefined();
    }
  });

  it('describes the details the domain gives a TIMELINE_CONFLICT and a VALIDATION_FAILED', () => {
    expect(ERROR_SCHEMAS.TimelineConflict.required).toEqual(['eventId']);
    expect(Object.keys(ERROR_SCHEMAS.TimelineConflict.properties ?? {})).toEqual(['eventId', 'type', 'occurredAt', 'positionId', 'problem']);
    expect(ERROR_SCHEMAS.ValidationProblem.required).toEqual(['field', 'problems']);
  });
});
