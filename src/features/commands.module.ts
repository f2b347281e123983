import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { CLOCK, systemClock } from '../application/clock.js';
import { CommandPipeline, STREAM_CACHE_EVENTS } from '../application/command-pipeline.js';
import { DEFAULT_STREAM_CACHE_EVENTS, type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { AssessReportController } from './assess-report/assess-report.controller.js';
import { AssessReportHandler } from './assess-report/assess-report.handler.js';
import { BatchController } from './batch/batch.controller.js';
import { RunBatchHandler } from './batch/batch.handler.js';
import { AddPositionsController } from './add-positions/add-positions.controller.js';
import { AddPositionsHandler } from './add-positions/add-positions.handler.js';
import { CapturePositionController } from './capture-position/capture-position.controller.js';
import { CapturePositionHandler } from './capture-position/capture-position.handler.js';
import { LaunchAttackController } from './launch-attack/launch-attack.controller.js';
import { LaunchAttackHandler } from './launch-attack/launch-attack.handler.js';
import { LaunchCounterattackController } from './launch-counterattack/launch-counterattack.controller.js';
import { LaunchCounterattackHandler } from './launch-counterattack/launch-counterattack.handler.js';
import { NeighbourhoodHeadController } from './neighbourhood-head/neighbourhood-head.controller.js';
import { NeighbourhoodHeadHandler } from './neighbourhood-head/neighbourhood-head.handler.js';
import { ReadStreamController } from './read-stream/read-stream.controller.js';
import { ReadStreamHandler } from './read-stream/read-stream.handler.js';
import { RegisterActorController } from './register-actor/register-actor.controller.js';
import { RegisterActorHandler } from './register-actor/register-actor.handler.js';
import { RegisterNeighbourhoodController } from './register-neighbourhood/register-neighbourhood.controller.js';
import { RegisterNeighbourhoodHandler } from './register-neighbourhood/register-neighbourhood.handler.js';
import { ReportCasualtiesController } from './report-casualties/report-casualties.controller.js';
import { ReportCasualtiesHandler } from './report-casualties/report-casualties.handler.js';
import { RetractReportController } from './retract-report/retract-report.controller.js';
import { RetractReportHandler } from './retract-report/retract-report.handler.js';
import { RetreatController } from './retreat/retreat.controller.js';
import { RetreatHandler } from './retreat/retreat.handler.js';

/** The write side: every command endpoint, and the audit view of the raw streams. */
@Module({
  imports: [CqrsModule],
  controllers: [
    RegisterActorController,
    RegisterNeighbourhoodController,
    AddPositionsController,
    LaunchAttackController,
    CapturePositionController,
    LaunchCounterattackController,
    RetreatController,
    ReportCasualtiesController,
    RetractReportController,
    AssessReportController,
    NeighbourhoodHeadController,
    BatchController,
    ReadStreamController,
  ],
  providers: [
    { provide: CLOCK, useValue: systemClock },
    {
      provide: STREAM_CACHE_EVENTS,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): number => config.streamCacheEvents ?? DEFAULT_STREAM_CACHE_EVENTS,
    },
    CommandPipeline,
    RegisterActorHandler,
    RegisterNeighbourhoodHandler,
    AddPositionsHandler,
    LaunchAttackHandler,
    CapturePositionHandler,
    LaunchCounterattackHandler,
    RetreatHandler,
    ReportCasualtiesHandler,
    RetractReportHandler,
    AssessReportHandler,
    NeighbourhoodHeadHandler,
    RunBatchHandler,
    ReadStreamHandler,
  ],
  exports: [CommandPipeline],
})
export class CommandsModule {}
