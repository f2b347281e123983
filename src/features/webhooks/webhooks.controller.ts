import { Body, Controller, Delete, Get, HttpCode, Injectable, Param, Post, Query, Req, Res, type PipeTransform } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import {
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CommandResult } from '../../application/command-metadata.js';
import { CurrentPrincipal, type Principal } from '../../auth/principal.js';
import { Roles } from '../../auth/roles.decorator.js';
import { ApiReadModelQuery, ApiRefusals } from '../../http/index.js';
import { commandMetadata } from '../command-endpoint.js';
import { DeleteWebhookCommand, RegisterWebhookCommand, ResumeWebhookCommand } from './webhook-commands.handler.js';
import { ListDeliveriesQuery, ListWebhooksQuery, notFound } from './webhook-queries.handler.js';
import {
  DeliveryListDto,
  RegisterWebhookDto,
  RegisteredWebhookDto,
  WebhookCommandResponse,
  WebhookListDto,
  WebhookQueryDto,
  toWebhookFilter,
} from './webhooks.dto.js';

const WEBHOOK_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A webhook id in a path: anything but a lowercase UUID names no webhook. */
@Injectable()
export class WebhookIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!WEBHOOK_ID.test(value)) throw notFound(value);
    return value;
  }
}

/** The OpenAPI description of a webhook id in a path (`:id`). */
const WebhookIdParam = (): MethodDecorator =>
  ApiParam({
    name: 'id',
    description: 'A webhook id, as its registration answered it',
    schema: { type: 'string', format: 'uuid', pattern: WEBHOOK_ID.source, example: '0193a4f2-6c1e-7d3a-9b2f-5e8c1d2a4b60' },
  });

const REGISTRATION_EXAMPLE: RegisterWebhookDto = {
  url: 'https://hooks.example.org/timeline',
  filter: { neighbourhoods: ['damascus-tadamon'], types: ['PositionCaptured', 'control'] },
  description: 'Newsroom alerts: Tadamon changes hands',
};

const IDEMPOTENCY_HEADER = ApiHeader({
  name: 'Idempotency-Key',
  required: false,
  description: 'Makes retries safe: the same key and body answer the first result again (for a registration: the same id and secret)',
});

@ApiTags('Webhooks')
@ApiBearerAuth()
@Controller('webhooks')
@Roles('admin')
export class WebhooksController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Register a webhook: what the live feed sends, POSTed and signed, at least once and in order',
    description:
      'Each POST carries `{"id", "event", "data"}` as the stream sends it to an analyst, `Timeline-Delivery-Id: <webhookId>:<message id>` ' +
      '(the same on every retry) and `Timeline-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the secret>`. ' +
      'A non-2xx answer or no answer within 10 s is retried (1 s doubling to 1 h, ±20 %) for up to 24 h, then the webhook is failing and paused.',
  })
  @IDEMPOTENCY_HEADER
  @ApiBody({ type: RegisterWebhookDto, examples: { tadamon: { summary: 'Captures and control changes in Tadamon', value: REGISTRATION_EXAMPLE } } })
  @ApiCreatedResponse({ type: RegisteredWebhookDto, description: 'Registered; the secret is shown here only' })
  @ApiOkResponse({ type: RegisteredWebhookDto, description: 'A retry with the same Idempotency-Key: the same id and secret, nothing written' })
  @ApiRefusals('IDEMPOTENCY_KEY_REUSED')
  async register(
    @Body() body: RegisterWebhookDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @CurrentPrincipal() principal: Principal,
  ): Promise<RegisteredWebhookDto> {
    const registration = {
      url: body.url,
      filter: toWebhookFilter(body.filter),
      ...(body.description !== undefined && body.description !== null && { description: body.description }),
    };
    const { result, webhookId, data, createdAt } = await this.commands.execute(new RegisterWebhookCommand(registration, commandMetadata(request, principal)));
    answered(reply, result);
    return {
      id: webhookId,
      url: data.url,
      filter: data.filter as RegisteredWebhookDto['filter'],
      description: data.description ?? null,
      status: 'active',
      createdAt,
      secret: data.secret,
      eventId: result.eventId,
      position: result.position,
    };
  }

  @Get()
  @ApiOperation({ summary: 'The registered webhooks and how their deliveries go (never their secrets)' })
  @ApiOkResponse({ type: WebhookListDto })
  @ApiReadModelQuery()
  list(@Query() query: WebhookQueryDto): Promise<WebhookListDto> {
    return this.queries.execute(new ListWebhooksQuery(query.minPosition));
  }

  @Delete(':id')
  @WebhookIdParam()
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a webhook: nothing more is sent to it, what it was still owed included' })
  @IDEMPOTENCY_HEADER
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiRefusals('WEBHOOK_NOT_FOUND', 'IDEMPOTENCY_KEY_REUSED')
  async remove(
    @Param('id', WebhookIdPipe) id: string,
    @Req() request: FastifyRequest,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    await this.commands.execute(new DeleteWebhookCommand(id, commandMetadata(request, principal)));
  }

  @Get(':id/deliveries')
  @WebhookIdParam()
  @ApiOperation({ summary: 'The newest 100 delivery attempts, newest first: status, latency, error' })
  @ApiOkResponse({ type: DeliveryListDto })
  @ApiRefusals('WEBHOOK_NOT_FOUND')
  @ApiReadModelQuery()
  deliveries(@Param('id', WebhookIdPipe) id: string, @Query() query: WebhookQueryDto): Promise<DeliveryListDto> {
    return this.queries.execute(new ListDeliveriesQuery(id, query.minPosition));
  }

  @Post(':id/resume')
  @WebhookIdParam()
  @ApiOperation({ summary: 'Resume a failing webhook: its deliveries are tried again at once, on a fresh schedule' })
  @IDEMPOTENCY_HEADER
  @ApiCreatedResponse({ type: WebhookCommandResponse })
  @ApiRefusals('WEBHOOK_NOT_FOUND', 'IDEMPOTENCY_KEY_REUSED')
  async resume(
    @Param('id', WebhookIdPipe) id: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @CurrentPrincipal() principal: Principal,
  ): Promise<WebhookCommandResponse> {
    const result = await this.commands.execute(new ResumeWebhookCommand(id, commandMetadata(request, principal)));
    answered(reply, result);
    return { eventId: result.eventId, type: result.type, webhookId: id, streamRevision: result.streamRevision, position: result.position };
  }
}

/** 201 for a new event, 200 for a replayed retry, as every command answers. */
function answered(reply: FastifyReply, result: CommandResult): void {
  void reply.status(result.replayed ? 200 : 201).header('ETag', `"${result.streamRevision}"`);
  if (result.replayed) void reply.header('Idempotent-Replayed', 'true');
}
