import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal } from '../../auth/principal.js';
import { Roles } from '../../auth/roles.decorator.js';
import { NeighbourhoodIdPipe } from '../path-params.js';
import { ReadModelResponses } from '../read-model-query.dto.js';
import { NeighbourhoodDetailDto, NeighbourhoodDetailQueryDto } from './neighbourhood-detail.dto.js';
import { NeighbourhoodDetailQuery } from './neighbourhood-detail.handler.js';

@ApiTags('Control')
@Controller('neighbourhoods/:id')
export class NeighbourhoodDetailController {
  constructor(private readonly bus: QueryBus) {}

  @Get()
  @Roles('analyst')
  @ApiOperation({
    summary: 'A neighbourhood as registered: its positions (with coordinates, areas and baseline controllers), its outline, ' +
      'when its incidents began and ended, and the sources they cite',
  })
  @ApiOkResponse({ type: NeighbourhoodDetailDto })
  @ReadModelResponses({ status: 404, description: 'NEIGHBOURHOOD_NOT_FOUND' })
  detail(
    @Param('id', NeighbourhoodIdPipe) neighbourhoodId: string,
    @Query() query: NeighbourhoodDetailQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<NeighbourhoodDetailDto> {
    return this.bus.execute(new NeighbourhoodDetailQuery(neighbourhoodId, principal.role === 'admin', query.minPosition));
  }
}
