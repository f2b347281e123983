import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AuthModule } from './auth/auth.module.js';
import { ConfigModule } from './config/config.module.js';
import { EventStoreModule } from './event-store/event-store.module.js';
import { CommandsModule } from './features/commands.module.js';
import { HealthController } from './health/health.controller.js';
import { ProjectionsModule } from './projections/projections.module.js';

@Module({
  imports: [ConfigModule, CqrsModule.forRoot(), AuthModule, EventStoreModule, CommandsModule, ProjectionsModule],
  controllers: [HealthController],
})
export class AppModule {}
