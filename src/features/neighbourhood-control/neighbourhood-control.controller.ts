import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal } from '../../auth/principal.js';
import { Roles } from '../../auth/roles.decorator.js';
import { HeavyQueryResponse } from '../exports/streamed-export.js';
import { ReadModelResponses } from '../read-model-query.dto.js';
import { NeighbourhoodIdPipe } from '../path-params.js';
import { NeighbourhoodControlDto, NeighbourhoodControlQueryDto, perspectiveParameters } from './neighbourhood-control.dto.js';
import { NeighbourhoodControlQuery } from './neighbourhood-control.handler.js';

@ApiTags('Control')
@Controller('neighbourhoods/:id/control')
export class NeighbourhoodControlController {
  constructor(private readonly bus: QueryBus) {}

  @Get()
  @Roles('analyst')
  @ApiOperation({
    summary: 'Who controlled each position of a neighbourhood at asOf, as known at knownAt',
    description:
      'The default view is the accepted timeline: accepted reports, neither retracted nor refuted, folded in (occurredAt, log ' +
      'position) order. A retraction or assessment counts only from when it was recorded (knownAt). With any perspective ' +
      'parameter (reportedBy, status, minReliability, minCredibility, source, claims) the answer folds only the reports that ' +
      'pass it, and adds `perspective` and `skipped`; a perspective is a heavy query (TIMELINE_MAX_HEAVY_QUERIES). A ' +
      'neighbourhood registered after knownAt is not found. Each position carries its registration (nameAr, kind, weight, ' +
      'coordinates, area), controllerName and `uncertain`. Instants are UTC with milliseconds.',
  })
  @ApiOkResponse({ type: NeighbourhoodControlDto })
  @HeavyQueryResponse()
  @ReadModelResponses({ status: 404, description: 'NEIGHBOURHOOD_NOT_FOUND' })
  control(
    @Param('id', NeighbourhoodIdPipe) neighbourhoodId: string,
    @Query() query: NeighbourhoodControlQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<NeighbourhoodControlDto> {
    return this.bus.execute(
      new NeighbourhoodControlQuery(
        neighbourhoodId,
        query.asOf,
        query.knownAt,
        perspectiveParameters(query),
        principal.role === 'admin',
        query.minPosition,
      ),
    );
  }
}
