import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { ApplicationError } from '../../application/application-error.js';
import { type CommandMetadata, type CommandResult, eventIdFor } from '../../application/command-metadata.js';
import { CommandPipeline } from '../../application/command-pipeline.js';
import { type WebhookFilter, type WebhookRegistered, webhookStreamId } from '../../domain/index.js';
import { EVENT_STORE, type EventStore } from '../../event-store/index.js';
import { urlTargetProblem } from './webhook-address.js';
import { WebhookDelivery } from './webhook-delivery.js';

export interface WebhookRegistration {
  readonly result: CommandResult;
  readonly webhookId: string;
  readonly data: WebhookRegistered['data'];
  readonly createdAt: string;
}

export class RegisterWebhookCommand extends Command<WebhookRegistration> {
  constructor(
    readonly registration: { readonly url: string; readonly filter: WebhookFilter; readonly description?: string },
    readonly metadata: CommandMetadata,
  ) {
    super();
  }
}

export class DeleteWebhookCommand extends Command<CommandResult> {
  constructor(
    readonly webhookId: string,
    readonly metadata: CommandMetadata,
  ) {
    super();
  }
}

export class ResumeWebhookCommand extends Command<CommandResult> {
  constructor(
    readonly webhookId: string,
    readonly metadata: CommandMetadata,
  ) {
    super();
  }
}

/** A signing secret: 32 random bytes, prefixed so that it is recognisable in a secret store. */
function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/**
 * Registers a webhook. With an Idempotency-Key its id is derived from the key (as an event id
 * is), so a retry lands on the same stream and the pipeline answers the original; the id and
 * secret answered are always read back from the registration as recorded.
 */
@CommandHandler(RegisterWebhookCommand)
export class RegisterWebhookHandler implements ICommandHandler<RegisterWebhookCommand> {
  constructor(
    private readonly pipeline: CommandPipeline,
    private readonly delivery: WebhookDelivery,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  async execute({ registration, metadata }: RegisterWebhookCommand): Promise<WebhookRegistration> {
    const keyed = metadata.idempotencyKey !== undefined;
    const webhookId = keyed ? eventIdFor(metadata) : uuidv7();
    const streamId = webhookStreamId(webhookId);
    // A retry is answered as it was the first time, wherever the URL's name resolves now.
    if (!keyed || (await this.store.streamRevision(streamId)) < 0) {
      const problem = await urlTargetProblem(registration.url, this.delivery.allowPrivate);
      if (problem !== undefined) {
        throw new ApplicationError('VALIDATION_FAILED', `url ${problem}`, [{ field: 'url', problems: [problem] }]);
      }
    }
    const result = await this.pipeline.handleWebhookCommand({ type: 'RegisterWebhook', webhookId, ...registration, secret: newSecret() }, metadata);
    for await (const event of this.store.readStream(streamId, { maxCount: 1 })) {
      return { result, webhookId, data: event.data as WebhookRegistered['data'], createdAt: String(event.metadata.recordedAt) };
    }
    throw new Error(`${streamId} holds no registration after it was recorded`);
  }
}

@CommandHandler(DeleteWebhookCommand)
export class DeleteWebhookHandler implements ICommandHandler<DeleteWebhookCommand> {
  constructor(
    private readonly pipeline: CommandPipeline,
    private readonly delivery: WebhookDelivery,
  ) {}

  async execute({ webhookId, metadata }: DeleteWebhookCommand): Promise<CommandResult> {
    const result = await this.pipeline.handleWebhookCommand({ type: 'DeleteWebhook', webhookId }, metadata);
    this.delivery.forget(webhookId);
    return result;
  }
}

@CommandHandler(ResumeWebhookCommand)
export class ResumeWebhookHandler implements ICommandHandler<ResumeWebhookCommand> {
  constructor(private readonly pipeline: CommandPipeline) {}

  execute({ webhookId, metadata }: ResumeWebhookCommand): Promise<CommandResult> {
    return this.pipeline.handleWebhookCommand({ type: 'ResumeWebhook', webhookId }, metadata);
  }
}
