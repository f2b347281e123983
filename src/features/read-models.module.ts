import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { CLOCK, systemClock } from '../application/clock.js';
import { ListActorsController } from './actors/list-actors.controller.js';
import { ListActorsHandler } from './actors/list-actors.handler.js';
import { ControlHistoryPageController } from './control-history/control-history.controller.js';
import { ControlHistoryPageHandler } from './control-history/control-history.handler.js';
import { HeavyQueries } from './exports/heavy-queries.js';
import { ActorHoldingsController } from './neighbourhood-control/actor-holdings.controller.js';
import { ActorHoldingsHandler } from './neighbourhood-control/actor-holdings.handler.js';
import { CityControlGeoJsonController } from './neighbourhood-control/city-control-geojson.controller.js';
import { CityControlGeoJsonHandler } from './neighbourhood-control/city-control-geojson.handler.js';
import { ControlGeoJsonController } from './neighbourhood-control/control-geojson.controller.js';
import { ControlGeoJsonHandler } from './neighbourhood-control/control-geojson.handler.js';
import { ControlHistoryController } from './neighbourhood-control/control-history.controller.js';
import { ControlHistoryHandler } from './neighbourhood-control/control-history.handler.js';
import { ListNeighbourhoodsController } from './neighbourhood-control/list-neighbourhoods.controller.js';
import { ListNeighbourhoodsHandler } from './neighbourhood-control/list-neighbourhoods.handler.js';
import { NeighbourhoodControlController } from './neighbourhood-control/neighbourhood-control.controller.js';
import { NeighbourhoodControlHandler } from './neighbourhood-control/neighbourhood-control.handler.js';
import { NeighbourhoodDetailController } from './neighbourhood-control/neighbourhood-detail.controller.js';
import { NeighbourhoodDetailHandler } from './neighbourhood-control/neighbourhood-detail.handler.js';
import { CasualtiesController } from './neighbourhood-timeline/casualties.controller.js';
import { CasualtiesHandler } from './neighbourhood-timeline/casualties.handler.js';
import { CityTimelineController } from './neighbourhood-timeline/city-timeline.controller.js';
import { NeighbourhoodTimelineController } from './neighbourhood-timeline/neighbourhood-timeline.controller.js';
import { NeighbourhoodTimelineHandler } from './neighbourhood-timeline/neighbourhood-timeline.handler.js';
import { TimelineCsvController } from './neighbourhood-timeline/timeline-csv.controller.js';
import { TimelineCsvHandler } from './neighbourhood-timeline/timeline-csv.handler.js';
import { ProjectionsAdminController } from './projections-admin/projections-admin.controller.js';
import { ListProjectionsHandler, RebuildProjectionHandler } from './projections-admin/projections-admin.handler.js';

/**
 * The read side's endpoints: every query over the read models, the exports, and their
 * administration. Needs the global ProjectionEngine and the configuration (the cap on heavy
 * queries).
 */
@Module({
  imports: [CqrsModule],
  controllers: [
    ListNeighbourhoodsController,
    NeighbourhoodDetailController,
    NeighbourhoodControlController,
    ControlHistoryPageController,
    ControlGeoJsonController,
    CityControlGeoJsonController,
    ControlHistoryController,
    NeighbourhoodTimelineController,
    CityTimelineController,
    TimelineCsvController,
    CasualtiesController,
    ListActorsController,
    ActorHoldingsController,
    ProjectionsAdminController,
  ],
  providers: [
    { provide: CLOCK, useValue: systemClock },
    HeavyQueries,
    ControlHistoryPageHandler,
    ListNeighbourhoodsHandler,
    NeighbourhoodDetailHandler,
    NeighbourhoodControlHandler,
    ControlGeoJsonHandler,
    CityControlGeoJsonHandler,
    ControlHistoryHandler,
    NeighbourhoodTimelineHandler,
    TimelineCsvHandler,
    CasualtiesHandler,
    ListActorsHandler,
    ActorHoldingsHandler,
    ListProjectionsHandler,
    RebuildProjectionHandler,
  ],
})
export class ReadModelsModule {}
