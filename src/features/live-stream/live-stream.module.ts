import { Module } from '@nestjs/common';
import { LiveFeed } from './live-feed.js';
import { LiveStreamController } from './live-stream.controller.js';

/** `GET /v1/stream`, and the shared live feed the webhooks follow too. */
@Module({
  controllers: [LiveStreamController],
  providers: [LiveFeed],
  exports: [LiveFeed],
})
export class LiveStreamModule {}
