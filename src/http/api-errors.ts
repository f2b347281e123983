import type { SchemaObject } from '@nestjs/swagger';
import type { ApplicationErrorCode } from '../application/application-error.js';
import type { AuthRefusalCode } from '../auth/auth-refusal.js';
import type { DomainErrorCode } from '../domain/domain-error.js';

/** The components that describe one item of `details`, by name. */
export type ErrorDetailSchema =
  | 'ValidationProblem'
  | 'PositionHolder'
  | 'TimelineConflict'
  | 'ActorReference'
  | 'PositionReference'
  | 'RevisionMismatch'
  | 'ProjectionLag'
  | 'ProjectionReference'
  | 'HeavyQueryLoad';

export interface ApiErrorEntry {
  readonly status: number;
  /** What it means, as the document says it. */
  readonly meaning: string;
  /** What each item of `details` is, when the code carries details. */
  readonly details?: ErrorDetailSchema;
}

/**
 * Every error code the API answers, with its status and meaning: the one vocabulary the OpenAPI
 * document describes refusals with (`http-exception.filter.ts` gives the same statuses, which
 * `api-errors.spec.ts` checks). Codes that no route can answer have no place here.
 */
export const API_ERRORS = {
  VALIDATION_FAILED: {
    status: 400,
    meaning:
      'The request is malformed: a body field, a query parameter, a header (If-Match, Idempotency-Key) or the body itself. ' +
      '`details` names each field by its path from the root (`sources[0].kind`, `positions[2]`) with its problems.',
    details: 'ValidationProblem',
  },
  UNAUTHENTICATED: { status: 401, meaning: 'No API key, or one this server does not know (`WWW-Authenticate: Bearer`).' },
  FORBIDDEN: { status: 403, meaning: "The key's role may not call this route." },
  NEIGHBOURHOOD_NOT_FOUND: { status: 404, meaning: 'No neighbourhood has this id (or none had been recorded by `knownAt`).' },
  EVENT_NOT_FOUND: {
    status: 404,
    meaning: 'The event named (`eventId`, `attackId`, `inResponseTo`) is not an incident of this neighbourhood of the type asked for, or it was retracted.',
  },
  ACTOR_NOT_FOUND: { status: 404, meaning: 'No actor has this id (or none had been registered by `knownAt`).', details: 'ActorReference' },
  PROJECTION_NOT_FOUND: { status: 404, meaning: 'No read model has this name.', details: 'ProjectionReference' },
  WEBHOOK_NOT_FOUND: { status: 404, meaning: 'No webhook has this id, or it was deleted.' },
  REQUEST_TIMEOUT: { status: 408, meaning: 'The request did not arrive, or was not answered, within the request timeout; the connection is closed.' },
  ALREADY_EXISTS: {
    status: 409,
    meaning: 'The id is taken (an actor, a neighbourhood, a position), the report is already retracted, or it already has this status.',
  },
  ALREADY_CONTROLLED: {
    status: 409,
    meaning: 'The captor already holds a position at `occurredAt`; `details` names it and its holder.',
    details: 'PositionHolder',
  },
  NOT_CONTROLLED: {
    status: 409,
    meaning: 'The retreating actor does not hold a position at `occurredAt`; `details` names it and who holds it.',
    details: 'PositionHolder',
  },
  TIMELINE_CONFLICT: {
    status: 409,
    meaning:
      'The accepted timeline cannot take it: a later recorded report would become impossible, or (a confirmation, a report ' +
      'taken out of refuted) accepted reports stand in its way. `details` names each of those events.',
    details: 'TimelineConflict',
  },
  REPORT_RETRACTED: { status: 409, meaning: 'The report was retracted: it can no longer be assessed.' },
  WRONG_EXPECTED_REVISION: {
    status: 412,
    meaning:
      'If-Match named another revision than the stream has (or `*` and the stream does not exist), or other writers kept ' +
      'moving the stream while the command was decided again; nothing was written.',
    details: 'RevisionMismatch',
  },
  PAYLOAD_TOO_LARGE: { status: 413, meaning: 'The body is over 1 MiB; it is refused before it is read.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, meaning: 'A body was sent without `Content-Type: application/json` (UTF-8).' },
  ACTOR_UNKNOWN: { status: 422, meaning: 'The command names actors that are not registered; `details` lists them.', details: 'ActorReference' },
  POSITION_UNKNOWN: {
    status: 422,
    meaning: 'The command names positions this neighbourhood does not have; `details` lists them.',
    details: 'PositionReference',
  },
  OCCURRED_IN_FUTURE: { status: 422, meaning: "`occurredAt` (or `controlAsOf`) is more than 5 minutes ahead of the server's clock." },
  BEFORE_BASELINE: { status: 422, meaning: "`occurredAt` is before the neighbourhood's baseline (`controlAsOf`)." },
  REPORTED_BEFORE_OCCURRED: { status: 422, meaning: "A source's `reportedAt` falls before the start of the report's `occurredAt` precision window." },
  INVALID_COMMAND: {
    status: 422,
    meaning:
      'The command contradicts itself: an actor on both sides of an attack or counterattack (unless `unidentified`), a retreat ' +
      'yielding to its own actor, a position listed twice, casualty figures without low <= best <= high.',
  },
  IDEMPOTENCY_KEY_REUSED: { status: 422, meaning: 'This Idempotency-Key was used before by this key for a different request; nothing was written.' },
  RATE_LIMITED: { status: 429, meaning: 'Over the rate limit of the key (or, without a valid key, of the client address); retry after `Retry-After` seconds.' },
  SHUTTING_DOWN: { status: 503, meaning: 'The server is stopping; retry on another node or in a moment (`Retry-After`).' },
  PROJECTION_LAGGING: {
    status: 503,
    meaning: 'The read model had not processed `minPosition` within 5 s, or it has stopped on a failure; retry after `Retry-After` seconds.',
    details: 'ProjectionLag',
  },
  PROJECTION_REBUILDING: { status: 503, meaning: 'The read model has no usable copy while it is rebuilt; retry after `Retry-After` seconds.' },
  SERVER_BUSY: {
    status: 503,
    meaning: 'As many heavy queries (exports, perspective folds) are under way as the server answers at once; retry after `Retry-After` seconds.',
    details: 'HeavyQueryLoad',
  },
  STORAGE_UNAVAILABLE: { status: 503, meaning: 'The store cannot be read or written now (an I/O failure); nothing was written.' },
  STORAGE_FULL: { status: 507, meaning: "The store's disk is full; nothing was written." },
} as const satisfies Readonly<Record<string, ApiErrorEntry>>;

export type ApiErrorCode = keyof typeof API_ERRORS;

/** The compiler names every code the application can raise that the document does not describe. */
type Undescribed = Exclude<DomainErrorCode | ApplicationErrorCode | AuthRefusalCode, ApiErrorCode>;
const everyCodeDescribed: [Undescribed] extends [never] ? true : Undescribed = true;
void everyCodeDescribed;

const uuid: SchemaObject = { type: 'string', format: 'uuid' };
const slug: SchemaObject = { type: 'string', pattern: '^[a-z0-9]+(-[a-z0-9]+)*$', maxLength: 64 };

/** The error body's component and those of `details` items, for `components.schemas`. */
export const ERROR_SCHEMAS: Readonly<Record<'ApiError' | ErrorDetailSchema, SchemaObject>> = {
  ApiError: {
    type: 'object',
    description: 'The body of every answer of status 400 and above.',
    required: ['statusCode', 'code', 'message'],
    properties: {
      statusCode: { type: 'integer', description: 'The HTTP status again', example: 404 },
      code: { type: 'string', description: 'What went wrong, for programs: UPPER_SNAKE, one of the codes the response lists', example: 'NEIGHBOURHOOD_NOT_FOUND' },
      message: { type: 'string', description: 'What went wrong, for people; its wording may change', example: 'no neighbourhood damascus-tadamon' },
      details: {
        type: 'array',
        description: 'Specifics, for the codes that have them (each response says what its items are)',
        items: { type: 'object', additionalProperties: true },
      },
    },
  },
  ValidationProblem: {
    type: 'object',
    description:
      'One field and what is wrong with it. At most 20 fields are listed; a last item `{"field": "…"}` says how many more have problems.',
    required: ['field', 'problems'],
    properties: {
      field: {
        type: 'string',
        description: 'The path from the root of the body (`sources[0].kind`), a query parameter, a header (`If-Match`), or `body`',
        example: 'sources[0].credibility',
      },
      problems: { type: 'array', items: { type: 'string' }, example: ['credibility must not be greater than 6'] },
    },
  },
  PositionHolder: {
    type: 'object',
    required: ['positionId', 'controller'],
    properties: {
      positionId: slug,
      controller: { type: 'string', nullable: true, description: 'Who holds it at `occurredAt`; null: nobody' },
    },
  },
  TimelineConflict: {
    type: 'object',
    description:
      'An event in the way. A report (or retraction, or refutation) that would make a later one impossible names that later ' +
      'report, its position and what it would then break; a confirmation that the accepted timeline cannot take names only the ' +
      'accepted events it contradicts (`eventId` alone).',
    required: ['eventId'],
    properties: {
      eventId: uuid,
      type: { type: 'string', enum: ['PositionCaptured', 'ForcesRetreated'], description: 'The later report' },
      occurredAt: { type: 'string', format: 'date-time', description: 'When the later report occurred (UTC)' },
      positionId: slug,
      problem: {
        type: 'string',
        enum: ['ALREADY_CONTROLLED', 'NOT_CONTROLLED'],
        description: 'What the later report would break: its captor would already hold the position, or its actor would not hold it',
      },
    },
  },
  ActorReference: { type: 'object', required: ['actorId'], properties: { actorId: slug } },
  PositionReference: { type: 'object', required: ['positionId'], properties: { positionId: slug } },
  RevisionMismatch: {
    type: 'object',
    required: ['expected', 'actual'],
    properties: {
      expected: {
        oneOf: [{ type: 'integer' }, { type: 'string', enum: ['*'] }],
        description: 'The revision If-Match asked for, or `*`',
      },
      actual: { type: 'integer', description: "The stream's revision (-1: it does not exist)" },
    },
  },
  ProjectionLag: {
    type: 'object',
    required: ['projection', 'position'],
    properties: {
      projection: { type: 'string', description: 'The read model' },
      position: { type: 'integer', description: 'The log position it has processed' },
      minPosition: { type: 'integer', description: 'The position asked for' },
    },
  },
  ProjectionReference: { type: 'object', required: ['projection'], properties: { projection: { type: 'string' } } },
  HeavyQueryLoad: {
    type: 'object',
    required: ['heavyQueries', 'cap'],
    properties: {
      heavyQueries: { type: 'integer', description: 'Heavy queries under way' },
      cap: { type: 'integer', description: 'TIMELINE_MAX_HEAVY_QUERIES' },
    },
  },
};
