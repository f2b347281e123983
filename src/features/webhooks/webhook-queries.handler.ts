import { Inject } from '@nestjs/common';
import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { ApplicationError } from '../../application/application-error.js';
import { type WebhookEvent, evolveWebhook, initialWebhookState, webhookStreamId } from '../../domain/index.js';
import { EVENT_STORE, type EventStore } from '../../event-store/index.js';
import { WebhookDelivery } from './webhook-delivery.js';
import type { DeliveryListDto, WebhookListDto } from './webhooks.dto.js';

export class ListWebhooksQuery extends Query<WebhookListDto> {
  constructor(readonly minPosition: number | undefined) {
    super();
  }
}

export class ListDeliveriesQuery extends Query<DeliveryListDto> {
  constructor(
    readonly webhookId: string,
    readonly minPosition: number | undefined,
  ) {
    super();
  }
}

/** The registered webhooks as the outbox has filed them; never their secrets. */
@QueryHandler(ListWebhooksQuery)
export class ListWebhooksHandler implements IQueryHandler<ListWebhooksQuery> {
  constructor(private readonly delivery: WebhookDelivery) {}

  async execute({ minPosition }: ListWebhooksQuery): Promise<WebhookListDto> {
    if (minPosition !== undefined) await this.delivery.reflect(minPosition);
    return {
      items: this.delivery.outbox.liveWebhooks().map((webhook) => ({
        id: webhook.id,
        url: webhook.url,
        filter: webhook.filter as WebhookListDto['items'][number]['filter'],
        description: webhook.description,
        status: webhook.status,
        createdAt: webhook.createdAt,
      })),
    };
  }
}

@QueryHandler(ListDeliveriesQuery)
export class ListDeliveriesHandler implements IQueryHandler<ListDeliveriesQuery> {
  constructor(
    private readonly delivery: WebhookDelivery,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  async execute({ webhookId, minPosition }: ListDeliveriesQuery): Promise<DeliveryListDto> {
    if (minPosition !== undefined) await this.delivery.reflect(minPosition);
    const webhook = this.delivery.outbox.webhook(webhookId);
    if (webhook !== undefined) {
      if (webhook.deleted) throw notFound(webhookId);
      return { items: this.delivery.outbox.attempts(webhookId) };
    }
    // Registered a moment ago and not filed yet: nothing attempted, but it exists.
    let state = initialWebhookState();
    for await (const event of this.store.readStream(webhookStreamId(webhookId))) state = evolveWebhook(state, event as unknown as WebhookEvent);
    if (!state.registered || state.deleted) throw notFound(webhookId);
    return { items: [] };
  }
}

export function notFound(webhookId: string): ApplicationError {
  return new ApplicationError('WEBHOOK_NOT_FOUND', `no webhook ${JSON.stringify(webhookId.slice(0, 64))}`);
}
