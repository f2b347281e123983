import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { CommandsModule } from '../commands.module.js';
import { LiveStreamModule } from '../live-stream/live-stream.module.js';
import { DeleteWebhookHandler, RegisterWebhookHandler, ResumeWebhookHandler } from './webhook-commands.handler.js';
import { WebhookDelivery } from './webhook-delivery.js';
import { ListDeliveriesHandler, ListWebhooksHandler } from './webhook-queries.handler.js';
import { WebhooksController } from './webhooks.controller.js';

/** `/v1/webhooks`: registrations (commands on webhook streams), the outbox and its delivery. */
@Module({
  imports: [CqrsModule, CommandsModule, LiveStreamModule],
  controllers: [WebhooksController],
  providers: [WebhookDelivery, RegisterWebhookHandler, DeleteWebhookHandler, ResumeWebhookHandler, ListWebhooksHandler, ListDeliveriesHandler],
})
export class WebhooksModule {}
