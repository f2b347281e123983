import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { CLOCK, systemClock } from '../application/clock.js';
import { ListActorsController } from './actors/list-actors.controller.js';
import { ListActorsHandler } from './actors/list-actors.handler.js';
import { ActorHoldingsController } from './neighbourhood-control/actor-holdings.controller.js';
import { ActorHoldingsHandler } from './neighbourhood-control/actor-holdings.handler.js';
import { ControlGeoJsonController } from './neighbourhood-control/control-geojson.controller.js';
import { ControlGeoJsonHandler } from './neighbourhood-control/control-geojson.handler.js';
import { ListNeighbourhoodsController } from './neighbourhood-control/list-neighbourhoods.controller.js';
import { ListNeighbourhoodsHandler } from './neighbourhood-control/list-neighbourhoods.handler.js';
import { NeighbourhoodControlController } from './neighbourhood-control/neighbourhood-control.controller.js';
import { NeighbourhoodControlHandler } from './neighbourhood-control/neighbourhood-control.handler.js';
import { NeighbourhoodTimelineController } from './neighbourhood-timeline/neighbourhood-timeline.controller.js';
import { NeighbourhoodTimelineHandler } from './neighbourhood-timeline/neighbourhood-timeline.handler.js';
import { ProjectionsAdminController } from './projections-admin/projections-admin.controller.js';
import { ListProjectionsHandler, RebuildProjectionHandler } from './projections-admin/projections-admin.handler.js';

/** The read side's endpoints: every query over the read models, and their administration. Needs the global ProjectionEngine. */
@Module({
  imports: [CqrsModule],
  controllers: [
    ListNeighbourhoodsController,
    NeighbourhoodControlController,
    ControlGeoJsonController,
    NeighbourhoodTimelineController,
    ListActorsController,
    ActorHoldingsController,
    ProjectionsAdminController,
  ],
  providers: [
    { provide: CLOCK, useValue: systemClock },
    ListNeighbourhoodsHandler,
    NeighbourhoodControlHandler,
    ControlGeoJsonHandler,
    NeighbourhoodTimelineHandler,
    ListActorsHandler,
    ActorHoldingsHandler,
    ListProjectionsHandler,
    RebuildProjectionHandler,
  ],
})
export class ReadModelsModule {}
