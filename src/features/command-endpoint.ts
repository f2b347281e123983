import { applyDecorators, type Type } from '@nestjs/common';
import type { Command, CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApplicationError } from '../application/application-error.js';
import { type CommandMetadata, type CommandResult, requestHashes } from '../application/command-metadata.js';
import type { Principal } from '../auth/principal.js';
import { STANDINGS, type Standing } from '../domain/index.js';
import { ApiRefusals, type RouteErrorCode } from '../http/index.js';
import { LIMITS } from './input-limits.js';

export class AssessedDto {
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty({ enum: ['confirmed', 'disputed', 'refuted'] }) status!: string;
  @ApiProperty({ enum: STANDINGS }) standing!: Standing;
}

/** The answer to every command (API.md). */
export class CommandResponse {
  @ApiProperty({ format: 'uuid' })
  eventId!: string;

  @ApiProperty({ example: 'PositionCaptured' })
  type!: string;

  @ApiProperty({ nullable: true, type: String, description: 'null for actor registrations' })
  neighbourhoodId!: string | null;

  @ApiPropertyOptional({ description: 'Only for actor registrations' })
  actorId?: string;

  @ApiProperty({ type: 'integer', description: 'Revision of the stream after this event; also sent as ETag' })
  streamRevision!: number;

  @ApiProperty({ type: 'integer', description: 'Global log position; pass it as minPosition to read your own write' })
  position!: number;

  @ApiPropertyOptional({
    enum: STANDINGS,
    description: 'Every incident and registration: how it stands against the accepted timeline (accepted unless recorded with onConflict: "record")',
  })
  standing?: Standing;

  @ApiPropertyOptional({ type: [String], description: 'The accepted events that made its corroborated positions stand as it claims' })
  corroborates?: readonly string[];

  @ApiPropertyOptional({ type: [String], description: 'A conflicting claim: the accepted events it contradicts' })
  conflictsWith?: readonly string[];

  @ApiPropertyOptional({ enum: ['NOT_CONTROLLED', 'TIMELINE_CONFLICT'], description: 'A conflicting claim: what refuse mode would have answered' })
  conflictCode?: string;

  @ApiPropertyOptional({ type: AssessedDto, description: 'An assessment: the report, its new status and the standing it leaves it in' })
  assessed?: AssessedDto;
}

/** RFC 9110 If-Match, as this API takes it: one strong entity tag holding a revision, or `*`. */
const IF_MATCH_REVISION = /^"(0|[1-9]\d{0,15})"$/;
const IDEMPOTENCY_KEY = /^[\x21-\x7E]+$/;
const HOW_TO_WRITE_IF_MATCH = 'must be one stream revision in double quotes, as the ETag gives it (If-Match: "12"), or * for "the stream exists"';

/** Reads the concurrency and idempotency headers and fingerprints the request. */
export function commandMetadata(request: FastifyRequest, principal: Principal): CommandMetadata {
  const idempotencyKey = idempotencyKeyOf(request);
  const expectedRevision = expectedRevisionOf(request);
  return {
    keyId: principal.keyId,
    role: principal.role,
    requestId: String(request.id),
    // Only a keyed request can be retried, so only it needs its fingerprint (canonical JSON and
    // a SHA-256 of the whole body: a noticeable share of a command's cost).
    ...(idempotencyKey !== undefined ? { idempotencyKey, ...requestHashes(request.method, request.url.split('?')[0]!, request.body) } : {}),
    ...(expectedRevision !== undefined ? { expectedRevision } : {}),
  };
}

/**
 * The Idempotency-Key: 1 to 200 visible ASCII characters. A header sent empty (or only white
 * space, which HTTP strips) is refused: read as "no key", a retry would be recorded twice.
 */
function idempotencyKeyOf(request: FastifyRequest): string | undefined {
  const key = singleHeader(request, 'Idempotency-Key');
  return key === undefined ? undefined : checkedIdempotencyKey(key, 'Idempotency-Key', 'Header Idempotency-Key');
}

/** An idempotency key as given (a header's trimmed value, or a batch command's field), refused unless 1 to 200 visible ASCII characters. */
export function checkedIdempotencyKey(key: string, field: string, named: string): string {
  const problem =
    key === ''
      ? `must be 1 to ${LIMITS.idempotencyKeyLength} visible ASCII characters; it is empty`
      : key.length > LIMITS.idempotencyKeyLength || !IDEMPOTENCY_KEY.test(key)
        ? `must be 1 to ${LIMITS.idempotencyKeyLength} visible ASCII characters (no spaces)`
        : undefined;
  if (problem !== undefined) throw new ApplicationError('VALIDATION_FAILED', `${named} ${problem}`, [{ field, problems: [problem] }]);
  return key;
}

/** If-Match per RFC 9110, narrowed to what an append can be conditional on; anything else is refused, never ignored. */
function expectedRevisionOf(request: FastifyRequest): number | 'exists' | undefined {
  const value = singleHeader(request, 'If-Match');
  if (value === undefined) return undefined;
  if (value === '*') return 'exists';
  const revision = IF_MATCH_REVISION.exec(value);
  if (revision !== null && Number.isSafeInteger(Number(revision[1]))) return Number(revision[1]);
  const why = /^W\//i.test(value)
    ? 'a weak entity tag (W/…) never matches for an append'
    : value.includes(',')
      ? 'a list of entity tags is not taken'
      : value === ''
        ? 'it is empty'
        : undefined;
  throw invalidHeader('If-Match', why === undefined ? HOW_TO_WRITE_IF_MATCH : `${HOW_TO_WRITE_IF_MATCH}; ${why}`);
}

/**
 * Dispatches through the CommandBus and shapes the answer: 201 for a new event, 200 for a
 * replayed retry (same body, same eventId), with the stream revision as ETag either way.
 */
export async function executeCommand(
  bus: CommandBus,
  command: Command<CommandResult>,
  reply: FastifyReply,
  subject: { neighbourhoodId: string } | { actorId: string },
): Promise<CommandResponse> {
  const result = await bus.execute(command);
  void reply.status(result.replayed ? 200 : 201).header('ETag', `"${result.streamRevision}"`);
  if (result.replayed) void reply.header('Idempotent-Replayed', 'true');
  return commandResponse(result, subject);
}

/** The body a command answers (API.md): the same for a command on its own and in a batch. */
export function commandResponse(result: CommandResult, subject: { neighbourhoodId: string } | { actorId: string }): CommandResponse {
  return {
    eventId: result.eventId,
    type: result.type,
    neighbourhoodId: 'neighbourhoodId' in subject ? subject.neighbourhoodId : null,
    ...('actorId' in subject ? { actorId: subject.actorId } : {}),
    streamRevision: result.streamRevision,
    position: result.position,
    ...result.outcome,
  };
}

/** A header's value, trimmed, or undefined when it is not sent; `name` as the details name it. */
function singleHeader(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  if (Array.isArray(value)) throw invalidHeader(name, 'must be sent once');
  return value?.trim();
}

function invalidHeader(name: string, problem: string): ApplicationError {
  return new ApplicationError('VALIDATION_FAILED', `Header ${name} ${problem}`, [{ field: name, problems: [problem] }]);
}

/** The ETag of a command's answer: the stream revision after it. */
const ETAG_HEADER = { ETag: { description: 'The stream revision after this event, as If-Match takes it ("3")', schema: { type: 'string' } } };

/**
 * The OpenAPI description of a command endpoint: its body with one example (the request an
 * integration sends, from the Tadamon report), its headers, its answers, and the codes its
 * rules can refuse it with beyond those of every command (`WRONG_EXPECTED_REVISION`,
 * `IDEMPOTENCY_KEY_REUSED`) and of every route with a key and a body (`openapi-refusals.ts`).
 */
export function CommandResponses(body: { type: Type<object>; summary: string; example: object }, ...refusals: RouteErrorCode[]): MethodDecorator {
  return applyDecorators(
    ApiBody({ type: body.type, examples: { tadamon: { summary: body.summary, value: body.example } } }),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description: 'Makes retries safe: the same key and body replay the first answer (200); the same key with another body is 422',
      schema: { type: 'string', minLength: 1, maxLength: LIMITS.idempotencyKeyLength, pattern: IDEMPOTENCY_KEY.source },
    }),
    ApiHeader({
      name: 'If-Match',
      required: false,
      description: 'Append only at this stream revision, written as the ETag gives it ("3"), or * for "the stream exists"; else 412',
      schema: { type: 'string', pattern: '^("(0|[1-9][0-9]{0,15})"|\\*)$', example: '"3"' },
    }),
    ApiCreatedResponse({ type: CommandResponse, description: 'Recorded; ETag carries the stream revision', headers: ETAG_HEADER }),
    ApiOkResponse({
      type: CommandResponse,
      description: 'A retry with the same Idempotency-Key and body: the first answer again, nothing written',
      headers: { ...ETAG_HEADER, 'Idempotent-Replayed': { description: 'true', schema: { type: 'string', enum: ['true'] } } },
    }),
    ApiRefusals('WRONG_EXPECTED_REVISION', 'IDEMPOTENCY_KEY_REUSED', ...refusals),
  );
}

/** Drops keys whose value is null or undefined: API.md lets optional fields be sent as null. */
export function present<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], null>;
  };
}
