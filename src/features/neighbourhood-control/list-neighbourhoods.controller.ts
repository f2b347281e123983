import { Controller, Get, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../auth/roles.decorator.js';
import { ReadModelResponses } from '../read-model-query.dto.js';
import { ListNeighbourhoodsQueryDto, NeighbourhoodListDto } from './list-neighbourhoods.dto.js';
import { ListNeighbourhoodsQuery } from './list-neighbourhoods.handler.js';

@ApiTags('Control')
@Controller('neighbourhoods')
export class ListNeighbourhoodsController {
  constructor(private readonly bus: QueryBus) {}

  @Get()
  @Roles('analyst')
  @ApiOperation({
    summary: 'The neighbourhoods (of a city), a page at a time, each with who controlled it at asOf: shares, majority, contested positions',
    description: 'By id. `nextCursor` is present while more neighbourhoods remain. Both instants default to now.',
  })
  @ApiOkResponse({ type: NeighbourhoodListDto })
  @ReadModelResponses()
  list(@Query() query: ListNeighbourhoodsQueryDto): Promise<NeighbourhoodListDto> {
    return this.bus.execute(new ListNeighbourhoodsQuery(query));
  }
}
