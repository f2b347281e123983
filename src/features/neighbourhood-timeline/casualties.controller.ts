import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../auth/roles.decorator.js';
import { NeighbourhoodIdPipe } from '../path-params.js';
import { ReadModelResponses } from '../read-model-query.dto.js';
import { CasualtiesDto, CasualtiesQueryDto } from './casualties.dto.js';
import { CasualtiesQuery } from './casualties.handler.js';

@ApiTags('Timeline')
@Controller('neighbourhoods/:id/casualties')
export class CasualtiesController {
  constructor(private readonly bus: QueryBus) {}

  @Get()
  @Roles('analyst')
  @ApiOperation({
    summary: 'The casualties reported in a neighbourhood, summed per actor',
    description:
      'Killed and wounded as low, best and high sums over the casualty reports that occurred in [from, to], leaving out ' +
      'retracted and refuted ones (as known at knownAt). A missing low or high counts as the best figure.',
  })
  @ApiOkResponse({ type: CasualtiesDto })
  @ReadModelResponses({ status: 404, description: 'NEIGHBOURHOOD_NOT_FOUND' })
  casualties(@Param('id', NeighbourhoodIdPipe) neighbourhoodId: string, @Query() query: CasualtiesQueryDto): Promise<CasualtiesDto> {
    return this.bus.execute(new CasualtiesQuery(neighbourhoodId, query));
  }
}
