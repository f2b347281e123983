import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApplicationError } from '../../application/application-error.js';
import { type CommandMetadata, requestHashes } from '../../application/command-metadata.js';
import type { BatchCommand } from '../../application/command-pipeline.js';
import { AuthRefusal, CurrentPrincipal, type Principal, Roles, isAllowed } from '../../auth/index.js';
import { ApiRefusals, createValidationPipe, toErrorResponse } from '../../http/index.js';
import { checkedIdempotencyKey, commandResponse } from '../command-endpoint.js';
import { NeighbourhoodIdPipe } from '../path-params.js';
import { batchRoute } from './batch-routes.js';
import { BatchDto, BatchResponseDto, type BatchResultDto } from './batch.dto.js';
import { RunBatchCommand } from './batch.handler.js';

const validation = createValidationPipe();

/** The request an integration sends (an import of Tadamon's actors and casualty reports). */
const EXAMPLE = {
  commands: [
    {
      path: '/v1/actors',
      idempotencyKey: 'actor:ndf',
      body: { id: 'ndf', name: 'National Defence Forces', nameAr: 'قوات الدفاع الوطني', side: 'pro-government', kind: 'militia' },
    },
    {
      path: '/v1/neighbourhoods/damascus-tadamon/casualties',
      idempotencyKey: 'tadamon-2018-04-18-casualties',
      body: {
        killed: { low: 10, best: 20, high: 99 },
        wounded: { low: 10, best: 20, high: 99 },
        occurredAt: '2018-04-18T10:00:00Z',
        timePrecision: 'day',
        sources: [{ name: 'Arabic news report on the Tadamon attack', kind: 'news', reliability: 'B', credibility: 3 }],
        notes: '"Tens killed and wounded": figures are the range the wording allows, not counts.',
      },
    },
  ],
};
const neighbourhoodIds = new NeighbourhoodIdPipe();

@ApiTags('Batches')
@Controller('batches')
export class BatchController {
  constructor(private readonly bus: CommandBus) {}

  @Post()
  @HttpCode(200)
  @Roles('writer', 'editor')
  @ApiOperation({
    summary: 'Run up to 1,000 commands in one request',
    description:
      'Each command goes through exactly the validation, decision and idempotency of its own endpoint, runs in order, sees ' +
      'the ones before it, and gets its own result (the body its endpoint answers, plus its status); one refused command ' +
      'refuses nothing else. Roles are checked per command. What the accepted commands decide is written together, ' +
      'durably, before the answer; with the embedded store atomically (an I/O error writes nothing of the batch).',
  })
  @ApiBody({ type: BatchDto, examples: { tadamon: { summary: 'Register an actor and report casualties, each with its idempotency key', value: EXAMPLE } } })
  @ApiOkResponse({ type: BatchResponseDto, description: 'One result per command, in order: what its own endpoint answers, with its status' })
  @ApiRefusals('WRONG_EXPECTED_REVISION')
  async run(@Body() batch: BatchDto, @Req() request: FastifyRequest, @CurrentPrincipal() principal: Principal): Promise<BatchResponseDto> {
    refuseCommandHeaders(request);
    const results: (BatchResultDto | undefined)[] = [];
    const accepted: { index: number; command: BatchCommand; subject: { neighbourhoodId: string } | { actorId: string } }[] = [];
    for (const [index, item] of batch.commands.entries()) {
      try {
        // A null key is an absent one, as null is for every optional field.
        accepted.push({ index, ...(await this.prepare(item.path, item.idempotencyKey ?? undefined, item.body, index, request, principal)) });
      } catch (error) {
        results[index] = refusal(error);
      }
    }
    const outcomes = await this.bus.execute(new RunBatchCommand(accepted.map(({ command }) => command)));
    outcomes.forEach((outcome, i) => {
      const { index, subject } = accepted[i]!;
      results[index] = outcome.ok
        ? { status: outcome.result.replayed ? 200 : 201, ...commandResponse(outcome.result, subject) }
        : refusal(outcome.error);
    });
    const position = results.reduce((highest, result) => Math.max(highest, result?.position ?? 0), 0);
    return { results: results as BatchResultDto[], position };
  }

  /** The command one item asks for, checked as its own endpoint checks it; throws what that endpoint would answer. */
  private async prepare(
    path: string,
    idempotencyKey: string | undefined,
    body: Record<string, unknown>,
    index: number,
    request: FastifyRequest,
    principal: Principal,
  ): Promise<{ command: BatchCommand; subject: { neighbourhoodId: string } | { actorId: string } }> {
    const found = batchRoute(path);
    if (found === undefined) {
      const problem = path.includes('?') ? 'takes no query string' : 'is not the path of a command endpoint, e.g. /v1/neighbourhoods/{id}/captures';
      throw new ApplicationError('VALIDATION_FAILED', `commands[${index}].path ${problem}`, [{ field: `commands[${index}].path`, problems: [problem] }]);
    }
    const { route } = found;
    const neighbourhoodId = found.neighbourhoodId === undefined ? undefined : neighbourhoodIds.transform(found.neighbourhoodId);
    if (!isAllowed(principal.role, route.roles)) throw new AuthRefusal('FORBIDDEN', `The ${principal.role} role may not do this`);
    const dto = (await validation.transform(body, { type: 'body', metatype: route.dto, data: undefined })) as object;
    const key = idempotencyKey === undefined ? undefined : checkedIdempotencyKey(idempotencyKey, `commands[${index}].idempotencyKey`, `commands[${index}].idempotencyKey`);
    const metadata: CommandMetadata = {
      keyId: principal.keyId,
      role: principal.role,
      requestId: String(request.id),
      ...(key !== undefined && { idempotencyKey: key, ...requestHashes('POST', path, body) }),
    };
    const command = route.toCommand(dto, neighbourhoodId);
    const subject = command.type === 'RegisterActor' ? { actorId: command.actorId } : { neighbourhoodId: command.neighbourhoodId };
    return { command: { command, metadata }, subject };
  }
}

/**
 * A batch's commands carry their own keys: Idempotency-Key or If-Match on the batch itself is
 * refused, never ignored (ignored, a retried batch would be recorded twice).
 */
function refuseCommandHeaders(request: FastifyRequest): void {
  const misplaced: [string, string][] = [
    ['Idempotency-Key', "is not taken by a batch: give each command its own idempotencyKey"],
    ['If-Match', 'is not taken by a batch: send a conditional command to its own endpoint'],
  ];
  for (const [name, problem] of misplaced) {
    if (request.headers[name.toLowerCase()] !== undefined) {
      throw new ApplicationError('VALIDATION_FAILED', `Header ${name} ${problem}`, [{ field: name, problems: [problem] }]);
    }
  }
}

/** A refused command's result: what its own endpoint would answer. */
function refusal(error: unknown): BatchResultDto {
  const { body } = toErrorResponse(error);
  if (body.statusCode >= 500) throw error;
  return { status: body.statusCode, code: body.code, message: body.message, ...(body.details !== undefined && { details: [...body.details] }) } as BatchResultDto;
}
