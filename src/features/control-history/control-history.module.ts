import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { CLOCK, systemClock } from '../../application/clock.js';
import { ControlHistoryController } from './control-history.controller.js';
import { ControlHistoryHandler } from './control-history.handler.js';

/** GET /v1/neighbourhoods/:id/control-history. Needs the global ProjectionEngine. */
@Module({
  imports: [CqrsModule],
  controllers: [ControlHistoryController],
  providers: [{ provide: CLOCK, useValue: systemClock }, ControlHistoryHandler],
})
export class ControlHistoryModule {}
