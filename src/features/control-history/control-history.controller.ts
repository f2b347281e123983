import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal } from '../../auth/principal.js';
import { Roles } from '../../auth/roles.decorator.js';
import { perspectiveParameters } from '../neighbourhood-control/neighbourhood-control.dto.js';
import { NeighbourhoodIdParam, NeighbourhoodIdPipe } from '../path-params.js';
import { HeavyQueryResponse } from '../exports/streamed-export.js';
import { ReadModelResponses } from '../read-model-query.dto.js';
import { ControlHistoryDto, ControlHistoryPageQueryDto } from './control-history.dto.js';
import { ControlHistoryPageQuery } from './control-history.handler.js';

@ApiTags('Control')
@Controller('neighbourhoods/:id/control-history')
export class ControlHistoryPageController {
  constructor(private readonly bus: QueryBus) {}

  @Get()
  @Roles('analyst')
  @ApiOperation({
    summary: "How a neighbourhood's control summary changed over time, a page at a time",
    description:
      'The first item is the state at `from` (default: the baseline), then one item per report whose fold changes the shares, ' +
      'side shares, majority controller or number of contested positions, up to `to`, as known at knownAt. Each item equals what ' +
      '/control answers at its instant, in the same view. The default view is the accepted timeline, read in order from the ' +
      "read model's time index; the perspective parameters of /control (reportedBy, status, minReliability, minCredibility, " +
      'source, claims) fold only the reports that pass, and add `perspective` and `skipped`.',
  })
  @ApiOkResponse({ type: ControlHistoryDto })
  @HeavyQueryResponse()
  @NeighbourhoodIdParam()
  @ReadModelResponses('NEIGHBOURHOOD_NOT_FOUND')
  history(
    @Param('id', NeighbourhoodIdPipe) neighbourhoodId: string,
    @Query() query: ControlHistoryPageQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ControlHistoryDto> {
    return this.bus.execute(new ControlHistoryPageQuery(neighbourhoodId, query, perspectiveParameters(query), principal.role === 'admin'));
  }
}
