import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AuthModule } from './auth/auth.module.js';
import { ConfigModule } from './config/config.module.js';
import { ConsoleModule } from './console/console.module.js';
import { EventStoreModule } from './event-store/event-store.module.js';
import { CommandsModule } from './features/commands.module.js';
import { LiveStreamModule } from './features/live-stream/live-stream.module.js';
import { WebhooksModule } from './features/webhooks/webhooks.module.js';
import { MeModule } from './features/me/me.module.js';
import { READ_MODELS, READ_MODELS_MODULE } from './features/read-models.js';
import { ReadModelsModule } from './features/read-models.module.js';
import { HealthController } from './health/health.controller.js';
import { ProjectionsModule, WRITER_THREAD_ENTRY } from './projections/index.js';

@Module({
  imports: [
    ConfigModule,
    CqrsModule.forRoot(),
    AuthModule,
    EventStoreModule,
    ProjectionsModule.forRoot({ readModels: READ_MODELS, writerThreads: { entry: WRITER_THREAD_ENTRY, readModels: READ_MODELS_MODULE } }),
    CommandsModule,
    ReadModelsModule,
    LiveStreamModule,
    WebhooksModule,
    MeModule,
    ConsoleModule,
  ],
  controllers: [HealthController],
})
export class AppModule {}
