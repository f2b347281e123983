import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../auth/roles.decorator.js';
import { ReadModelResponses } from '../read-model-query.dto.js';
import { NeighbourhoodIdPipe } from '../path-params.js';
import { NeighbourhoodControlDto, NeighbourhoodControlQueryDto } from './neighbourhood-control.dto.js';
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
      'Incidents fold in (occurredAt, log position) order. A retracted event counts nowhere, except for a knownAt ' +
      'before its retraction was recorded. A neighbourhood registered after knownAt is not found.',
  })
  @ApiOkResponse({ type: NeighbourhoodControlDto })
  @ReadModelResponses({ status: 404, description: 'NEIGHBOURHOOD_NOT_FOUND' })
  control(
    @Param('id', NeighbourhoodIdPipe) neighbourhoodId: string,
    @Query() query: NeighbourhoodControlQueryDto,
  ): Promise<NeighbourhoodControlDto> {
    return this.bus.execute(new NeighbourhoodControlQuery(neighbourhoodId, query.asOf, query.knownAt, query.minPosition));
  }
}
